"""The CPU-bound sum of squares of "Speed Up Your Python Program With Concurrency", synchronous:
cpu_bound(number) for COUNT numbers, SIZE, SIZE + STEP, SIZE + 2 STEP, ... (the article's are
5,000,000 + x for x in range(20)).

    python3 cpu_sync.py SIZE COUNT STEP

runwait runs it beside its `sync` run with `runwait run cpu --cpython`, with the same numbers as
its own tasks sum (the same work: runwait's `cpu = N` is this sum, in Rust). Its last line is
for runwait: the program's own timing of the work (time.monotonic_ns(), the clock runwait draws
on) and how many sums it made.
"""

# /// script
# requires-python = ">=3.11"
# dependencies = []
# ///

import json
import sys
import time


def cpu_bound(number):
    return sum(i * i for i in range(number))


def find_sums(numbers):
    return [cpu_bound(number) for number in numbers]


def main(size, count, step):
    numbers = [size + x * step for x in range(count)]
    start = time.monotonic_ns()
    sums = find_sums(numbers)
    end = time.monotonic_ns()
    print("Duration %.3f seconds" % ((end - start) / 1e9))
    print("runwait-report " + json.dumps({"start_ns": start, "end_ns": end, "done": len(sums)}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
