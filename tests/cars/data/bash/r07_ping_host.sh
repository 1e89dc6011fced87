ping -c 3 example.com
dig +short example.com
