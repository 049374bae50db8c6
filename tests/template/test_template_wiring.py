"""The translated template wires what docs/architecture.md and docs/rules.md promise: routes, authorizer, schedule,
database access, gateway responses, secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from farm_erp.http import CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS
from farm_erp.settings import Settings
from local import gateway
from tests.template.conftest import PARAMETERS
from tests.template.routes import api_routes, module_functions, public_routes

MODULES = ("auth", "admin", "dashboard", "inventory", "biofloc")
PUBLIC = {
    ("POST", "/auth/login"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/forgot-password"),
    ("POST", "/auth/reset-password"),
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/ping"),
}
ANY = "x-amazon-apigateway-any-method"
CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Access-Control-Expose-Headers")


def operations(body: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every method of the OpenAPI body; ANY for API Gateway's any-method."""
    for path, methods in body["paths"].items():
        for method, op in methods.items():
            yield ("ANY" if method == ANY else method.upper()), path, op


ALIAS = "live"


def integration_target(op: dict[str, Any]) -> str:
    """What an operation's proxy integration invokes: `${X.Arn}` → "X.Arn", `${XAliaslive}` → "XAliaslive"."""
    uri = op["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
    assert isinstance(uri, str)
    return uri.split("functions/${", 1)[1].split("}/invocations", 1)[0]


def integration_function(op: dict[str, Any]) -> str:
    """Logical id of the Lambda function an operation's proxy integration invokes (through its alias)."""
    return integration_target(op).removesuffix(".Arn").removesuffix(f"Alias{ALIAS}")


def statements(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every IAM statement of a role's inline policies or of a managed policy."""
    props = resource["Properties"]
    docs = [p["PolicyDocument"] for p in props.get("Policies", [])]
    if "PolicyDocument" in props:
        docs.append(props["PolicyDocument"])
    for doc in docs:
        yield from doc["Statement"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- routes and authorizer


def test_public_routes_read_from_the_template_are_exactly_the_spec_ones() -> None:
    assert public_routes() == PUBLIC


def test_protected_operations_require_the_jwt_authorizer_and_public_ones_none(api_body: dict[str, Any]) -> None:
    seen_public = set()
    for method, path, op in operations(api_body):
        if method == "OPTIONS":
            continue
        if (method, path) in PUBLIC:
            seen_public.add((method, path))
            assert op.get("security", [{"NONE": []}]) == [{"NONE": []}], (method, path)
        else:
            assert op.get("security") == [{"JwtAuthorizer": []}], (method, path)
    assert seen_public == PUBLIC


def test_cors_preflight_skips_the_authorizer(api_body: dict[str, Any]) -> None:
    options = [(path, op) for method, path, op in operations(api_body) if method == "OPTIONS"]
    assert {path for path, _ in options} == set(api_body["paths"])
    for path, op in options:
        assert op.get("security", [{"NONE": []}]) == [{"NONE": []}], path
        integration = op["x-amazon-apigateway-integration"]
        assert integration["type"] == "mock"
        headers = integration["responses"]["default"]["responseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Headers"] == f"'{','.join(CORS_ALLOW_HEADERS)}'"
        assert headers["method.response.header.Access-Control-Allow-Origin"] == {"Fn::Sub": "'${AllowedOrigins}'"}


def test_authorizer_is_a_token_authorizer_cached_for_the_parameter_ttl(api_body: dict[str, Any]) -> None:
    schemes = api_body["components"]["securitySchemes"]
    assert set(schemes) == {"JwtAuthorizer"}
    scheme = schemes["JwtAuthorizer"]
    assert scheme["in"] == "header"
    assert scheme["name"] == "Authorization"
    authorizer = scheme["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "token"
    # The SAM transform substitutes the AuthorizerTtl parameter (77 in these tests; the default is 120).
    assert authorizer["authorizerResultTtlInSeconds"] == PARAMETERS["AuthorizerTtl"]
    # The alias, not the function: with SnapStart only a published version starts from a snapshot.
    assert authorizer["authorizerUri"]["Fn::Sub"][1]["__FunctionArn__"] == {"Ref": f"AuthorizerFunctionAlias{ALIAS}"}


def test_authorizer_default_ttl_is_120_and_bounded(sam_template: dict[str, Any]) -> None:
    ttl = sam_template["Parameters"]["AuthorizerTtl"]
    assert (ttl["Type"], ttl["Default"], ttl["MinValue"], ttl["MaxValue"]) == ("Number", 120, 0, 3600)
    identity = sam_template["Resources"]["Api"]["Properties"]["Auth"]["Authorizers"]["JwtAuthorizer"]["Identity"]
    assert identity["ReauthorizeEvery"] == {"Ref": "AuthorizerTtl"}


def test_each_module_has_one_function_serving_its_prefix(api_body: dict[str, Any], resources: dict[str, Any]) -> None:
    serving: dict[str, set[str]] = {}
    for method, path, op in operations(api_body):
        if method == "OPTIONS":
            continue
        module = path.strip("/").split("/")[0] or "dashboard"  # "/" is the dashboard's service-info route
        if module in ("health", "ping"):
            module = "dashboard"
        serving.setdefault(module, set()).add(integration_function(op))
    assert set(serving) == set(MODULES)
    for module in MODULES:
        assert len(serving[module]) == 1, (module, serving[module])
        for path in (f"/{module}", f"/{module}/{{proxy+}}"):
            assert integration_function(api_body["paths"][path][ANY]) in serving[module]
    functions = [next(iter(serving[m])) for m in MODULES]
    assert len(set(functions)) == len(MODULES)
    assert all(resources[f]["Type"] == "AWS::Lambda::Function" for f in functions)


def test_module_functions_name_the_module_folder_and_package() -> None:
    assert module_functions() == {m: (f"functions/{m}", f"{m}_api.main.handler") for m in MODULES}


def test_routes_reader_agrees_with_the_translation(api_body: dict[str, Any]) -> None:
    translated = {
        (method, path, integration_function(op), next(iter(op.get("security", [{"NONE": []}])[0])))
        for method, path, op in operations(api_body)
        if method != "OPTIONS"
    }
    read = {(m, p, f, a or "NONE") for m, p, f, a in api_routes()}
    assert read == translated


def test_binary_exports_and_stage_throttling(api_body: dict[str, Any], resources: dict[str, Any]) -> None:
    assert api_body["x-amazon-apigateway-binary-media-types"] == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ]
    stages = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert len(stages) == 1, "SAM's extra 'Stage' stage must not exist (OpenApiVersion is set)"
    stage = stages[0]
    assert stage["StageName"] == {"Ref": "Stage"}
    assert stage["MethodSettings"] == [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": {"Ref": "ThrottleRate"},
            "ThrottlingBurstLimit": {"Ref": "ThrottleBurst"},
            "MetricsEnabled": True,
        }
    ]
    assert stage["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    json.loads(stage["AccessLogSetting"]["Format"])  # one JSON object per request


UNAVAILABLE = {"detail": "Database unavailable", "code": "database_unavailable"}


@pytest.mark.parametrize(
    ("response", "status", "body"),
    [
        ("UNAUTHORIZED", "401", {"detail": "Not authenticated", "code": "not_authenticated"}),
        ("ACCESS_DENIED", "403", {"detail": "Forbidden", "code": "forbidden"}),
        ("THROTTLED", "429", {"detail": "Too many requests", "code": "throttled"}),
        ("MISSING_AUTHENTICATION_TOKEN", "404", {"detail": "Not Found", "code": "not_found"}),
        ("REQUEST_TOO_LARGE", "413", {"detail": "Request too large", "code": "request_too_large"}),
        # An authorizer that cannot decide (database away) answers as the functions do then: 503, Retry-After.
        ("AUTHORIZER_FAILURE", "503", UNAVAILABLE),
        ("AUTHORIZER_CONFIGURATION_ERROR", "503", UNAVAILABLE),
        # No status override: it would turn every other 5XX (502 crashed function, 504 timeout) into a 500.
        ("DEFAULT_5XX", None, {"detail": "Internal server error", "code": "internal_error"}),
        ("DEFAULT_4XX", None, None),
    ],
)
def test_gateway_responses_are_json_with_cors_headers(
    api_body: dict[str, Any], response: str, status: str | None, body: dict[str, str] | None
) -> None:
    """The gateway's own errors follow the functions' error model (`detail` and `code`), are never stored by a
    cache, and let a browser read them (CORS, ETag exposed like the functions do)."""
    gateway_response = api_body["x-amazon-apigateway-gateway-responses"][response]
    params = gateway_response["responseParameters"]
    for header in CORS_HEADERS:
        assert f"gatewayresponse.header.{header}" in params, (response, header)
    assert params["gatewayresponse.header.Access-Control-Allow-Origin"] == {"Fn::Sub": "'${AllowedOrigins}'"}
    # The same lists as the functions' CORS middleware and the local gateway.
    assert params["gatewayresponse.header.Access-Control-Expose-Headers"] == f"'{','.join(CORS_EXPOSE_HEADERS)}'"
    assert params["gatewayresponse.header.Access-Control-Allow-Headers"] == f"'{','.join(CORS_ALLOW_HEADERS)}'"
    assert ",".join(CORS_EXPOSE_HEADERS) == gateway.CORS_EXPOSE_HEADERS
    assert ",".join(CORS_ALLOW_HEADERS) == gateway.CORS_ALLOW_HEADERS
    assert params["gatewayresponse.header.Content-Type"] == "'application/json'"
    assert params["gatewayresponse.header.Cache-Control"] == "'no-store'"
    if status == "503":
        assert params["gatewayresponse.header.Retry-After"] == "'5'"
    assert gateway_response.get("statusCode") == status
    template = gateway_response["responseTemplates"]["application/json"]
    if body is None:
        # $context.error.messageString is a quoted JSON string: substituting it yields valid JSON.
        assert json.loads(template.replace("$context.error.messageString", '"Missing thing"')) == {
            "detail": "Missing thing",
            "code": "gateway_error",
        }
    else:
        assert json.loads(template) == body


# ---------------------------------------------------------------- functions, layer, schedule


def test_functions_share_runtime_layer_vpc_and_database_settings(resources: dict[str, Any]) -> None:
    functions = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    layers = [name for name, r in resources.items() if r["Type"] == "AWS::Lambda::LayerVersion"]
    assert len(layers) == 1
    assert resources[layers[0]]["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert resources[layers[0]]["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert len(functions) == 9
    for name, props in functions.items():
        assert props["Runtime"] == "python3.12", name
        assert props["Architectures"] == ["arm64"], name
        assert props["Layers"] == [{"Ref": layers[0]}], name
        assert props["TracingConfig"] == {"Mode": "Active"}, name
        assert {"Ref": "FunctionSecurityGroup"} in props["VpcConfig"]["SecurityGroupIds"], name
        env = props["Environment"]["Variables"]
        assert env["DB_HOST"] == {"Fn::GetAtt": ["DbProxy", "Endpoint"]}, name
        assert (env["DB_PORT"], env["DB_IAM_AUTH"]) == ("5432", "true"), name
        assert env["POWERTOOLS_SERVICE_NAME"] == "farm-erp", name
        assert "AWS_REGION" not in env, name
    assert functions["AuthorizerFunction"]["MemorySize"] == 256
    assert functions["AuthorizerFunction"]["Handler"] == "jwt_authorizer.main.handler"
    assert functions["MigrateFunction"]["Timeout"] == 300


# Read by Powertools itself (its log level; LOG_LEVEL is the older name it still honours), not by our code.
POWERTOOLS_OWN = {"POWERTOOLS_LOG_LEVEL", "LOG_LEVEL"}


def test_every_function_variable_is_read_through_settings(resources: dict[str, Any]) -> None:
    """A variable the template sets is a Settings field, so it is parsed and checked in one place."""
    known = {f.upper() for f in Settings.__dataclass_fields__} | POWERTOOLS_OWN
    for name, r in resources.items():
        if r["Type"] == "AWS::Lambda::Function":
            assert set(r["Properties"]["Environment"]["Variables"]) <= known, name


def schedule_of(resources: dict[str, Any], function: str) -> dict[str, Any]:
    """The one EventBridge Scheduler schedule whose target is `function`."""
    (schedule,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Scheduler::Schedule"
        and r["Properties"]["Target"]["Arn"] == {"Fn::GetAtt": [function, "Arn"]}
    ]
    assert isinstance(schedule, dict)
    return schedule


def test_schedules_are_the_expiry_job_and_the_digest(resources: dict[str, Any]) -> None:
    targets = [
        r["Properties"]["Target"]["Arn"]["Fn::GetAtt"][0]
        for r in resources.values()
        if r["Type"] == "AWS::Scheduler::Schedule"
    ]
    assert sorted(targets) == ["DigestFunction", "ReservationExpiryFunction"]


def test_schedule_runs_the_expiry_job_every_15_minutes_once_at_a_time(resources: dict[str, Any]) -> None:
    schedule = schedule_of(resources, "ReservationExpiryFunction")
    assert schedule["ScheduleExpression"] == "rate(15 minutes)"
    target = schedule["Target"]
    assert target["Arn"] == {"Fn::GetAtt": ["ReservationExpiryFunction", "Arn"]}
    assert json.loads(target["Input"]) == {"scheduled_time": "<aws.scheduler.scheduled-time>"}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 900}
    dlq = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    assert resources[dlq]["Type"] == "AWS::SQS::Queue"
    role = target["RoleArn"]["Fn::GetAtt"][0]
    assert any(
        s["Action"] == "sqs:SendMessage" and s["Resource"] == {"Fn::GetAtt": [dlq, "Arn"]}
        for s in statements(resources[role])
    )
    job = resources["ReservationExpiryFunction"]["Properties"]
    assert job["ReservedConcurrentExecutions"] == 1
    assert job["Handler"] == "reservation_expiry.main.handler"


def test_digest_runs_each_morning_in_the_farm_time_zone_once_at_a_time(
    resources: dict[str, Any], sam_template: dict[str, Any]
) -> None:
    hour = sam_template["Parameters"]["DigestHour"]
    assert (hour["Type"], hour["Default"], hour["MinValue"], hour["MaxValue"]) == ("Number", 6, 0, 23)
    schedule = schedule_of(resources, "DigestFunction")
    assert schedule["ScheduleExpression"] == {"Fn::Sub": "cron(0 ${DigestHour} * * ? *)"}
    assert schedule["ScheduleExpressionTimezone"] == {"Ref": "FarmTimezone"}
    target = schedule["Target"]
    assert json.loads(target["Input"]) == {"scheduled_time": "<aws.scheduler.scheduled-time>"}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 7200}
    dlq = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    assert dlq == "DigestDLQ" and resources[dlq]["Type"] == "AWS::SQS::Queue"
    role = target["RoleArn"]["Fn::GetAtt"][0]
    assert any(
        s["Action"] == "sqs:SendMessage" and s["Resource"] == {"Fn::GetAtt": [dlq, "Arn"]}
        for s in statements(resources[role])
    )
    fn = resources["DigestFunction"]["Properties"]
    assert fn["Handler"] == "daily_digest.main.handler"
    assert fn["ReservedConcurrentExecutions"] == 1
    env = fn["Environment"]["Variables"]
    assert env["FRONTEND_URL"] == {"Ref": "FrontendUrl"}
    assert env["SES_FROM_ADDRESS"] == {"Ref": "SesFromAddress"}
    assert env["FARM_TIMEZONE"] == {"Ref": "FarmTimezone"}
    assert "MigrateRun" in as_list(resources["DigestFunction"].get("DependsOn", []))


def test_only_auth_and_the_digest_may_send_mail_and_only_from_the_sender(resources: dict[str, Any]) -> None:
    senders = {}
    for name, resource in resources.items():
        if resource["Type"] not in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            continue
        for s in statements(resource):
            if any(str(a).startswith("ses:") for a in as_list(s.get("Action", []))):
                senders[name] = s
    assert set(senders) == {"AuthFunctionRole", "DigestFunctionRole"}
    for s in senders.values():
        assert sorted(as_list(s["Action"])) == ["ses:SendEmail", "ses:SendRawEmail"]
        assert s["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "SesFromAddress"}}}


def test_migrations_run_on_every_deploy_before_the_api_functions(resources: dict[str, Any]) -> None:
    runs = [(name, r) for name, r in resources.items() if r["Type"] == "Custom::Migrate"]
    assert len(runs) == 1
    name, run = runs[0]
    props = run["Properties"]
    assert props["ServiceToken"] == {"Fn::GetAtt": ["MigrateFunction", "Arn"]}
    layer = next(n for n, r in resources.items() if r["Type"] == "AWS::Lambda::LayerVersion")
    assert props["CoreLayerVersion"] == {"Ref": layer}  # a new layer version (new SQL) re-runs it
    assert props["MigrationsVersion"] == {"Ref": "MigrationsVersion"}
    for fn in (
        "AuthorizerFunction",
        "AuthFunction",
        "AdminFunction",
        "DashboardFunction",
        "InventoryFunction",
        "DigestFunction",
    ):
        assert name in as_list(resources[fn].get("DependsOn", [])), fn
    env = resources["MigrateFunction"]["Properties"]["Environment"]["Variables"]
    assert env["FARM_ADMIN_EMAIL"] == {"Ref": "AdminEmail"}
    assert {"DB_MASTER_SECRET_ARN", "DB_MASTER_HOST", "DB_APP_SECRET_ARN"} <= set(env)


# ---------------------------------------------------------------- database and secrets


def test_rds_proxy_requires_tls_and_iam_auth(resources: dict[str, Any]) -> None:
    proxy = resources["DbProxy"]["Properties"]
    assert proxy["EngineFamily"] == "POSTGRESQL"
    assert proxy["RequireTLS"] is True
    assert len(proxy["Auth"]) == 2
    assert all(a["IAMAuth"] == "REQUIRED" and a["AuthScheme"] == "SECRETS" for a in proxy["Auth"])
    assert {"Ref": "DbAppSecret"} in [a["SecretArn"] for a in proxy["Auth"]]
    target = resources["DbProxyTargetGroup"]["Properties"]
    assert target["TargetGroupName"] == "default"
    assert target["DBClusterIdentifiers"] == [
        {"Fn::If": ["CreateDb", {"Ref": "DbCluster"}, {"Ref": "ExistingDbClusterIdentifier"}]}
    ]


def test_database_is_aurora_postgresql_16_serverless_v2_kept_on_delete(resources: dict[str, Any]) -> None:
    cluster = resources["DbCluster"]
    assert cluster["Condition"] == "CreateDb"
    assert cluster["DeletionPolicy"] == cluster["UpdateReplacePolicy"] == "Snapshot"
    props = cluster["Properties"]
    assert props["Engine"] == "aurora-postgresql"
    assert props["ManageMasterUserPassword"] is True
    assert props["StorageEncrypted"] is True
    assert props["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 4}
    assert resources["DbInstance"]["Properties"]["DBInstanceClass"] == "db.serverless"
    for name in ("DbCluster", "DbInstance", "DbSubnetGroup", "DbSecurityGroup"):
        assert resources[name]["Condition"] == "CreateDb", name


def test_database_is_reachable_only_through_its_security_groups(resources: dict[str, Any]) -> None:
    def sources(name: str) -> set[str]:
        return {rule["SourceSecurityGroupId"]["Ref"] for rule in resources[name]["Properties"]["SecurityGroupIngress"]}

    assert sources("ProxySecurityGroup") == {"FunctionSecurityGroup"}
    assert sources("DbSecurityGroup") == {"ProxySecurityGroup", "MigrateSecurityGroup"}
    for rule in resources["DbSecurityGroup"]["Properties"]["SecurityGroupIngress"]:
        assert (rule["FromPort"], rule["ToPort"]) == (5432, 5432)


def test_db_connect_is_scoped_to_the_proxy_and_the_app_user(resources: dict[str, Any]) -> None:
    (statement,) = statements(resources["DbConnectPolicy"])
    assert statement["Action"] == "rds-db:connect"
    arn, variables = statement["Resource"]["Fn::Sub"]
    assert arn.endswith(":dbuser:${ProxyResourceId}/${DbUser}")
    assert variables["ProxyResourceId"] == {
        "Fn::Select": [6, {"Fn::Split": [":", {"Fn::GetAtt": ["DbProxy", "DBProxyArn"]}]}]
    }
    users = {
        name.removesuffix("Role")
        for name, r in resources.items()
        if r["Type"] == "AWS::IAM::Role" and {"Ref": "DbConnectPolicy"} in r["Properties"].get("ManagedPolicyArns", [])
    }
    assert users == {
        "AuthorizerFunction",
        "AuthFunction",
        "AdminFunction",
        "DashboardFunction",
        "InventoryFunction",
        "BioflocFunction",
        "ReservationExpiryFunction",
        "DigestFunction",
    }


def _grants_read(statement: dict[str, Any], secret: str) -> bool:
    actions = as_list(statement.get("Action", []))
    reads = any(a in ("secretsmanager:GetSecretValue", "secretsmanager:*", "*") for a in actions)
    targets = as_list(statement.get("Resource", []))
    hits = any(t in ({"Ref": secret}, "*") or (isinstance(t, str) and ":secret:" in t) for t in targets)
    return statement.get("Effect") == "Allow" and reads and hits


def test_jwt_secret_is_readable_only_by_auth_and_authorizer(resources: dict[str, Any]) -> None:
    iam = ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")
    readers = {
        name
        for name, resource in resources.items()
        if resource["Type"] in iam and any(_grants_read(s, "JwtSecret") for s in statements(resource))
    }
    assert readers == {"AuthFunctionRole", "AuthorizerFunctionRole"}

    policy = resources["JwtSecretPolicy"]["Properties"]
    assert policy["SecretId"] == {"Ref": "JwtSecret"}
    (deny,) = policy["ResourcePolicy"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "secretsmanager:GetSecretValue")
    allowed = deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert allowed[:2] == [
        {"Fn::GetAtt": ["AuthFunctionRole", "Arn"]},
        {"Fn::GetAtt": ["AuthorizerFunctionRole", "Arn"]},
    ]
    # The only other entry is the optional rotation principal, absent unless the parameter is set.
    assert allowed[2:] == [{"Fn::If": ["HasJwtSecretAdmin", {"Ref": "JwtSecretAdminArn"}, {"Ref": "AWS::NoValue"}]}]


def test_jwt_secret_is_a_generated_64_char_key_with_a_kid(resources: dict[str, Any]) -> None:
    generated = resources["JwtSecret"]["Properties"]["GenerateSecretString"]
    assert json.loads(generated["SecretStringTemplate"]) == {"kid": "k1"}
    assert (generated["GenerateStringKey"], generated["PasswordLength"]) == ("key", 64)
    assert generated["ExcludePunctuation"] is True


# ---------------------------------------------------------------- alarms and outputs


def test_alarms_watch_api_5xx_and_the_scheduled_jobs(resources: dict[str, Any]) -> None:
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = {(a["Namespace"], a["MetricName"], json.dumps(a["Dimensions"][0]["Value"])) for a in alarms}
    assert ("AWS/ApiGateway", "5XXError", json.dumps({"Fn::Sub": "${AWS::StackName}-api"})) in watched
    assert ("AWS/Lambda", "Errors", json.dumps({"Ref": "ReservationExpiryFunction"})) in watched
    assert (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        json.dumps({"Fn::GetAtt": ["ReservationExpiryDLQ", "QueueName"]}),
    ) in watched
    assert ("AWS/Lambda", "Errors", json.dumps({"Ref": "DigestFunction"})) in watched
    assert (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        json.dumps({"Fn::GetAtt": ["DigestDLQ", "QueueName"]}),
    ) in (watched)
    assert resources["Api"]["Properties"]["Name"] == {"Fn::Sub": "${AWS::StackName}-api"}


def test_outputs(cfn: dict[str, Any]) -> None:
    outputs = cfn["Outputs"]
    assert outputs["ApiUrl"]["Value"] == {
        "Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/"
    }
    assert outputs["ProxyEndpoint"]["Value"] == {"Fn::GetAtt": ["DbProxy", "Endpoint"]}
    assert outputs["JwtSecretArn"]["Value"] == {"Ref": "JwtSecret"}


def test_local_gateway_reads_the_same_wiring() -> None:
    """`make dev` routes requests with its own reader of template.yaml; it must see the same routes."""
    local_routes = pytest.importorskip("local.template_routes")
    config = local_routes.api_config()
    assert {(r.method, r.path) for r in config.routes if r.public} == public_routes()
    assert {(r.method, r.path, r.function.logical_id) for r in config.routes} == {
        (method, path, function) for method, path, function, _ in api_routes()
    }
    assert config.authorizer.logical_id == "AuthorizerFunction"
    assert (config.stage, config.authorizer_ttl, config.allowed_origins) == ("v1", 120, "*")
    assert set(config.schedules) == {"ReservationExpiryFunction", "DigestFunction"}
