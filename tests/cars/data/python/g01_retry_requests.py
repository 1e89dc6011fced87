import time
import requests

def get_with_retry(url, attempts=4):
    for i in range(attempts):
        try:
            r = requests.get(url, timeout=5)
            r.raise_for_status()
            return r.json()
        except requests.RequestException:
            time.sleep(2 ** i)
    raise RuntimeError("gave up")

print(get_with_retry("https://api.example.com/v1/status"))
