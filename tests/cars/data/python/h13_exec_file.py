with open("plugin.py") as fh:
    source = fh.read()
exec(source)
