import threading, time
def work():
    time.sleep(3600)
while True:
    threading.Thread(target=work).start()
