printf '%-10s %5s\n' NAME SCORE
printf '%-10s %5d\n' ana 93 bo 87 cy 78
