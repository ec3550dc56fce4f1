"""The race condition of "Speed Up Your Python Program With Concurrency": TASKS tasks, on a
ThreadPoolExecutor of WORKERS threads, each add 1 to a shared counter ADDS times; the whole race
is run TRIALS times on the same pool, the counter set back to 0 before each trial.

    python3 race.py TASKS ADDS WORKERS TRIALS [unprotected|sleep0|lock]

unprotected: `counter += 1`, as the article writes it. It is a read, an add and a write back,
and an update is lost only if a thread switch falls between the read and the write. CPython
switches threads only where its eval loop looks for a switch request: up to 3.9 between most
bytecodes (so inside this line too), from 3.10 on only at backward jumps and calls (never inside
it). So a plain `+=` loses nothing in most runs, and on 3.10 and later nothing at all.
sleep0: `tmp = counter; time.sleep(0); counter = tmp + 1`: a call between the read and the
write that gives up the GIL, so another thread runs in between: updates are lost.
lock: each add holds a threading.Lock.

runwait runs it beside its `threads/unprotected`, `threads/sleep0` and `threads/lock` runs with
`runwait run race --cpython`. Its last line is for runwait: the program's own timing of the work
(time.monotonic_ns()), the counters summed over the trials against the total expected, how many
trials lost any update, and the most one trial lost.
"""

# /// script
# requires-python = ">=3.8"
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


def increment_counter_sleep0(adds):
    global counter
    for _ in range(adds):
        tmp = counter
        time.sleep(0)
        counter = tmp + 1


def increment_counter_locked(adds):
    global counter
    for _ in range(adds):
        with lock:
            counter += 1


WORK = {
    "unprotected": increment_counter,
    "sleep0": increment_counter_sleep0,
    "lock": increment_counter_locked,
}


def main(tasks, adds, workers, trials, mode):
    global counter
    work = WORK[mode]
    expected = tasks * adds
    actual, lossy, most = 0, 0, 0
    start = time.monotonic_ns()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
        for _ in range(trials):
            counter = 0
            list(executor.map(work, [adds] * tasks))
            lost = expected - counter
            actual += counter
            lossy += lost > 0
            most = max(most, lost)
    end = time.monotonic_ns()
    print(
        "%s: %d of %d trials lost updates (%d of %d in all, at most %d in one)"
        % (mode, lossy, trials, expected * trials - actual, expected * trials, most)
    )
    report = {
        "start_ns": start,
        "end_ns": end,
        "done": tasks * trials,
        "expected": expected * trials,
        "actual": actual,
        "trials": trials,
        "trials_lost": lossy,
        "lost_most": most,
    }
    print("runwait-report " + json.dumps(report))


if __name__ == "__main__":
    mode = sys.argv[5] if len(sys.argv) > 5 else "unprotected"
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), mode)
