import ast
import re

config_text = "{'threshold': 0.8, 'labels': ['a', 'b']}"
config = ast.literal_eval(config_text)
pattern = re.compile(r"\d+")
print(config["threshold"], pattern.findall("a1b22c333"))
