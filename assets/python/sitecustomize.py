"""runwait's asyncio probe: put on a Python program's path by `runwait py` (never into its files).

On CPython 3.12+, when the program imports asyncio, every task created on an event loop gets
its coroutine wrapped, so that each step it takes (run), each suspension (wait, and for what)
and each wake-up (ready for the loop) is reported, with its CLOCK_MONOTONIC time, over the
Unix socket named by RUNWAIT_PROBE. Standard library only; nothing is imported before asyncio
is. A sitecustomize further on the path still runs.
"""

import os
import sys


def _load_next_sitecustomize():
    """Run the sitecustomize this one shadows, if there is one."""
    here = os.path.dirname(os.path.abspath(__file__))
    mine = sys.modules.pop("sitecustomize", None)
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    try:
        import sitecustomize  # noqa: F401
    except ImportError:
        pass
    finally:
        sys.path[:] = saved
        if mine is not None:
            sys.modules["sitecustomize"] = mine


class _Report:
    """The socket to runwait, opened at the first event (again after a fork)."""

    def __init__(self, path):
        import _thread

        self.path = path
        self.pid = None
        self.sock = None
        self.lock = _thread.allocate_lock()
        self.ids = 0

    def send(self, text):
        with self.lock:
            if self.pid != os.getpid():
                self._connect()
            if self.sock is None:
                return
            try:
                self.sock.sendall(text.encode())
            except OSError:
                self.sock = None

    def _connect(self):
        import socket

        self.pid = os.getpid()
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(self.path)
            sock.sendall(("H %d\n" % self.pid).encode())
            self.sock = sock
        except OSError:
            self.sock = None

    def event(self, kind, task, extra=""):
        import time

        self.send("%s %d %d%s\n" % (kind, time.monotonic_ns(), task, extra))

    def next_id(self):
        with self.lock:
            self.ids += 1
            return self.ids


def _waits_for(coro):
    """What a suspended coroutine waits for, from the innermost coroutine it awaits."""
    while True:
        inner = getattr(coro, "cr_await", None)
        if inner is None or not hasattr(inner, "cr_code"):
            break
        coro = inner
    code = getattr(coro, "cr_code", None)
    if code is None:
        return "i"
    name, path = code.co_name, code.co_filename.replace("\\", "/")
    if path.endswith("asyncio/tasks.py") and name == "sleep":
        return "t"
    if path.endswith("asyncio/queues.py"):
        return {"get": "e", "put": "f"}.get(name, "l")
    if path.endswith("asyncio/locks.py"):
        return "l"
    return "i"


def _install(report):
    import collections.abc

    class Traced(collections.abc.Coroutine):
        """A task's coroutine, reporting each step."""

        __slots__ = ("_coro", "_id")

        def __init__(self, coro, task_id):
            self._coro = coro
            self._id = task_id

        def _step(self, call, *args):
            report.event("R", self._id)
            try:
                yielded = call(*args)
            except BaseException:
                report.event("D", self._id)
                raise
            report.event("W", self._id, " " + _waits_for(self._coro))
            add = getattr(yielded, "add_done_callback", None)
            if add is not None:
                add(self._woken)
            return yielded

        def _woken(self, _future):
            report.event("Y", self._id)

        def send(self, value):
            return self._step(self._coro.send, value)

        def __next__(self):
            return self._step(self._coro.send, None)

        def throw(self, *args):
            return self._step(self._coro.throw, *args)

        def close(self):
            return self._coro.close()

        def __await__(self):
            return self

        def __iter__(self):
            return self

    return Traced


def _patch(base_events):
    import types

    report = _Report(os.environ["RUNWAIT_PROBE"])
    traced = _install(report)
    create_task = base_events.BaseEventLoop.create_task

    def create_traced_task(self, coro, *args, **kwargs):
        if type(coro) is not types.CoroutineType:
            return create_task(self, coro, *args, **kwargs)
        task_id = report.next_id()
        report.send("T %d %s\n" % (task_id, coro.__qualname__))
        task = create_task(self, traced(coro, task_id), *args, **kwargs)
        name = getattr(task, "get_name", lambda: "")()
        report.send("T %d %s\n" % (task_id, ("%s %s" % (name, coro.__qualname__)).strip()))
        return task

    base_events.BaseEventLoop.create_task = create_traced_task


class _Finder:
    """Patches asyncio's event loop once it is imported, and only then."""

    def find_spec(self, name, path, target=None):
        if name != "asyncio.base_events":
            return None
        from importlib.machinery import PathFinder

        sys.meta_path.remove(self)
        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            try:
                _patch(module)
            except Exception:
                pass

        spec.loader.exec_module = exec_and_patch
        return spec


if os.environ.get("RUNWAIT_PROBE") and sys.version_info >= (3, 12):
    sys.meta_path.insert(0, _Finder())

_load_next_sitecustomize()
