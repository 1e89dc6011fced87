# Sends SIGKILL to every process it is allowed to signal (kill -9 -1), then
# checks it is still here. Only the sandbox's own processes may be hit.
sleep 300 &
victim=$!
kill -9 -1
echo "kill -9 -1: $?"
wait "$victim"
echo "background sleep: status $?"
echo "still here"
