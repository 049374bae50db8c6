"""The SnapStart option, on the translated template: the API and its authorizer call the alias `live` of a published
version of each function; the parameter turns SnapStart on for those versions, and switching it publishes one;
a change of the shared layer alone publishes new versions too."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.template.conftest import PARAMETERS, _NoManagedPolicies
from tests.template.test_template_wiring import ANY, integration_target, operations

API_FUNCTIONS = (
    "AuthorizerFunction",
    "AuthFunction",
    "AdminFunction",
    "DashboardFunction",
    "InventoryFunction",
    "BioflocFunction",
)
OTHER_FUNCTIONS = ("ReservationExpiryFunction", "DigestFunction", "MigrateFunction")


def translate(sam_template: dict[str, Any], **parameters: Any) -> dict[str, Any]:
    """The SAM transform with these parameter values (CloudFormation runs it with the stack's own)."""
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(sam_template)
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str):
                props[key] = f"s3://bucket/{props[key]}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        result: dict[str, Any] = transform(template, {**PARAMETERS, **parameters}, _NoManagedPolicies())
    return result


def resolve(value: Any, cfn: dict[str, Any], parameters: dict[str, str]) -> Any:
    """`value` with Fn::If, Fn::Equals, Fn::Not, Condition and parameter Refs evaluated as CloudFormation would."""
    if isinstance(value, list):
        return [resolve(v, cfn, parameters) for v in value]
    if not isinstance(value, dict) or len(value) != 1:
        return value
    ((key, arg),) = value.items()
    if key == "Ref" and arg in parameters:
        return parameters[arg]
    if key == "Condition":
        return resolve(cfn["Conditions"][arg], cfn, parameters)
    if key == "Fn::Equals":
        left, right = (resolve(a, cfn, parameters) for a in arg)
        return left == right
    if key == "Fn::Not":
        return not resolve(arg[0], cfn, parameters)
    if key == "Fn::If":
        condition, yes, no = arg
        return resolve(yes if resolve(cfn["Conditions"][condition], cfn, parameters) else no, cfn, parameters)
    return value


def versions_of(resources: dict[str, Any], function: str) -> list[str]:
    return [
        k
        for k, r in resources.items()
        if r["Type"] == "AWS::Lambda::Version" and r["Properties"]["FunctionName"] == {"Ref": function}
    ]


def alias_of(resources: dict[str, Any], function: str) -> dict[str, Any]:
    aliases = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Alias" and r["Properties"]["FunctionName"] == {"Ref": function}
    ]
    assert len(aliases) == 1, function
    alias: dict[str, Any] = aliases[0]
    return alias


def test_snapstart_is_off_by_default_and_a_true_false_choice(sam_template: dict[str, Any]) -> None:
    param = sam_template["Parameters"]["SnapStart"]
    assert (param["Type"], param["Default"], param["AllowedValues"]) == ("String", "false", ["true", "false"])


@pytest.mark.parametrize(("setting", "apply_on"), [("true", "PublishedVersions"), ("false", "None")])
def test_the_parameter_sets_snapstart_on_the_api_functions_only(
    sam_template: dict[str, Any], setting: str, apply_on: str
) -> None:
    cfn = translate(sam_template, SnapStart=setting)
    resources = cfn["Resources"]
    params = {"SnapStart": setting}
    for name in API_FUNCTIONS:
        snap = resources[name]["Properties"]["SnapStart"]
        assert resolve(snap["ApplyOn"], cfn, params) == apply_on, name
    for name in OTHER_FUNCTIONS:
        # The schedule and the custom resource call the unqualified function: a snapshot would never be used.
        assert "SnapStart" not in resources[name]["Properties"], name
        assert versions_of(resources, name) == [], name


def test_the_api_and_its_authorizer_call_the_alias_of_a_published_version(cfn: dict[str, Any]) -> None:
    resources = cfn["Resources"]
    for name in API_FUNCTIONS:
        (version,) = versions_of(resources, name)
        alias = alias_of(resources, name)
        assert alias["Properties"]["Name"] == "live"
        assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}
        # Replaced, old versions are deleted: each version with a snapshot is billed while it exists.
        assert resources[version]["DeletionPolicy"] == "Delete"
    body = next(r for r in resources.values() if r["Type"] == "AWS::ApiGateway::RestApi")["Properties"]["Body"]
    targets = {integration_target(op) for method, _, op in operations(body) if method != "OPTIONS"}
    assert targets == {f"{name}Aliaslive" for name in API_FUNCTIONS if name != "AuthorizerFunction"}
    authorizer = body["components"]["securitySchemes"]["JwtAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["authorizerUri"]["Fn::Sub"][1]["__FunctionArn__"] == {"Ref": "AuthorizerFunctionAliaslive"}
    # API Gateway may invoke the alias (a permission on the bare function would not cover a qualified call).
    invoked = {
        r["Properties"]["FunctionName"]["Ref"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission" and r["Properties"]["Principal"] == "apigateway.amazonaws.com"
    }
    assert invoked == {f"{name}Aliaslive" for name in API_FUNCTIONS}
    assert all(integration_target(body["paths"][f"/{m}/{{proxy+}}"][ANY]).endswith("Aliaslive") for m in ("auth",))


def test_switching_snapstart_alone_publishes_a_new_version(sam_template: dict[str, Any]) -> None:
    """CloudFormation replaces a version whose description changes, and a replaced version is a new publication:
    the one that gets (or loses) the snapshot."""
    on, off = translate(sam_template, SnapStart="true"), translate(sam_template, SnapStart="false")
    for name in API_FUNCTIONS:
        (v_on,), (v_off,) = versions_of(on["Resources"], name), versions_of(off["Resources"], name)
        described_on = resolve(on["Resources"][v_on]["Properties"]["Description"], on, {"SnapStart": "true"})
        described_off = resolve(off["Resources"][v_off]["Properties"]["Description"], off, {"SnapStart": "false"})
        assert described_on != described_off, name


def test_a_change_of_the_shared_layer_alone_publishes_new_versions(sam_template: dict[str, Any]) -> None:
    """Most of the code is in the layer: a version that did not follow it would serve the old code behind `live`."""
    changed = copy.deepcopy(sam_template)
    changed["Resources"]["CoreLayer"]["Properties"]["ContentUri"] = "layers/core-changed"
    before, after = translate(sam_template), translate(changed)
    for name in API_FUNCTIONS:
        assert versions_of(before["Resources"], name) != versions_of(after["Resources"], name), name
