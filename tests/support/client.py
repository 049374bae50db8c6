"""An HTTP-like client over the local gateway logic: routes from template.yaml, the real authorizer and the
real handlers, called with real API Gateway events (in this process, or through worker processes)."""

from __future__ import annotations

import json as jsonlib
from typing import Any
from urllib.parse import urlencode

from local.gateway import Gateway, Request
from local.gateway import Response as GatewayResponse
from tests.support import contract


class Response:
    def __init__(self, raw: GatewayResponse) -> None:
        self.status_code = raw.status
        self.headers = {k.lower(): v for k, v in raw.headers.items()}
        self.content = raw.body

    def json(self) -> Any:
        return jsonlib.loads(self.content or b"null")

    def __repr__(self) -> str:
        return f"<Response {self.status_code} {self.content[:300]!r}>"


class ApiClient:
    """`api.post("/inventory/items", json=..., token=tok)`; token may be the raw JWT or "Bearer …"."""

    def __init__(self, gateway: Gateway, source_ip: str = "198.51.100.7", *, check_contract: bool = True) -> None:
        self.gateway = gateway
        self.source_ip = source_ip
        # Every answer is checked against the OpenAPI document (tests.support.contract).
        self.check_contract = check_contract
        if check_contract:
            contract.load()  # built once per process, before any timing-sensitive request

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        params: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        ip: str | None = None,
    ) -> Response:
        hdrs = {"User-Agent": "pytest-client/1.0", **(headers or {})}
        body = b""
        if json is not None:
            body = jsonlib.dumps(json).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif data is not None:
            body = data
            hdrs.setdefault("Content-Type", "application/json")
        if token:
            hdrs["Authorization"] = token if token.lower().startswith("bearer ") else f"Bearer {token}"
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None}, doseq=True)
        raw = self.gateway.handle(Request(method.upper(), path, query, hdrs, body, ip or self.source_ip))
        response = Response(raw)
        if self.check_contract:
            body_json = response.json() if response.headers.get("content-type") == "application/json" else None
            problems = contract.violations(method.upper(), path.split("?")[0], raw.status, response.headers, body_json)
            assert not problems, "answer outside the OpenAPI contract:\n" + "\n".join(problems)
        return response

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.request("DELETE", path, **kw)
