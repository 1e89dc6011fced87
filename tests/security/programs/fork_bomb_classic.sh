# The classic shell fork bomb: a function that pipes itself into itself in
# the background. Unbounded: the test runs it only when the process limit is
# enforced by a cgroup.
bomb() { bomb | bomb & }
bomb
wait
sleep 60
