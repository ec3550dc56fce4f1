"""The I/O-bound download of "Speed Up Your Python Program With Concurrency", with asyncio: one
`aiohttp` session shared by a task per site, all gathered (LIMIT > 0: at most LIMIT at a time,
through a semaphore, like runwait's `async:LIMIT`).

    python3 io_asyncio.py BASE_URL COUNT [LIMIT]

fetches BASE_URL0, BASE_URL1, ... (COUNT pages). aiohttp's session opens at most 100
connections at once by default (its TCPConnector's limit), so more tasks than that wait for a
connection. runwait runs it beside its `async` run with `runwait run io --cpython`. Its last line
is for runwait: the program's own timing of the work (time.monotonic_ns(), the clock runwait
draws on) and how many pages it got.
"""

# /// script
# requires-python = ">=3.11"
# dependencies = ["aiohttp"]
# ///

import asyncio
import contextlib
import json
import sys
import time

import aiohttp


async def download_site(session, url, limit):
    async with limit:
        async with session.get(url) as response:
            response.raise_for_status()
            return len(await response.read())


async def download_all_sites(sites, limit):
    limit = asyncio.Semaphore(limit) if limit > 0 else contextlib.nullcontext()
    async with aiohttp.ClientSession() as session:
        tasks = [asyncio.create_task(download_site(session, url, limit)) for url in sites]
        return await asyncio.gather(*tasks)


def main(base, count, limit):
    sites = ["%s%d" % (base, i) for i in range(count)]
    start = time.monotonic_ns()
    sizes = asyncio.run(download_all_sites(sites, limit))
    end = time.monotonic_ns()
    print("Downloaded %d sites in %.3f seconds" % (len(sizes), (end - start) / 1e9))
    report = {"start_ns": start, "end_ns": end, "done": len(sizes), "limit": limit}
    print("runwait-report " + json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
