"""The I/O-bound download of "Speed Up Your Python Program With Concurrency", synchronous: one
`requests` session, one site after another.

    python3 io_sync.py BASE_URL COUNT

fetches BASE_URL0, BASE_URL1, ... (COUNT pages). runwait runs it beside its `sync` run with
`runwait run io --cpython`, against its loopback server (`BASE_URL` is `http://127.0.0.1:PORT/t/`).
Its last line is for runwait: the program's own timing of the work (time.monotonic_ns(), the
clock runwait draws on) and how many pages it got.
"""

# /// script
# requires-python = ">=3.11"
# dependencies = ["requests"]
# ///

import json
import sys
import time

import requests


def download_site(url, session):
    with session.get(url) as response:
        response.raise_for_status()
        return len(response.content)


def download_all_sites(sites):
    with requests.Session() as session:
        return [download_site(url, session) for url in sites]


def main(base, count):
    sites = ["%s%d" % (base, i) for i in range(count)]
    start = time.monotonic_ns()
    sizes = download_all_sites(sites)
    end = time.monotonic_ns()
    print("Downloaded %d sites in %.3f seconds" % (len(sizes), (end - start) / 1e9))
    print("runwait-report " + json.dumps({"start_ns": start, "end_ns": end, "done": len(sizes)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
