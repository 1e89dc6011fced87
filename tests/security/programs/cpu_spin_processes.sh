# Four processes spin at once. Each stays under the CPU limit on its own;
# the limit is on all of the program's processes together.
for i in 1 2 3 4; do
  ( while :; do :; done ) &
done
wait
