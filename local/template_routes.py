"""Read the API's routes and functions from template.yaml, the single source of truth for the wiring."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from local.schedules import Schedule

ROOT = Path(__file__).resolve().parent.parent
# Template parameters that the functions also read as environment variables: locally the variable, when set, is
# the parameter's value (so FARM_TIMEZONE moves the digest's hour along with the functions' "today").
ENV_PARAMETERS = {"FarmTimezone": "FARM_TIMEZONE", "DigestHour": "DIGEST_HOUR"}


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that keeps CloudFormation short-form tags (!Ref, !Sub, …) as plain values."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _tag)  # type: ignore[no-untyped-call]


def _short_form(value: Any) -> Any:
    """Long-form intrinsics (`Fn::Sub: ...`, `Fn::GetAtt: [A, Arn]`, as `sam build` writes its template) in the
    short form the tags give (`{"Sub": ...}`, `{"GetAtt": "A.Arn"}`), so both templates read the same."""
    if isinstance(value, list):
        return [_short_form(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        key, inner = next(iter(value.items()))
        if key.startswith("Fn::"):
            if key == "Fn::GetAtt" and isinstance(inner, list):
                return {"GetAtt": ".".join(str(v) for v in inner)}
            return {key[4:]: _short_form(inner)}
    return {k: _short_form(v) for k, v in value.items()}


def load_template(path: Path | None = None) -> dict[str, Any]:
    with open(path or ROOT / "template.yaml", encoding="utf-8") as fh:
        data: dict[str, Any] = _short_form(yaml.load(fh, Loader=_CfnLoader))  # noqa: S506 - SafeLoader subclass
    return data


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_uri: str
    handler: str

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def attr(self) -> str:
        return self.handler.rsplit(".", 1)[1]


@dataclass(frozen=True)
class Route:
    function: Function
    method: str  # upper-case or ANY
    path: str  # API Gateway resource path, e.g. /inventory/{proxy+}
    public: bool

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = ""
        for seg in self.path.strip("/").split("/"):
            if not seg:
                continue
            if seg.endswith("+}"):
                regex += rf"/(?P<{seg[1:-2]}>.+)"
            elif seg.startswith("{"):
                regex += rf"/(?P<{seg[1:-1]}>[^/]+)"
            else:
                regex += "/" + re.escape(seg)
        return re.compile("^" + (regex or "/") + "$")

    @property
    def specificity(self) -> tuple[int, int, int]:
        """API Gateway prefers static segments over variables over greedy ones, and a named method over ANY."""
        segs = [s for s in self.path.strip("/").split("/") if s]
        static = sum(1 for s in segs if not s.startswith("{"))
        greedy = sum(1 for s in segs if s.endswith("+}"))
        return (static, -greedy, 0 if self.method == "ANY" else 1)


@dataclass(frozen=True)
class GatewayResponse:
    """One of the API's GatewayResponses: status override, headers (quotes removed, `${Param}` kept) and the
    application/json body template."""

    status: int | None
    headers: dict[str, str]
    template: str | None


@dataclass(frozen=True)
class ApiConfig:
    stage: str
    authorizer_ttl: int
    allowed_origins: str
    routes: tuple[Route, ...]
    functions: dict[str, Function]
    authorizer: Function
    schedules: dict[str, Function]
    # Logical id -> when its ScheduleV2 event fires (expression and time zone, parameters resolved).
    timetable: dict[str, Schedule] = field(default_factory=dict)
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)


def _default(params: dict[str, Any], name: str, fallback: Any) -> Any:
    return (params.get(name) or {}).get("Default", fallback)


def _resolve(value: Any, params: dict[str, Any]) -> str:
    """A string property that may be a !Ref to a parameter or a !Sub over parameters (their local values)."""

    def param(name: str) -> str:
        env = ENV_PARAMETERS.get(name)
        if env and os.environ.get(env):
            return os.environ[env]
        if name not in params:
            raise ValueError(f"template parameter {name!r} is not defined")
        return str(_default(params, name, ""))

    if isinstance(value, dict) and "Ref" in value:
        return param(str(value["Ref"]))
    if isinstance(value, dict) and "Sub" in value and isinstance(value["Sub"], str):
        return re.sub(r"\$\{([A-Za-z0-9]+)\}", lambda m: param(m.group(1)), value["Sub"])
    return str(value)


def _header_value(value: Any) -> str:
    """`"'application/json'"` or `{"Sub": "'${AllowedOrigins}'"}` → the literal between the quotes."""
    raw = value.get("Sub", "") if isinstance(value, dict) else value
    text = str(raw)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


def _gateway_responses(api_props: dict[str, Any]) -> dict[str, GatewayResponse]:
    out: dict[str, GatewayResponse] = {}
    for kind, entry in (api_props.get("GatewayResponses") or {}).items():
        headers = ((entry.get("ResponseParameters") or {}).get("Headers")) or {}
        status = entry.get("StatusCode")
        out[str(kind)] = GatewayResponse(
            status=int(status) if status is not None else None,
            headers={str(k): _header_value(v) for k, v in headers.items()},
            template=(entry.get("ResponseTemplates") or {}).get("application/json"),
        )
    return out


def api_config(path: Path | None = None) -> ApiConfig:
    tpl = load_template(path)
    params = tpl.get("Parameters", {})
    resources: dict[str, Any] = tpl.get("Resources", {})
    functions: dict[str, Function] = {}
    routes: list[Route] = []
    schedules: dict[str, Function] = {}
    timetable: dict[str, Schedule] = {}
    for logical_id, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties", {})
        fn = Function(logical_id, str(props.get("CodeUri", "")).rstrip("/"), str(props.get("Handler", "")))
        functions[logical_id] = fn
        for ev in (props.get("Events") or {}).values():
            ev_props = ev.get("Properties", {})
            if ev.get("Type") == "Api":
                auth = (ev_props.get("Auth") or {}).get("Authorizer")
                routes.append(Route(fn, str(ev_props["Method"]).upper(), str(ev_props["Path"]), auth == "NONE"))
            elif ev.get("Type") in ("ScheduleV2", "Schedule"):
                schedules[logical_id] = fn
                timetable[logical_id] = Schedule(
                    _resolve(ev_props["ScheduleExpression"], params),
                    _resolve(ev_props.get("ScheduleExpressionTimezone", "UTC"), params),
                )
    api: dict[str, Any] = next((r for r in resources.values() if r.get("Type") == "AWS::Serverless::Api"), {})
    api_props: dict[str, Any] = api.get("Properties") or {}
    authorizers: dict[str, Any] = (api_props.get("Auth") or {}).get("Authorizers") or {}
    first: dict[str, Any] = next(iter(authorizers.values()), {})
    auth_arn = first.get("FunctionArn", {})
    # `!GetAtt F.Arn` or `!Ref F.Alias` (the alias SAM publishes): either way the function F.
    target = (auth_arn.get("GetAtt") or auth_arn.get("Ref") or "") if isinstance(auth_arn, dict) else ""
    auth_id = str(target).split(".")[0]
    return ApiConfig(
        stage=str(_default(params, "Stage", "v1")),
        authorizer_ttl=int(_default(params, "AuthorizerTtl", 120)),
        allowed_origins=str(_default(params, "AllowedOrigins", "*")),
        routes=tuple(sorted(routes, key=lambda r: r.specificity, reverse=True)),
        functions=functions,
        authorizer=functions[auth_id or "AuthorizerFunction"],
        schedules=schedules,
        timetable=timetable,
        gateway_responses=_gateway_responses(api_props),
    )


def match(routes: tuple[Route, ...], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway would pick for this request (most specific first)."""
    for route in routes:
        if route.method not in ("ANY", method.upper()):
            continue
        m = route.pattern.match(path.rstrip("/") or "/")
        if m:
            return route, m.groupdict()
    return None
