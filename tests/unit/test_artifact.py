"""The verify-build template differs from the deployed one only in its architecture settings."""

from __future__ import annotations

import difflib

import pytest

from local import artifact
from local.template_routes import ROOT


def test_arm64_machines_build_the_deployed_template_unchanged() -> None:
    assert artifact.local_template("arm64") == (ROOT / "template.yaml").read_text(encoding="utf-8")


def test_x86_64_changes_only_the_three_architecture_settings() -> None:
    original = (ROOT / "template.yaml").read_text(encoding="utf-8").splitlines()
    changed = artifact.local_template("x86_64").splitlines()
    diff = [d for d in difflib.unified_diff(original, changed, lineterm="", n=0) if d[:1] in "+-"]
    removed = sorted(d[1:].strip() for d in diff if d.startswith("-") and not d.startswith("---"))
    added = sorted(d[1:].strip() for d in diff if d.startswith("+") and not d.startswith("+++"))
    assert removed == ["Architectures: [arm64]", "BuildArchitecture: arm64", "CompatibleArchitectures: [arm64]"]
    assert added == ["Architectures: [x86_64]", "BuildArchitecture: x86_64", "CompatibleArchitectures: [x86_64]"]


def test_the_build_key_follows_the_architecture() -> None:
    assert artifact.source_key("x86_64") == artifact.source_key("x86_64")
    assert artifact.source_key("x86_64") != artifact.source_key("arm64")


def test_an_unknown_cpu_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("platform.machine", lambda: "riscv64")
    with pytest.raises(artifact.BuildError, match="no Lambda architecture for this machine"):
        artifact.lambda_arch()
