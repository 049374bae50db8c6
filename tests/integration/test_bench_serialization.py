"""The bench's serialisation measurement: it captures a route's real answer through the real handler and times the
validated path against the one pass on it; a route that does not answer in one pass is not measured."""

from __future__ import annotations

from bench import serialization
from bench.routes import Recorder
from local.gateway import Gateway, Request
from local.invokers import InProcessInvoker, load_handler
from local.template_routes import ApiConfig, match


def _recorded(config: ApiConfig, token: str, path: str) -> tuple[object, dict[str, object]]:
    recorder = Recorder(InProcessInvoker())
    gateway = Gateway(config, recorder, authorizer_ttl=0)
    response = gateway.handle(Request("GET", path, headers={"Authorization": f"Bearer {token}"}))
    assert response.status == 200, response.body
    matched = match(config.routes, "GET", path)
    assert matched is not None
    function = matched[0].function
    return load_handler(function), recorder.events[function.logical_id]


def test_a_list_answer_is_timed_both_ways(db_url: str, config: ApiConfig, admin_token: str) -> None:
    handler, event = _recorded(config, admin_token, "/inventory/units")
    measured = serialization.measure(handler, event, runs=20)  # type: ignore[arg-type]
    assert measured is not None
    assert measured["runs"] == 20
    assert measured["validated_ms"] > 0 and measured["one_pass_ms"] > 0
    assert measured["ratio"] == round(measured["one_pass_ms"] / measured["validated_ms"], 2)
    assert "GET /inventory/units" in serialization.render([{"label": "GET /inventory/units", **measured}])


def test_a_route_that_does_not_serialise_one_pass_is_not_measured(
    db_url: str, config: ApiConfig, admin_token: str
) -> None:
    handler, event = _recorded(config, admin_token, "/inventory/exports/stock.xlsx")  # a file, not JSON
    assert serialization.measure(handler, event, runs=5) is None  # type: ignore[arg-type]
