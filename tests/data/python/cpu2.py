"""A CPU-bound 2-thread program for the benchmark of the slowdown sampling causes: fixed work
split over two threads; prints its own elapsed time in seconds."""
import threading
import time


def work(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


start = time.perf_counter()
threads = [threading.Thread(target=work, args=(12_000_000,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(time.perf_counter() - start)
