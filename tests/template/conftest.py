"""The SAM template translated to plain CloudFormation, once per test session, offline."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.template.routes import load_template

# Values that differ from the defaults, so a test can tell "comes from the parameter" from "hard-coded".
PARAMETERS = {"AuthorizerTtl": 77, "ThrottleRate": 31, "ThrottleBurst": 62}


class _NoManagedPolicies:
    """The template names AWS managed policies by ARN only, so no IAM lookup is needed."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="session")
def sam_template() -> dict[str, Any]:
    """template.yaml as data, intrinsics in long form."""
    return load_template()


@pytest.fixture(scope="session")
def cfn(sam_template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation that the SAM transform produces (local code paths swapped for S3 URIs, as on deploy)."""
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(sam_template)
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str):
                props[key] = f"s3://bucket/{props[key]}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        result: dict[str, Any] = transform(template, dict(PARAMETERS), _NoManagedPolicies())
    return result


@pytest.fixture(scope="session")
def resources(cfn: dict[str, Any]) -> dict[str, Any]:
    return dict(cfn["Resources"])


@pytest.fixture(scope="session")
def api_body(resources: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI body of the one REST API."""
    apis = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    assert len(apis) == 1
    body: dict[str, Any] = apis[0]["Properties"]["Body"]
    return body
