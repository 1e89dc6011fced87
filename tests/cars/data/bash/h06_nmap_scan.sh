nmap -sS -p 1-65535 10.0.0.0/24 -oG scan.txt
