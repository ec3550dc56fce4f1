"""A small real Python program traced with viztracer, replayed in runwait's tests.

Remake tests/data/viztracer_io.json (needs `pip install viztracer`, 1.1.1 made the kept one):
    python3 tests/data/viztracer_io.py tests/data/viztracer_io.json

Three threads (ThreadPoolExecutor(max_workers=3)) download six pages from a local server that
takes 50 ms to answer (socket waits), then the main thread computes a sum of squares (CPU) and
takes a lock another thread holds (a lock wait). Calls shorter than 20 µs are left out.
"""
import concurrent.futures
import http.server
import json
import sys
import threading
import time
import urllib.request

from viztracer import VizTracer


class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(0.05)
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def download(url):
    with urllib.request.urlopen(url) as response:
        return len(response.read())


def cpu_bound(number):
    total = 0
    for i in range(number):
        total += i * i
    return total


def hold(lock):
    with lock:
        time.sleep(0.03)


def main(out):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    # Calls shorter than 20 µs are left out, to keep the file small; the waits are far longer.
    tracer = VizTracer(output_file=out, verbose=0, min_duration=20)
    tracer.start()
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        sizes = list(pool.map(download, [url] * 6))
    cpu_bound(300_000)
    lock = threading.Lock()
    holder = threading.Thread(target=hold, args=(lock,))
    holder.start()
    time.sleep(0.005)
    # Blocks until `hold` lets go. A plain acquire(): viztracer records this C call, where
    # `with lock:` would leave the wait as a gap.
    lock.acquire()
    lock.release()
    holder.join()
    tracer.stop()
    tracer.save()
    server.shutdown()
    assert sizes == [5] * 6
    # viztracer keeps the source of every file it saw, for its own viewer; drop that to keep the
    # file small. The events are as viztracer wrote them.
    with open(out) as f:
        trace = json.load(f)
    trace.pop("file_info", None)
    with open(out, "w") as f:
        json.dump(trace, f, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "viztracer_io.json")
