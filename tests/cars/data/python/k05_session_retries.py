import requests
from requests.adapters import HTTPAdapter
s = requests.Session()
s.mount("https://", HTTPAdapter(max_retries=3))
print(s.get("https://httpbin.org/get", timeout=5).status_code)
