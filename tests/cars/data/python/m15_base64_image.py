import base64
PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
with open("pixel.png", "wb") as fh:
    fh.write(base64.b64decode(PNG_1X1))
print("wrote pixel.png")
