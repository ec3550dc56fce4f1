"""The article's threaded download ("Speed Up Your Python Program With Concurrency"), standard
library only: 40 GETs from BASE_URL by a ThreadPoolExecutor of 5 threads, one session
(connection) per thread.

    python3 assets/python/slow_server.py 8765 &         # answers each GET after 100 ms
    runwait py -- python3.12 assets/python/download.py http://127.0.0.1:8765/
"""

import concurrent.futures
import http.client
import sys
import threading
import time
import urllib.parse

thread_local = threading.local()


def get_session(host, port):
    if not hasattr(thread_local, "session"):
        thread_local.session = http.client.HTTPConnection(host, port)
    return thread_local.session


def download_site(url):
    parts = urllib.parse.urlsplit(url)
    session = get_session(parts.hostname, parts.port or 80)
    session.request("GET", parts.path or "/")
    response = session.getresponse()
    return len(response.read())


def download_all_sites(sites):
    with concurrent.futures.ThreadPoolExecutor(max_workers=5) as executor:
        return sum(executor.map(download_site, sites))


if __name__ == "__main__":
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765/"
    sites = ["%s%d" % (base, i) for i in range(40)]
    start = time.perf_counter()
    size = download_all_sites(sites)
    print("Downloaded %d sites (%d bytes) in %.2f seconds" % (len(sites), size, time.perf_counter() - start))
