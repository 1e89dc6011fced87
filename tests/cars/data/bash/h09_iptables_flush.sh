iptables -F
iptables -P INPUT ACCEPT
