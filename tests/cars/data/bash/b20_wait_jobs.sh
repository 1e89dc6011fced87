#!/bin/bash
for n in 1 2 3; do
  ( sleep "$n"; echo "job $n done" ) &
done
wait
echo "all done"
