"""Ways to run a function: in this process (tests), or in worker processes that act as Lambda containers."""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing as mp
import os
import queue
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection as Pipe
from typing import Any

from local.gateway import FunctionError, FunctionTimeout
from local.lambda_context import LambdaContext
from local.template_routes import ROOT, Function

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def load_handler(fn: Function) -> Handler:
    """Import the function's handler the way the Lambda runtime does (CodeUri on sys.path)."""
    code_dir = str(ROOT / fn.code_uri)
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)
    handler: Handler = getattr(importlib.import_module(fn.module), fn.attr)
    return handler


class InProcessInvoker:
    """Every function in this process, one "container" each: what handler-level tests use."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def invoke(self, function: Function, event: dict[str, Any]) -> dict[str, Any]:
        handler = self._handlers.get(function.logical_id)
        if handler is None:
            handler = self._handlers[function.logical_id] = load_handler(function)
        try:
            return handler(event, LambdaContext(function.logical_id))
        except Exception as exc:  # noqa: BLE001 - a raising handler is an invocation error, as in Lambda
            raise FunctionError(str(exc)) from None


def _worker_main(pipe: Pipe, fn: Function, env: dict[str, str]) -> None:
    """A container: import the handler once (cold start), then serve invocations one at a time."""
    os.environ.update(env)
    handler = load_handler(fn)
    pipe.send(("ready", None))
    while True:
        try:
            event = pipe.recv()
        except EOFError:
            return
        if event is None:
            return
        try:
            pipe.send(("ok", handler(event, LambdaContext(fn.logical_id))))
        except Exception as exc:  # noqa: BLE001
            pipe.send(("error", str(exc)))


# Third-party packages every container imports; the fork server loads them once so a new container starts in
# ~0.1 s instead of ~1 s. The project's own modules are imported in the container (after its environment is set),
# so no state is shared. `make bench` measures real cold starts in fresh interpreters instead.
PRELOAD = ["fastapi", "pydantic", "starlette", "psycopg", "mangum", "aws_lambda_powertools", "jwt", "bcrypt", "yaml"]


def _context() -> Any:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


class _ContainerGone(Exception):
    """The container died while idle, before it received the request (its death was not yet visible)."""


class _Worker:
    def __init__(self, fn: Function, env: dict[str, str]) -> None:
        self.function = fn
        ctx = _context()
        self.pipe, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, fn, env), daemon=True)
        self.process.start()
        child.close()
        kind, _ = self.pipe.recv()
        if kind != "ready":
            raise RuntimeError(f"worker for {fn.logical_id} failed to start")

    def invoke(self, event: dict[str, Any], timeout: float) -> dict[str, Any]:
        try:
            self.pipe.send(event)
        except OSError:
            # The container is gone and never received the request (its end of the pipe closed when it exited):
            # Lambda would never have routed the request to it.
            self.kill()
            raise _ContainerGone from None
        try:
            if not self.pipe.poll(timeout):
                self.stop()
                raise FunctionTimeout("Task timed out")
            kind, value = self.pipe.recv()
        except (OSError, EOFError):
            # The container died (killed, out of memory, os._exit) before or while answering: Lambda reports
            # Runtime.ExitError and starts a fresh container for the next request.
            self.kill()
            raise FunctionError("Runtime exited without providing a reason") from None
        if kind == "error":
            raise FunctionError(str(value))
        result: dict[str, Any] = value
        return result

    def alive(self) -> bool:
        return bool(self.process.is_alive())

    def stop(self) -> None:
        self.signal_stop()
        self.wait()

    def signal_stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.pipe.send(None)

    def wait(self) -> None:
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        self.process.join(timeout=2)
        with contextlib.suppress(OSError):
            self.pipe.close()


class ProcessPoolInvoker:
    """Each function scales out to `max_containers` worker processes, each with its own database connection,
    as Lambda does under concurrent load; an idle container is reused (warm), a new one starts cold."""

    def __init__(self, max_containers: int = 4, env: dict[str, str] | None = None, timeout: float = 29.0) -> None:
        self.max_containers = max_containers
        self.env = dict(env or {})
        self.timeout = timeout
        self._idle: dict[str, queue.LifoQueue[_Worker]] = {}
        self._count: dict[str, int] = {}
        self._lock = threading.Lock()
        self._all: list[_Worker] = []

    def _acquire(self, fn: Function) -> _Worker:
        while True:
            worker = self._take(fn)
            if worker.alive():
                return worker
            self._retire(worker)  # died while idle: never hand a request to a dead container

    def _take(self, fn: Function) -> _Worker:
        with self._lock:
            idle = self._idle.setdefault(fn.logical_id, queue.LifoQueue())
            spawn = idle.empty() and self._count.get(fn.logical_id, 0) < self.max_containers
            if spawn:
                self._count[fn.logical_id] = self._count.get(fn.logical_id, 0) + 1
        if spawn:
            try:
                worker = _Worker(fn, self.env)
            except Exception:
                with self._lock:
                    self._count[fn.logical_id] -= 1
                raise
            with self._lock:
                self._all.append(worker)
            return worker
        return idle.get(timeout=self.timeout)

    def invoke(self, function: Function, event: dict[str, Any]) -> dict[str, Any]:
        while True:
            worker = self._acquire(function)
            try:
                return worker.invoke(event, self.timeout)
            except _ContainerGone:
                # A killed idle container can still look alive for a moment (its exit status is collected
                # asynchronously): the request never reached it, so it goes to another container.
                continue
            finally:
                if worker.alive():
                    self._idle[function.logical_id].put(worker)
                else:
                    self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        """Forget a dead container; the next request for its function starts a fresh one."""
        worker.kill()
        with self._lock:
            self._count[worker.function.logical_id] -= 1
            if worker in self._all:
                self._all.remove(worker)

    def workers(self, logical_id: str) -> list[int]:
        """The process ids of a function's containers (tests kill one to play a crash)."""
        with self._lock:
            return [w.process.pid for w in self._all if w.function.logical_id == logical_id and w.process.pid]

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for w in workers:  # all at once: containers shut down in parallel
            w.signal_stop()
        for w in workers:
            w.wait()
