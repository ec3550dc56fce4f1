"""The I/O-bound download of "Speed Up Your Python Program With Concurrency", with processes: a
multiprocessing.Pool of WORKERS processes, a `requests` session per process (made by the pool's
initializer).

    python3 io_processes.py BASE_URL COUNT WORKERS

fetches BASE_URL0, BASE_URL1, ... (COUNT pages). The timing starts before the pool, so it counts
starting the worker processes, as the article's does. runwait runs it beside its `process` run
with `runwait run io --cpython`. Its last line is for runwait: the program's own timing of the
work (time.monotonic_ns(), the clock runwait draws on), how many pages it got, and how long
creating the pool took.
"""

# /// script
# requires-python = ">=3.11"
# dependencies = ["requests"]
# ///

import json
import multiprocessing
import sys
import time

import requests

session = None


def set_global_session():
    global session
    if not session:
        session = requests.Session()


def download_site(url):
    with session.get(url) as response:
        response.raise_for_status()
        return len(response.content)


def download_all_sites(sites, workers):
    started = time.monotonic_ns()
    with multiprocessing.Pool(workers, initializer=set_global_session) as pool:
        pool_ns = time.monotonic_ns() - started
        return pool.map(download_site, sites), pool_ns


def main(base, count, workers):
    sites = ["%s%d" % (base, i) for i in range(count)]
    start = time.monotonic_ns()
    sizes, pool_ns = download_all_sites(sites, workers)
    end = time.monotonic_ns()
    print("Downloaded %d sites in %.3f seconds" % (len(sizes), (end - start) / 1e9))
    report = {"start_ns": start, "end_ns": end, "done": len(sizes), "pool_ns": pool_ns}
    print("runwait-report " + json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
