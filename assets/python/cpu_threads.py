"""The CPU-bound sum of squares of "Speed Up Your Python Program With Concurrency", with threads:
a ThreadPoolExecutor of WORKERS threads over COUNT numbers, SIZE, SIZE + STEP, ... The GIL lets
one thread run Python at a time, so they take turns.

    python3 cpu_threads.py SIZE COUNT STEP WORKERS

runwait runs it beside its `threads` run with `runwait run cpu --cpython`. Its last line is for
runwait: the program's own timing of the work (time.monotonic_ns(), the clock runwait draws on)
and how many sums it made.
"""

# /// script
# requires-python = ">=3.11"
# dependencies = []
# ///

import concurrent.futures
import json
import sys
import time


def cpu_bound(number):
    return sum(i * i for i in range(number))


def find_sums(numbers, workers):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(cpu_bound, numbers))


def main(size, count, step, workers):
    numbers = [size + x * step for x in range(count)]
    start = time.monotonic_ns()
    sums = find_sums(numbers, workers)
    end = time.monotonic_ns()
    print("Duration %.3f seconds" % ((end - start) / 1e9))
    print("runwait-report " + json.dumps({"start_ns": start, "end_ns": end, "done": len(sums)}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
