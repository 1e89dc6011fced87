docker run --rm --privileged -v /:/host alpine chroot /host sh -c 'id'
