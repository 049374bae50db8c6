"""checkov (pinned in requirements-tools.txt, run by `make lint`) passes on template.yaml: every finding is fixed, or
skipped in the resource's Metadata with the reason next to it. The real fixes are checked here directly too."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.template.routes import ROOT, TEMPLATE

CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"


def _skips(sam_template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, skip)
        for name, resource in sam_template["Resources"].items()
        for skip in ((resource.get("Metadata") or {}).get("checkov") or {}).get("skip") or []
    ]


def test_every_checkov_skip_names_a_check_and_says_why(sam_template: dict[str, Any]) -> None:
    skips = _skips(sam_template)
    assert skips
    for name, skip in skips:
        assert str(skip.get("id", "")).startswith("CKV_"), (name, skip)
        assert len(str(skip.get("comment", "")).split()) >= 5, (name, skip)


def test_alarm_topic_is_encrypted_with_a_key_the_alarms_can_use(sam_template: dict[str, Any]) -> None:
    """Not the AWS-managed SNS key: CloudWatch alarms cannot publish to a topic encrypted with it."""
    resources = sam_template["Resources"]
    key_ref = resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"]
    assert key_ref == {"Ref": "AlarmTopicKey"}
    key = resources["AlarmTopicKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    statements = key["KeyPolicy"]["Statement"]
    alarms = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert alarms and set(alarms[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_scheduled_jobs_dead_letter_failed_runs_to_their_encrypted_queue(sam_template: dict[str, Any]) -> None:
    """The scheduler invokes asynchronously: its DeadLetterConfig keeps failed deliveries, the function's own
    DeadLetterQueue keeps runs that failed after Lambda's retries; one encrypted queue (and alarm) for both."""
    resources = sam_template["Resources"]
    scheduled = {
        name: resource["Properties"]
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
        and any(e["Type"] == "ScheduleV2" for e in (resource["Properties"].get("Events") or {}).values())
    }
    assert scheduled
    for name, props in scheduled.items():
        (event,) = props["Events"].values()
        queue = event["Properties"]["DeadLetterConfig"]["Arn"]
        assert props.get("DeadLetterQueue") == {"Type": "SQS", "TargetArn": queue}, name
        assert resources[queue["Fn::GetAtt"][0]]["Properties"]["SqsManagedSseEnabled"] is True, name


def test_checkov_reports_no_failed_check() -> None:
    if not CHECKOV.exists():
        pytest.skip("checkov is installed by `make lint` into .venv-tools/ (requirements-tools.txt)")
    proc = subprocess.run(
        [str(CHECKOV), "-f", str(TEMPLATE), "--framework", "cloudformation", "-o", "json", "--skip-download"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(proc.stdout)
    results = (report[0] if isinstance(report, list) else report)["results"]
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert failed == [], failed
    assert results["passed_checks"], "checkov ran no check"
    assert results["parsing_errors"] == []
