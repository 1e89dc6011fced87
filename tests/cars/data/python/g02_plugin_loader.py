import importlib

PLUGINS = ["csv_export", "json_export"]
loaded = {}
for name in PLUGINS:
    loaded[name] = importlib.import_module(f"exporters.{name}")
print(sorted(loaded))
