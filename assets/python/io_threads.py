"""The I/O-bound download of "Speed Up Your Python Program With Concurrency", with threads: a
ThreadPoolExecutor of WORKERS threads (the article's 5), a `requests` session per thread
(thread-local storage).

    python3 io_threads.py BASE_URL COUNT WORKERS

fetches BASE_URL0, BASE_URL1, ... (COUNT pages). runwait runs it beside its `threads` run with
`runwait run io --cpython`. Its last line is for runwait: the program's own timing of the work
(time.monotonic_ns(), the clock runwait draws on) and how many pages it got.
"""

# /// script
# requires-python = ">=3.11"
# dependencies = ["requests"]
# ///

import concurrent.futures
import json
import sys
import threading
import time

import requests

thread_local = threading.local()


def get_session():
    if not hasattr(thread_local, "session"):
        thread_local.session = requests.Session()
    return thread_local.session


def download_site(url):
    with get_session().get(url) as response:
        response.raise_for_status()
        return len(response.content)


def download_all_sites(sites, workers):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(download_site, sites))


def main(base, count, workers):
    sites = ["%s%d" % (base, i) for i in range(count)]
    start = time.monotonic_ns()
    sizes = download_all_sites(sites, workers)
    end = time.monotonic_ns()
    print("Downloaded %d sites in %.3f seconds" % (len(sizes), (end - start) / 1e9))
    print("runwait-report " + json.dumps({"start_ns": start, "end_ns": end, "done": len(sizes)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
