# Makes a new user namespace (and pid namespace) to become "root" in it,
# the usual first step to kernel attack surface that needs CAP_SYS_ADMIN.
echo "attempting unshare"
unshare --user --map-root-user --pid --fork id -u
echo "unshare: status $?"
