"""The local gateway served over HTTP for a test session (uvicorn in a thread, worker processes per function)."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn

from local.gateway import Gateway
from local.invokers import ProcessPoolInvoker
from local.server import LocalApi, uvicorn_config
from local.template_routes import ApiConfig


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveGateway:
    base_url: str
    invoker: ProcessPoolInvoker
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.invoker.close()


def start(config: ApiConfig, database_url: str, *, authorizer_ttl: int = 0, max_containers: int = 4) -> LiveGateway:
    """Serve on a free loopback port; workers get this process's environment plus the test database."""
    env = {k: v for k, v in os.environ.items() if k.isupper()}
    env["DATABASE_URL"] = database_url
    invoker = ProcessPoolInvoker(max_containers=max_containers, env=env)
    port = free_port()
    server = uvicorn.Server(
        uvicorn_config(LocalApi(config, Gateway(config, invoker, authorizer_ttl=authorizer_ttl)), "127.0.0.1", port)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("local gateway did not start")
        time.sleep(0.02)
    return LiveGateway(f"http://127.0.0.1:{port}", invoker, server, thread)
