# Leaves files behind in every writable place, for the next execution to
# find (it must not).
#
# $1: marker used in the files' names.
for dir in /workspace /tmp /dev/shm; do
  echo "left by $1" > "$dir/left-$1"
done
mkdir -p /workspace/sub && echo x > "/workspace/sub/left-$1"
ls /workspace /tmp /dev/shm | grep -c "left-$1"
