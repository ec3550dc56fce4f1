"""A task that never yields starves asyncio's loop ("Speed Up Your Python Program With
Concurrency"), and run_in_executor frees it ("Making lunch faster with Python concurrency"):
TICKERS tasks each tick TICKS times (sleep TICK_MS, then sum i * i below TICK_CPU) while one more
task sleeps HOG_MS and then sums i * i below HOG_CPU.

    python3 starve.py blocking|offload TICKERS TICKS TICK_MS TICK_CPU HOG_MS HOG_CPU

`blocking`: the sum runs on the loop, and the tickers sit ready until it is done. `offload`: it
runs in a ProcessPoolExecutor (loop.run_in_executor), and the tickers keep ticking. runwait runs
it beside its `async/blocking` and `async/offload` runs with `runwait run starve --cpython`
(with smaller sums than runwait's Rust, for about as long a run). Its last line is for runwait:
the program's own timing (time.monotonic_ns()) and the longest a tick came late.
"""

# /// script
# requires-python = ">=3.11"
# dependencies = []
# ///

import asyncio
import concurrent.futures
import json
import sys
import time


def cpu_bound(number):
    return sum(i * i for i in range(number))


async def ticker(ticks, tick_ms, tick_cpu, late):
    for _ in range(ticks):
        due = time.monotonic() + tick_ms / 1000
        await asyncio.sleep(tick_ms / 1000)
        late.append(time.monotonic() - due)
        cpu_bound(tick_cpu)


async def hog(mode, hog_ms, hog_cpu, pool):
    await asyncio.sleep(hog_ms / 1000)
    if mode == "offload":
        await asyncio.get_running_loop().run_in_executor(pool, cpu_bound, hog_cpu)
    else:
        cpu_bound(hog_cpu)


async def lunch(mode, tickers, ticks, tick_ms, tick_cpu, hog_ms, hog_cpu, pool):
    late = []
    work = [ticker(ticks, tick_ms, tick_cpu, late) for _ in range(tickers)]
    work.append(hog(mode, hog_ms, hog_cpu, pool))
    await asyncio.gather(*[asyncio.create_task(w) for w in work])
    return max(late, default=0.0)


def main(mode, *numbers):
    start = time.monotonic_ns()
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        latest = asyncio.run(lunch(mode, *numbers, pool))
    end = time.monotonic_ns()
    print("%s: a tick came up to %.0f ms late, in %.3f seconds" % (mode, latest * 1000, (end - start) / 1e9))
    report = {"start_ns": start, "end_ns": end, "done": numbers[0] + 1, "late_ns": int(latest * 1e9)}
    print("runwait-report " + json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], *[int(a) for a in sys.argv[2:9]])
