"""`make build` ships bytecode: hash-based, unchecked .pyc files that Python uses without looking at timestamps."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from local.bytecode import compile_tree


def test_compiled_tree_is_used_without_the_source_timestamps(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("VALUE = 41 + 1\n")
    assert compile_tree(tmp_path)
    pyc = Path(importlib.util.cache_from_source(str(pkg / "__init__.py")))
    assert pyc.exists()
    flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
    assert flags == 0b01  # hash-based, check_source off: unzipped timestamps do not matter
    # The .pyc alone answers the import: with the source emptied, the compiled value is still seen.
    (pkg / "__init__.py").write_text("")
    out = subprocess.run(
        [sys.executable, "-c", "import pkg; print(pkg.VALUE)"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "42"


def test_a_file_that_does_not_compile_is_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def f(:\n")
    assert not compile_tree(tmp_path)


def test_source_tree_bytecode_follows_edits(tmp_path: Path) -> None:
    """The bench compiles the working tree: an edited source must win over its .pyc."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("VALUE = 1\n")
    assert compile_tree(tmp_path, artifact=False)
    (pkg / "__init__.py").write_text("VALUE = 2  # edited\n")
    out = subprocess.run(
        [sys.executable, "-c", "import pkg; print(pkg.VALUE)"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "2"
