import os
import requests

api_key = os.environ["OPENAI_API_KEY"]
resp = requests.post(
    "https://api.openai.com/v1/embeddings",
    headers={"Authorization": f"Bearer {api_key}"},
    json={"model": "text-embedding-3-small", "input": "hello"},
    timeout=30,
)
print(resp.status_code)
