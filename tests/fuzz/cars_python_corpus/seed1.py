import os, base64
# comment
x = f"{a!r:>{w}} {{b}}"
exec(base64.b64decode(b"aW1wb3J0IG9z").decode())
s = r"""raw\x"""
