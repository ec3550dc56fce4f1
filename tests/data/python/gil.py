"""Two CPU-bound threads and one sleeping thread, for about a second and a half."""
import threading
import time


def spin(seconds):
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        for i in range(1000):
            n += i * i
    return n


def sleeper(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.05)


threads = [
    threading.Thread(target=spin, args=(1.5,), name="cpu-1"),
    threading.Thread(target=spin, args=(1.5,), name="cpu-2"),
    threading.Thread(target=sleeper, args=(1.5,), name="sleeper"),
]
for t in threads:
    t.start()
for t in threads:
    t.join()
