"""The deployment artifacts built for this machine, and the interpreter that runs them as Lambda does.

`make verify-build` (and the `build`-marked tests, which call `prepare()`) run the functions and the layer exactly
as `sam build` packages them, with nothing else importable but what the Lambda Python runtime adds: awslambdaric
and boto3. Two things are made here:

- The build: `sam build` of template.yaml with the architecture switched to this machine's (the template deploys
  arm64; Python wheels with C extensions such as psycopg-binary, pydantic-core and bcrypt must match the CPU
  that imports them), then the shipped bytecode (`local.bytecode`), as `make build` does. It is cached under
  .aws-sam/verify, keyed on a hash of everything that goes into it, so an unchanged tree costs nothing; sam's
  own cache makes a rebuild after a code change cheap too.
- `.venv-runtime`: a virtualenv of the Lambda Python (3.12) without pip, holding only the pinned
  requirements-runtime.txt (awslambdaric, boto3 and their dependencies).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local.template_routes import ROOT

OUT = ROOT / ".aws-sam" / "verify"
BUILD = OUT / "build"
RUNTIME_VENV = ROOT / ".venv-runtime"
RUNTIME_REQUIREMENTS = ROOT / "requirements-runtime.txt"
LAMBDA_PYTHON = (3, 12)
ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
# Everything a build reads; a change to any of these files rebuilds.
SOURCES = ("template.yaml", "layers", "functions", "local/artifact.py", "local/bytecode.py")
# The template's architecture settings (functions, layer compatibility, layer build).
ARCH_SETTING = re.compile(
    r"^(\s*(?:Architectures|CompatibleArchitectures):\s*\[)arm64(\])|^(\s*BuildArchitecture:\s*)arm64$", re.M
)


class BuildError(RuntimeError):
    """The artifacts or the runtime interpreter could not be made."""


def lambda_arch() -> str:
    """Lambda's name for this machine's CPU architecture."""
    machine = platform.machine().lower()
    if machine not in ARCHITECTURES:
        raise BuildError(f"no Lambda architecture for this machine ({machine})")
    return ARCHITECTURES[machine]


def lambda_python() -> Path:
    """A Python 3.12 interpreter (what Lambda runs): $LAMBDA_PYTHON, this interpreter's base, PATH, or pyenv."""
    candidates: list[str] = []
    if os.environ.get("LAMBDA_PYTHON"):
        candidates.append(os.environ["LAMBDA_PYTHON"])
    if sys.version_info[:2] == LAMBDA_PYTHON:
        candidates.append(str(Path(sys.base_prefix) / "bin" / "python3.12"))
    if found := shutil.which("python3.12"):
        candidates.append(found)
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(p) for p in sorted(pyenv.glob("3.12*/bin/python3.12"), reverse=True)]
    for candidate in candidates:
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return Path(candidate)
    raise BuildError("Python 3.12 not found (Lambda's runtime): install it or set LAMBDA_PYTHON")


def local_template(arch: str) -> str:
    """template.yaml with every architecture setting switched to `arch`; nothing else changes."""
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    out, count = ARCH_SETTING.subn(lambda m: f"{m[1]}{arch}{m[2]}" if m[1] else f"{m[3]}{arch}", text)
    if count != 3:
        raise BuildError(f"expected 3 arm64 settings in template.yaml (functions, layer, layer build), found {count}")
    return out


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for p in sorted(path.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            yield p


def source_key(arch: str) -> str:
    digest = hashlib.sha256(f"{arch} {sys.version_info[:2]}".encode())
    for name in SOURCES:
        for p in _files(ROOT / name):
            digest.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@contextmanager
def _locked() -> Iterator[None]:
    """One build at a time per checkout (pytest workers and make may ask together)."""
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"{what} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")


def build(python: Path) -> Path:
    """The built template's directory (functions, layer, template.yaml); rebuilt when a source changed."""
    arch = lambda_arch()
    key = source_key(arch)
    stamp = OUT / "stamp"
    with _locked():
        if stamp.exists() and stamp.read_text() == key and (BUILD / "template.yaml").exists():
            return BUILD
        started = time.monotonic()
        stamp.unlink(missing_ok=True)
        (OUT / "template.yaml").write_text(local_template(arch), encoding="utf-8")
        sam = Path(sys.executable).parent / "sam"
        env = {
            **os.environ,
            # sam finds the runtime's python3.12 on PATH, like `make build`.
            "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "SAM_CLI_TELEMETRY": "0",
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-west-1"),
        }
        cmd = [str(sam), "build", "--template-file", str(OUT / "template.yaml"), "--base-dir", str(ROOT)]
        cmd += ["--build-dir", str(BUILD), "--cache-dir", str(OUT / "cache"), "--cached", "--parallel"]
        _run(cmd, "sam build", env)
        # The bytecode that `make build` ships, compiled by the runtime's interpreter.
        _run([str(python), "-m", "local.bytecode", str(BUILD)], "bytecode")
        stamp.write_text(key)
        print(f"built {arch} artifacts in {time.monotonic() - started:.1f} s: {BUILD}", flush=True)
    return BUILD


def runtime_python(python: Path) -> Path:
    """.venv-runtime's interpreter: Lambda's Python with only requirements-runtime.txt installed, no pip."""
    key = hashlib.sha256(RUNTIME_REQUIREMENTS.read_bytes() + str(python).encode()).hexdigest()[:12]
    stamp = RUNTIME_VENV / f".installed-{key}"
    target = RUNTIME_VENV / "bin" / "python"
    with _locked():
        if stamp.exists():
            return target
        shutil.rmtree(RUNTIME_VENV, ignore_errors=True)
        _run([str(python), "-m", "venv", "--without-pip", str(RUNTIME_VENV)], "runtime venv")
        pip = [sys.executable, "-m", "pip", "--python", str(target), "install", "--quiet", "--no-deps"]
        _run([*pip, "-r", str(RUNTIME_REQUIREMENTS)], "runtime packages")
        stamp.touch()
    return target


def rie_binary() -> Path:
    """The Lambda runtime interface emulator that aws-sam-cli ships (what `sam local` runs in its containers)."""
    import samcli

    path = Path(samcli.__file__).resolve().parent / "local" / "rapid" / f"aws-lambda-rie-{lambda_arch()}"
    if not os.access(path, os.X_OK):
        raise BuildError(f"runtime interface emulator not found: {path}")
    return path


def prepare() -> tuple[Path, Path]:
    """(build directory, runtime interpreter), made or reused."""
    python = lambda_python()
    return build(python), runtime_python(python)


def main() -> None:
    started = time.monotonic()
    try:
        build_dir, python = prepare()
    except BuildError as exc:
        raise SystemExit(str(exc)) from None
    print(f"artifacts: {build_dir}\nruntime:   {python} ({time.monotonic() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
