import subprocess

out = subprocess.run(["ls", "-la"], capture_output=True, text=True, check=True)
print(out.stdout)
