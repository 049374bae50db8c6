"""Read the API wiring straight from template.yaml: which routes are public, which function serves each module.

Self-contained on purpose (PyYAML only): the tests compare it with the translated template and with the local
gateway's own reader.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

# The short-form intrinsic functions whose long form is not "Fn::<name>".
_LONG_NAMES = {"Ref": "Ref", "Condition": "Condition"}


class CfnLoader(yaml.SafeLoader):  # type: ignore[misc,unused-ignore]  # PyYAML may have no type stubs
    """A SafeLoader that turns CloudFormation short forms (!Ref, !Sub, !GetAtt...) into their long forms."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{tag_suffix}", node.start_mark)
    return {_LONG_NAMES.get(tag_suffix, f"Fn::{tag_suffix}"): value}


CfnLoader.add_multi_constructor("!", _intrinsic)  # type: ignore[no-untyped-call]


@cache
def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as plain data (intrinsics in their long form). Cached: treat the result as read-only."""
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=CfnLoader)  # noqa: S506
    return data


def functions(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Logical id -> properties of every AWS::Serverless::Function."""
    t = template or load_template()
    return {
        name: res.get("Properties", {})
        for name, res in t["Resources"].items()
        if res.get("Type") == "AWS::Serverless::Function"
    }


def _default_authorizer(template: dict[str, Any]) -> str | None:
    for res in template["Resources"].values():
        if res.get("Type") == "AWS::Serverless::Api":
            auth = res.get("Properties", {}).get("Auth", {})
            default = auth.get("DefaultAuthorizer")
            return str(default) if default else None
    return None


def api_routes(template: dict[str, Any] | None = None) -> list[tuple[str, str, str, str | None]]:
    """Every Api event as (METHOD, path, function logical id, authorizer name or None when public)."""
    t = template or load_template()
    default = _default_authorizer(t)
    out = []
    for name, props in functions(t).items():
        for event in (props.get("Events") or {}).values():
            if event.get("Type") != "Api":
                continue
            ep = event["Properties"]
            authorizer = (ep.get("Auth") or {}).get("Authorizer", default)
            out.append((str(ep["Method"]).upper(), str(ep["Path"]), name, None if authorizer == "NONE" else authorizer))
    return out


def public_routes(template: dict[str, Any] | None = None) -> set[tuple[str, str]]:
    """The (METHOD, path) pairs that API Gateway serves without calling the authorizer (OPTIONS aside)."""
    return {(method, path) for method, path, _, authorizer in api_routes(template) if authorizer is None}


def module_functions(template: dict[str, Any] | None = None) -> dict[str, tuple[str, str]]:
    """Module -> (CodeUri, Handler) of the function serving `/{module}` and `/{module}/{proxy+}`."""
    t = template or load_template()
    props = functions(t)
    out: dict[str, tuple[str, str]] = {}
    for _method, path, name, _auth in api_routes(t):
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[1] == "{proxy+}":
            out[parts[0]] = (str(props[name]["CodeUri"]), str(props[name]["Handler"]))
    return out
