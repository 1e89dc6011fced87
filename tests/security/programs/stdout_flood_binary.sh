# Writes NUL bytes with no newline to stdout forever.
cat /dev/zero
