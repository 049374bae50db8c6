"""The local gateway under load: the HTTP server of `make dev` (uvicorn, the authorizer with its default cache TTL,
worker processes as Lambda containers) in its own process on a loopback port, and 8 concurrent keep-alive clients
for a fixed time per route. Bounded: loopback only, fixed duration, fixed client count."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx

CLIENTS = 8
SECONDS = 10.0
WARMUP_SECONDS = 2.0


@dataclass
class Load:
    route: str
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    from bench.env import ROOT

    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.gateway_load", "serve", str(port)], env=dict(os.environ), cwd=ROOT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/ping", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("gateway did not start")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _hammer(base: str, path: str, token: str, seconds: float, clients: int) -> tuple[list[float], dict[int, int]]:
    stop = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]

    def client(i: int) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            while time.monotonic() < stop:
                t = time.perf_counter()
                try:
                    status = http.get(path).status_code
                except httpx.HTTPError:
                    status = 0
                latencies[i].append((time.perf_counter() - t) * 1000)
                statuses[i][status] = statuses[i].get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    merged: dict[int, int] = {}
    for s in statuses:
        for k, v in s.items():
            merged[k] = merged.get(k, 0) + v
    return [x for lat in latencies for x in lat], merged


def run(base: str, path: str, token: str, seconds: float = SECONDS, clients: int = CLIENTS) -> Load:
    _hammer(base, path, token, WARMUP_SECONDS, clients)  # every container started (cold) before measuring
    started = time.perf_counter()
    latencies, statuses = _hammer(base, path, token, seconds, clients)
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    ok = statuses.get(200, 0)
    return Load(
        route=f"GET {path}",
        clients=clients,
        seconds=round(elapsed, 1),
        requests=len(ordered),
        errors=len(ordered) - ok,
        rps=round(ok / elapsed, 1),
        p50_ms=round(statistics.median(ordered), 1) if ordered else 0.0,
        p95_ms=round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else 0.0,
        statuses=statuses,
    )


def _serve(port: int) -> None:
    """The server process: what `make dev` serves, without the scheduler, on the bench database."""
    from bench import env

    env.configure()
    from local.server import serve
    from local.template_routes import api_config

    serve(api_config(), port, {k: v for k, v in os.environ.items() if k.isupper()}, schedule=False)


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    _serve(int(sys.argv[2]))
