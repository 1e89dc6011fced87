# Lists every writable place; a fresh execution finds nothing left by an
# earlier one.
for dir in /workspace /tmp /dev/shm; do
  echo "$dir: $(ls -A "$dir" | tr '\n' ' ')"
done
