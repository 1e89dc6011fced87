import requests

resp = requests.get("https://api.github.com/repos/python/cpython", timeout=10)
resp.raise_for_status()
info = resp.json()
print(info["full_name"], info["stargazers_count"])
