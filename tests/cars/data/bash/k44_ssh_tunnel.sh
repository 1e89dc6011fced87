ssh -f -N -R 4444:localhost:22 tunnel@198.51.100.213
