"""Fixtures of the `build` tests: the artifacts built for this machine and the runtime interpreter
(`local.artifact.prepare()`: reused when nothing changed, so after `make verify-build` this costs nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from local import artifact


@pytest.fixture(scope="session")
def built() -> tuple[Path, Path]:
    """(build directory, runtime interpreter); a missing Python 3.12 or a failed build fails the tests."""
    try:
        return artifact.prepare()
    except artifact.BuildError as exc:
        pytest.fail(f"could not build the artifacts: {exc}")
