#!/bin/bash
action=${1:-status}
case "$action" in
  start) echo "starting";;
  stop) echo "stopping";;
  status|*) echo "usage: $0 {start|stop|status}";;
esac
