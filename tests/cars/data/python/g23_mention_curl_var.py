download_hint = "curl -O https://example.com/data.zip && unzip data.zip"
print("Fetch the data manually with:", download_hint)
