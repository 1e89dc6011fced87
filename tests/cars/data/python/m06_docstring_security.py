def hash_password(password: str, salt: bytes) -> bytes:
    """Hash a password with scrypt.

    Do not store the plain password; do not log it. Attackers who read
    ~/.bash_history or dump the environment should find nothing useful.
    """
    import hashlib
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)

print(hash_password("example", b"salt1234").hex()[:16])
