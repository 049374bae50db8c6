"""Compile a deployment's Python sources to bytecode (`make build` runs it over .aws-sam/build).

Lambda's code and layer directories are read-only, so Python cannot cache bytecode there: without shipped .pyc
files every cold start compiles the project's modules again (the inventory function and the layer: ≈ 70 ms here).
The .pyc files are hash-based and unchecked because unzipping does not keep source timestamps; the build output
is recreated on every build, so they never go stale.
"""

from __future__ import annotations

import compileall
import py_compile
import sys
from pathlib import Path

LAMBDA_PYTHON = (3, 12)


def compile_tree(root: Path, *, artifact: bool = True) -> bool:
    """Compile every .py file below `root`; True when all compiled.

    `artifact=False` is for a source tree that will still be edited (the bench): timestamp-checked .pyc files,
    which Python recompiles when a source changes. Unchecked ones there would keep serving stale code.
    """
    mode = py_compile.PycInvalidationMode.UNCHECKED_HASH if artifact else py_compile.PycInvalidationMode.TIMESTAMP
    return bool(compileall.compile_dir(str(root), quiet=1, invalidation_mode=mode, workers=0))


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build")
    if sys.version_info[:2] != LAMBDA_PYTHON:
        # Bytecode is specific to the interpreter version: .pyc files of another Python would only be ignored.
        print(f"skipping bytecode: Python {sys.version_info[0]}.{sys.version_info[1]} is not the runtime's 3.12")
        return
    if not root.is_dir():
        raise SystemExit(f"{root} does not exist: run sam build first")
    if not compile_tree(root):
        raise SystemExit("some files did not compile")
    print(f"compiled bytecode under {root}")


if __name__ == "__main__":
    main()
