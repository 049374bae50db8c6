"""cfn-lint accepts template.yaml: no errors, and no warnings other than those the template itself ignores."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.template.routes import ROOT, TEMPLATE

# cfn-lint exit status is a bit mask: 2 errors, 4 warnings, 8 informational.
ERRORS, WARNINGS = 2, 4


def _cfn_lint() -> str:
    beside_python = Path(sys.executable).parent / "cfn-lint"
    found = str(beside_python) if beside_python.exists() else shutil.which("cfn-lint")
    assert found, "cfn-lint is not installed next to this Python (pip install -r requirements-dev.txt)"
    return found


def test_cfn_lint_reports_no_errors_or_warnings() -> None:
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")}
    proc = subprocess.run(
        [_cfn_lint(), "--format", "parseable", str(TEMPLATE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode & (ERRORS | WARNINGS) == 0, proc.stdout + proc.stderr
    assert proc.returncode in (0, 8), proc.stdout + proc.stderr


def test_every_ignored_check_is_explained() -> None:
    """A suppressed cfn-lint rule carries a comment saying why, next to it."""
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "ignore_checks" in line:
            assert lines[i - 1].strip().startswith("#"), f"template.yaml:{i + 1}: ignore_checks without a reason"
