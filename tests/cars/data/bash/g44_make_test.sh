make -j4
./bin/run_tests --verbose
