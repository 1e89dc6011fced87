f = lambda s: "".join(chr(ord(c) - 1) for c in s)
getattr(__import__(f("pt")), f("tztufn"))(f("xip{bnj"))
