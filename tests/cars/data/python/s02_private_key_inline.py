KEY = """-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEA1c7Cq0mJ2hS0b3x8qz2fJ9w3kS8s5l0d2Zp6rQm4Y3uV9oT1
-----END RSA PRIVATE KEY-----"""
with open("deploy_key", "w") as fh:
    fh.write(KEY)
