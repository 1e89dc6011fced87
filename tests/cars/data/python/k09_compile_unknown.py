import sys
src = sys.stdin.read()
eval(compile(src, "<input>", "exec"))
