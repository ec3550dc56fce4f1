"""The CPU-bound sum of squares of "Speed Up Your Python Program With Concurrency", with
processes: a multiprocessing.Pool of WORKERS processes mapping cpu_bound over COUNT numbers,
SIZE, SIZE + STEP, ...

    python3 cpu_processes.py SIZE COUNT STEP WORKERS

The timing starts before the pool, so it counts starting the worker processes, as the article's
does. runwait runs it beside its `process` run with `runwait run cpu --cpython`. Its last line is
for runwait: the program's own timing of the work (time.monotonic_ns(), the clock runwait draws
on), how many sums it made, and how long creating the pool took.
"""

# /// script
# requires-python = ">=3.11"
# dependencies = []
# ///

import json
import multiprocessing
import sys
import time


def cpu_bound(number):
    return sum(i * i for i in range(number))


def find_sums(numbers, workers):
    started = time.monotonic_ns()
    with multiprocessing.Pool(workers) as pool:
        pool_ns = time.monotonic_ns() - started
        return pool.map(cpu_bound, numbers), pool_ns


def main(size, count, step, workers):
    numbers = [size + x * step for x in range(count)]
    start = time.monotonic_ns()
    sums, pool_ns = find_sums(numbers, workers)
    end = time.monotonic_ns()
    print("Duration %.3f seconds" % ((end - start) / 1e9))
    report = {"start_ns": start, "end_ns": end, "done": len(sums), "pool_ns": pool_ns}
    print("runwait-report " + json.dumps(report))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
