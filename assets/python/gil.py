"""The GIL, as "asyncio, threading and multiprocessing compared" tells it: two CPU-bound threads
beside an I/O-bound one, in a ThreadPoolExecutor of 3. The CPU threads take turns at the GIL
every switch interval (5 ms); the I/O thread lets the GIL go while it waits for each response,
and after each one must queue to get it back before it can go on (the convoy effect).

    python3 gil.py URL REQUESTS CPU IO_CPU

Each CPU thread sums i * i for i below CPU; the I/O thread GETs URL REQUESTS times over one
connection, summing i * i below IO_CPU after each response. runwait runs it beside its
`threads:3` run with `runwait run gil --cpython` (CPython is far slower at these sums than
runwait's Rust, so runwait gives it smaller ones, for about as long a run). Its last line is for
runwait: the program's own timing of the work (time.monotonic_ns()) and the requests made.
"""

# /// script
# requires-python = ">=3.11"
# dependencies = []
# ///

import concurrent.futures
import http.client
import json
import sys
import time
import urllib.parse


def cpu_bound(number):
    return sum(i * i for i in range(number))


def io_bound(url, requests, io_cpu):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80)
    for _ in range(requests):
        connection.request("GET", parts.path or "/")
        response = connection.getresponse()
        response.read()
        cpu_bound(io_cpu)
    connection.close()
    return requests


def main(url, requests, cpu, io_cpu):
    start = time.monotonic_ns()
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as executor:
        work = [executor.submit(cpu_bound, cpu), executor.submit(cpu_bound, cpu)]
        work.append(executor.submit(io_bound, url, requests, io_cpu))
        made = work[2].result()
        [w.result() for w in work]
    end = time.monotonic_ns()
    print("2 CPU threads and %d requests in %.3f seconds" % (made, (end - start) / 1e9))
    report = {"start_ns": start, "end_ns": end, "done": 3, "requests": made}
    print("runwait-report " + json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
