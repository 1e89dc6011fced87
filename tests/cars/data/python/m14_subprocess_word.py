SUBPROCESS_TIMEOUT = 30
shell_friendly = "use a fixed argument list, not a shell string"
print(SUBPROCESS_TIMEOUT, shell_friendly)
