counter = 0
while True:
    counter += 1
    if counter % 1000000 == 0:
        print(counter)
