# The shell way to outlive an execution: setsid -f, nohup, all output to
# /dev/null, and an argv[0] that names it on the host. The script exits once
# the background process is running.
#
# $1: marker used as the background process's argv[0].
setsid -f nohup bash -c "touch /tmp/orphan-ready; exec -a '$1' sleep 600" \
  </dev/null >/dev/null 2>&1
until [ -e /tmp/orphan-ready ]; do sleep 0.01; done
echo "orphan started"
