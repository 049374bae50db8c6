"""Run built functions under the Lambda Runtime API: one runtime interface emulator (aws-lambda-rie, shipped with
aws-sam-cli) per function, with awslambdaric in an interpreter that sees only the artifact and the runtime's own
packages.

Each container is what Lambda would start: the working directory is the function's code (/var/task), the import
path is that code plus its layers' python directories (/opt/python), the handler string comes from the built
template, and the environment is built from scratch (nothing of the calling process leaks in). `RieInvoker` is
an `Invoker`, so `local.gateway.Gateway` drives the functions with the same API Gateway events as everywhere else.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.gateway import FunctionError
from local.template_routes import Function, load_template

INVOKE_PATH = "/2015-03-31/functions/function/invocations"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Container:
    function: Function
    process: subprocess.Popen[bytes]
    url: str
    log: Path


@dataclass
class Built:
    """A built template's functions: code directory, layer directories, memory and timeout."""

    root: Path
    template: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.template = load_template(self.root / "template.yaml")

    def _properties(self, logical_id: str) -> dict[str, Any]:
        props: dict[str, Any] = self.template["Resources"][logical_id].get("Properties", {})
        return props

    def _global(self, name: str, default: Any) -> Any:
        return ((self.template.get("Globals") or {}).get("Function") or {}).get(name, default)

    def code_dir(self, fn: Function) -> Path:
        return self.root / fn.code_uri

    def layer_dirs(self, fn: Function) -> list[Path]:
        """Where Lambda would extract the function's layers (/opt), in the template's order."""
        dirs = []
        for ref in self._properties(fn.logical_id).get("Layers") or self._global("Layers", []):
            layer_id = ref["Ref"] if isinstance(ref, dict) else str(ref)
            dirs.append(self.root / str(self.template["Resources"][layer_id]["Properties"]["ContentUri"]))
        return dirs

    def setting(self, fn: Function, name: str, default: int) -> int:
        return int(self._properties(fn.logical_id).get(name) or self._global(name, default))


class RieInvoker:
    """One emulator per function, started on first use (a cold start) and reused (warm) until `close()`."""

    def __init__(self, built: Built, python: Path, rie: Path, env: dict[str, str], log_dir: Path) -> None:
        self.built = built
        self.python = python
        self.rie = rie
        self.env = env
        self.log_dir = log_dir
        self.containers: dict[str, Container] = {}
        self.errors: list[str] = []  # "<function>: <errorType>: <errorMessage>" for every failed invocation
        self.results: dict[str, dict[str, Any]] = {}  # the last result of each function

    def _environment(self, fn: Function) -> dict[str, str]:
        code = self.built.code_dir(fn)
        paths = [code]
        for layer in self.built.layer_dirs(fn):
            paths += [layer / "python", layer / "python" / "lib" / "python3.12" / "site-packages"]
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.log_dir),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join(str(p) for p in paths),
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",  # Lambda's code directories are read-only
            "LAMBDA_TASK_ROOT": str(code),
            "AWS_LAMBDA_FUNCTION_NAME": fn.logical_id,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.built.setting(fn, "MemorySize", 128)),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(self.built.setting(fn, "Timeout", 3)),
            **self.env,
        }

    def start(self, fn: Function) -> Container:
        if fn.logical_id in self.containers:
            return self.containers[fn.logical_id]
        port, runtime_api = free_port(), f"127.0.0.1:{free_port()}"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{fn.logical_id}.log"
        cmd = [str(self.rie), "--runtime-interface-emulator-address", f"127.0.0.1:{port}"]
        cmd += ["--runtime-api-address", runtime_api, str(self.python), "-s", "-m", "awslambdaric", fn.handler]
        with open(log, "ab") as out:
            process = subprocess.Popen(
                cmd,
                cwd=self.built.code_dir(fn),
                env=self._environment(fn),  # the emulator adds AWS_LAMBDA_RUNTIME_API
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: close() ends the emulator and the runtime
            )
        container = Container(fn, process, f"http://127.0.0.1:{port}{INVOKE_PATH}", log)
        self.containers[fn.logical_id] = container
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise FunctionError(f"{fn.logical_id}: emulator did not start\n{self.log_tail(fn)}") from None
                time.sleep(0.05)
        return container

    def invoke(self, function: Function, event: dict[str, Any]) -> dict[str, Any]:
        container = self.start(function)
        # The emulator's own loopback URL (http://127.0.0.1:<port>/...), built in start().
        request = urllib.request.Request(container.url, data=json.dumps(event).encode(), method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=120) as resp:  # noqa: S310 - the local emulator
                status, body = resp.status, resp.read()
        except urllib.error.HTTPError as exc:  # an init failure is a 502 with the runtime's error
            status, body = exc.code, exc.read()
        try:
            result = json.loads(body or b"null")
        except json.JSONDecodeError:
            result = {"errorType": f"HTTP {status}", "errorMessage": body.decode("utf-8", "replace")[:500]}
        if status != 200 or (isinstance(result, dict) and "errorType" in result and "statusCode" not in result):
            error = result if isinstance(result, dict) else {}
            error_type = str(error.get("errorType") or f"HTTP {status}")
            message = str(error.get("errorMessage") or body[:500].decode("utf-8", "replace"))
            self.errors.append(f"{function.logical_id}: {error_type}: {message}")
            raise FunctionError(message)
        self.results[function.logical_id] = result
        if not isinstance(result, dict):
            raise FunctionError(f"{function.logical_id} returned {type(result).__name__}, not an object")
        return result

    def log_tail(self, fn: Function, lines: int = 30) -> str:
        container = self.containers.get(fn.logical_id)
        if container is None or not container.log.exists():
            return ""
        return "\n".join(container.log.read_text(errors="replace").splitlines()[-lines:])

    def error_lines(self) -> list[str]:
        """Lines of every container's log that report an error (tracebacks, import errors, exceptions)."""
        found: list[str] = []
        for container in self.containers.values():
            if not container.log.exists():
                continue
            for line in container.log.read_text(errors="replace").splitlines():
                if summary := _error_summary(line):
                    found.append(f"{container.function.logical_id}: {summary}")
        return found

    def close(self) -> None:
        for container in self.containers.values():
            if container.process.poll() is None:
                os.killpg(container.process.pid, signal.SIGTERM)
        for container in self.containers.values():
            try:
                container.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(container.process.pid, signal.SIGKILL)
                container.process.wait(timeout=10)
        self.containers.clear()


def _error_summary(line: str) -> str | None:
    """One log line's error in a line: a structured record's message and the exception's last line (its type
    and text), or a plain line that names an error."""
    if line.startswith("{"):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        if isinstance(record, dict):
            if record.get("exception"):
                return f"{record.get('message')}: {str(record['exception']).strip().splitlines()[-1]}"
            if str(record.get("level", "")).upper() in ("ERROR", "CRITICAL"):
                return str(record.get("message"))
            return None
    if "Error" in line or "Traceback" in line:
        return line[:500]
    return None
