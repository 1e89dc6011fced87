import re
tokens = re.findall(r"exec|eval|system|import", "def f(): exec_count = 1; eval_score = 2")
print(tokens)
