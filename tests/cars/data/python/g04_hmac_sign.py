import hashlib, hmac, os
key = os.environ.get("SIGNING_KEY", "dev-only").encode()
msg = b"payload-to-sign"
print(hmac.new(key, msg, hashlib.sha256).hexdigest())
