"""The local API Gateway over HTTP: uvicorn in front of `Gateway`, worker processes as Lambda containers,
Swagger UI at /docs and ReDoc at /redoc over the merged document (served offline: local.docs_pages), one log
line per request, and the scheduled functions on the template's schedules."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

import anyio
from starlette.types import Receive, Scope, Send

from local import docs_pages
from local.gateway import MAX_BODY_BYTES, Gateway, Invoker, Request, Response
from local.invokers import ProcessPoolInvoker
from local.openapi import merged
from local.template_routes import ApiConfig

# Not under "farm_erp": that logger writes Powertools JSON at POWERTOOLS_LOG_LEVEL (WARNING locally) once a
# function module is imported here for /docs, and the request lines of the dev console would vanish.
log = logging.getLogger(__name__)
SCHEDULE_SECONDS = 15 * 60


class LocalApi:
    """ASGI app: /docs, /redoc, their assets and /openapi.json locally; everything else goes through the gateway."""

    def __init__(self, config: ApiConfig, gateway: Gateway) -> None:
        self.config = config
        self.gateway = gateway
        self._openapi: bytes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        body = b""
        too_large = False
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if len(body) > MAX_BODY_BYTES:
                too_large = True
                body = b""
            if not msg.get("more_body"):
                break
        path: str = scope["path"]
        method: str = scope["method"]
        if too_large:
            origin = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"origin"), None)
            resp = self.gateway.gateway_response("REQUEST_TOO_LARGE", origin)
        elif method == "GET" and (doc_page := docs_pages.page(path)) is not None:
            resp = Response(200, {"Content-Type": doc_page.content_type, **doc_page.headers}, doc_page.body)
        elif method == "GET" and path == "/openapi.json":
            if self._openapi is None:
                self._openapi = json.dumps(await anyio.to_thread.run_sync(merged, self.config)).encode()
            resp = Response(200, {"Content-Type": "application/json"}, self._openapi)
        else:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
            client = scope.get("client") or ("127.0.0.1", 0)
            req = Request(method, path, scope.get("query_string", b"").decode("latin-1"), headers, body, client[0])
            resp = await anyio.to_thread.run_sync(self.gateway.handle, req)
        raw_headers = [
            (k.lower().encode("latin-1"), str(v).encode("latin-1"))
            for k, v in resp.headers.items()
            if k.lower() != "content-length"
        ]
        await send({"type": "http.response.start", "status": resp.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": resp.body})
        log.info("%s %s %s %.1f ms", method, path, resp.status, (time.perf_counter() - started) * 1000)


class Scheduler(threading.Thread):
    """EventBridge Scheduler's part, from the template's ScheduleV2 events: rate schedules run at every boundary of
    their period (and at once for the boundary just passed), cron schedules at their times in their time zone."""

    def __init__(self, config: ApiConfig, invoker: Invoker, period: int | None = None) -> None:
        super().__init__(daemon=True, name="scheduler")
        self.config = config
        self.invoker = invoker
        self.period = period  # overrides every rate schedule's period (tests run the 15-minute job every second)
        self.stopped = threading.Event()

    def _rate(self, logical_id: str) -> int | None:
        """Seconds between runs of a rate schedule; None for a cron schedule."""
        schedule = self.config.timetable.get(logical_id)
        own = schedule.period if schedule is not None else SCHEDULE_SECONDS
        return None if own is None else (self.period or own)

    def next_run(self, logical_id: str, after: float) -> float:
        """The first time strictly after `after` (epoch seconds) at which the function is due."""
        rate = self._rate(logical_id)
        if rate is not None:
            return after - after % rate + rate
        return self.config.timetable[logical_id].next_after(datetime.fromtimestamp(after, UTC)).timestamp()

    def run(self) -> None:
        # The boundary just passed runs at once, so a fresh `make dev` reports a healthy job; a run already
        # recorded for that time is a duplicate delivery, which the job ignores. Cron schedules wait for their time.
        now = time.time()
        for logical_id in self.config.schedules:
            rate = self._rate(logical_id)
            if rate is not None:
                self._deliver_one(logical_id, now - now % rate)
        due = {logical_id: self.next_run(logical_id, now) for logical_id in self.config.schedules}
        while due and not self.stopped.is_set():
            soonest = min(due.values())
            if self.stopped.wait(max(0.0, soonest - time.time())):
                return
            for logical_id, at in sorted(due.items(), key=lambda kv: kv[1]):
                if at <= soonest:
                    self._deliver_one(logical_id, at)
                    due[logical_id] = self.next_run(logical_id, at)

    def _deliver(self, boundary: float) -> None:
        """Deliver `boundary` to every rate schedule (what the start of `make dev` does for the slot just passed)."""
        for logical_id in self.config.schedules:
            if self._rate(logical_id) is not None:
                self._deliver_one(logical_id, boundary)

    def _deliver_one(self, logical_id: str, at: float) -> None:
        fn = self.config.schedules[logical_id]
        scheduled = datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")
        try:
            result = self.invoker.invoke(fn, {"scheduled_time": scheduled})
            log.info("schedule %s at %s: %s", fn.logical_id, scheduled, result)
        except Exception:  # a failed run is logged; the job's own record lets a later run retry it
            log.exception("schedule %s at %s failed", fn.logical_id, scheduled)


def uvicorn_config(app: LocalApi, host: str, port: int) -> Any:
    """How the local API is served. No proxy headers: API Gateway's sourceIp is the TCP peer, and X-Forwarded-For
    is whatever the client wrote (trusting it would let a client pick the IP that login limits and history see)."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        proxy_headers=False,
        server_header=False,
    )


def serve(
    config: ApiConfig,
    port: int,
    env: dict[str, str],
    *,
    host: str = "127.0.0.1",
    authorizer_ttl: int | None = None,
    max_containers: int = 4,
    schedule: bool = True,
) -> None:
    """Serve until interrupted."""
    import uvicorn

    invoker = ProcessPoolInvoker(max_containers=max_containers, env=env)
    gateway = Gateway(config, invoker, authorizer_ttl=authorizer_ttl, allowed_origins=env.get("ALLOWED_ORIGINS"))
    scheduler = Scheduler(config, invoker)
    if schedule:
        scheduler.start()
    try:
        uvicorn.Server(uvicorn_config(LocalApi(config, gateway), host, port)).run()
    finally:
        scheduler.stopped.set()
        invoker.close()
