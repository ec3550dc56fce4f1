"""The race condition of "Speed Up Your Python Program With Concurrency": TASKS tasks, on a
ThreadPoolExecutor of WORKERS threads, each add 1 to a shared counter ADDS times with
`counter += 1`, unprotected (or, with `lock`, holding a threading.Lock for each add).

    python3 race.py TASKS ADDS WORKERS [lock]

`counter += 1` is a read, an add and a write back; updates are lost only if a thread switch
falls between the read and the write. CPython switches threads only at some points of its
bytecode (and on CPython 3.10 and later no longer in the middle of this line here), so a plain
`+=` may well lose nothing: the program says what it found. runwait runs it beside its
`threads/unprotected` (and `threads/lock`) run with `runwait run race --cpython`. Its last line
is for runwait: the program's own timing of the work (time.monotonic_ns()) and the counter
against the total expected.
"""

# /// script
# requires-python = ">=3.11"
# dependencies = []
# ///

import concurrent.futures
import json
import sys
import threading
import time

counter = 0
lock = threading.Lock()


def increment_counter(adds):
    global counter
    for _ in range(adds):
        counter += 1


def increment_counter_locked(adds):
    global counter
    for _ in range(adds):
        with lock:
            counter += 1


def main(tasks, adds, workers, locked):
    work = increment_counter_locked if locked else increment_counter
    start = time.monotonic_ns()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
        list(executor.map(work, [adds] * tasks))
    end = time.monotonic_ns()
    expected = tasks * adds
    print("counter %d of %d (%d updates lost)" % (counter, expected, expected - counter))
    report = {"start_ns": start, "end_ns": end, "done": tasks, "expected": expected, "actual": counter}
    print("runwait-report " + json.dumps(report))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:] == ["lock"])
