# Writes to stdout forever.
yes "flooding stdout with the same line over and over"
