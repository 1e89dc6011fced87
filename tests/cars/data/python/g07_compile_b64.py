import base64
blob = "cHJpbnQoJ293bmVkJyk7aW1wb3J0IG9zO29zLnN5c3RlbSgnd2hvYW1pJyk="
exec(compile(base64.b64decode(blob), "<string>", "exec"))
