"""N threads (argv[1]) that each sleep, for the benchmark of a sample's cost; runs until killed."""
import sys
import threading
import time


def nap():
    while True:
        time.sleep(0.2)


for i in range(int(sys.argv[1])):
    threading.Thread(target=nap, daemon=True, name="nap-%d" % i).start()
time.sleep(3600)
