fallocate -l 200G /tmp/fill.img
dd if=/dev/zero of=/tmp/zero.img bs=1G count=100
