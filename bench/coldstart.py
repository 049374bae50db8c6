"""Cold start: a fresh `python -X importtime` process per sample that imports a function's handler the way Lambda
does (CodeUri and the layer on sys.path) and serves one real event against the database, first connection
included. The time runs from the parent's spawn to the response, so interpreter start-up counts too.

The child sees only what the deployed function would: packages installed in the dev virtualenv but absent from
the layer and the Lambda runtime (cryptography above all, which pyjwt would pick up) are made unimportable."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.env import ROOT

SAMPLES = 5
# What the python3.12 Lambda runtime provides besides the standard library.
RUNTIME_DISTRIBUTIONS = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
# Packages whose cost the report names one by one (cumulative import time of their first import).
WATCHED = (
    "fastapi",
    "starlette",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "psycopg",
    "jwt",
    "bcrypt",
    "aws_lambda_powertools",
    "mangum",
    "botocore",
    "boto3",
    "openpyxl",
    "anyio",
    "typing_extensions",
)
STDLIB_HEAVY = ("asyncio", "ctypes", "email", "http", "inspect", "typing", "dataclasses", "importlib", "json")

CHILD = r"""
import json, sys, time
started_wall = time.time()
root, code_dir, module, attr, event_path, blocked = sys.argv[1:7]
blocked = set(json.loads(blocked))

class _Absent:
    # Packages the deployed function does not have: import them and get what Lambda would give.
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _Absent())
sys.path[:0] = [code_dir, root + "/layers/core"]

class Context:
    function_name = "bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:local:000000000000:function:bench"
    aws_request_id = "bench-cold-start"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"
    function_version = "$LATEST"
    def get_remaining_time_in_millis(self):
        return 29000

t0 = time.perf_counter()
import importlib
handler = getattr(importlib.import_module(module), attr)
t1 = time.perf_counter()
with open(event_path) as fh:
    event = json.load(fh)
try:
    result = handler(event, Context())
    outcome = str(result.get("statusCode", "policy" if "policyDocument" in result else "?"))
except Exception as exc:
    outcome = "raised " + str(exc)
t2 = time.perf_counter()
done_wall = time.time()
print(json.dumps({"started_wall": started_wall, "done_wall": done_wall, "import_ms": (t1 - t0) * 1000,
                  "first_request_ms": (t2 - t1) * 1000, "outcome": outcome,
                  "cryptography": "cryptography" in sys.modules}))
"""

_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


@dataclass
class ColdStart:
    function: str
    route: str
    samples_ms: list[float] = field(default_factory=list)
    median_ms: float = 0.0
    startup_ms: float = 0.0
    import_ms: float = 0.0
    first_request_ms: float = 0.0
    packages_ms: dict[str, float] = field(default_factory=dict)
    own_code_ms: float = 0.0
    self_by_package_ms: dict[str, float] = field(default_factory=dict)
    outcome: str = ""
    error: str | None = None
    floor_ms: float | None = None  # median of the floor samples taken just before this function's
    ratio: float | None = None  # median of this function's samples over the floor sample before each
    cpu_ms: float = 0.0  # median CPU time of the child process (user + system)
    cpu_ratio: float | None = None  # as `ratio`, with CPU times


def parse_importtime(stderr: str) -> tuple[dict[str, float], dict[str, float]]:
    """(cumulative ms of each watched third-party package's outermost import: its own dependencies included, so
    fastapi's figure contains starlette's and pydantic's; self ms summed per top-level package, top 12)."""
    cumulative: dict[str, float] = {}
    self_by_pkg: dict[str, float] = {}
    stack: list[tuple[int, str]] = []  # (depth, top-level package) of the enclosing imports
    entries: list[tuple[int, str, int, int]] = []
    for line in stderr.splitlines():
        m = _LINE.match(line)
        if m:
            entries.append((len(m.group(3)) // 2, m.group(4), int(m.group(1)), int(m.group(2))))
    # importtime prints a module after its children: walk backwards to see parents before children.
    for depth, name, self_us, cum_us in reversed(entries):
        top = name.partition(".")[0]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        outer = all(pkg != top for _, pkg in stack)
        stack.append((depth, top))
        self_by_pkg[top] = self_by_pkg.get(top, 0.0) + self_us / 1000
        if outer and top in WATCHED:
            cumulative[top] = cumulative.get(top, 0.0) + cum_us / 1000
    top_self = dict(sorted(self_by_pkg.items(), key=lambda kv: -kv[1])[:12])
    return {k: round(v, 1) for k, v in cumulative.items()}, {k: round(v, 1) for k, v in top_self.items()}


def blocked_packages(code_uri: str, root: Path = ROOT) -> list[str]:
    """Top-level import names installed here but in neither the layer, the function's own requirements nor the
    Lambda runtime."""
    wanted = set(RUNTIME_DISTRIBUTIONS)
    for req_file in (root / "layers/core/requirements.txt", root / code_uri / "requirements.txt"):
        if req_file.exists():
            for line in req_file.read_text().splitlines():
                name = re.split(r"[\[=<>~! ;]", line.strip(), maxsplit=1)[0]
                if name and not name.startswith("#"):
                    wanted.add(name)
    allowed = _closure(wanted)
    blocked: set[str] = set()
    for top, dists in metadata.packages_distributions().items():
        if not any(_norm(d) in allowed for d in dists) and not top.startswith("_"):
            blocked.add(top)
    return sorted(blocked - set(sys.stdlib_module_names))


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(names: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = [_norm(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for req in requires:
            if "extra ==" in req and "binary" not in req:
                continue  # optional extras are not installed in the layer (psycopg[binary] is)
            todo.append(_norm(re.split(r"[\[=<>~! ;(]", req.strip(), maxsplit=1)[0]))
    return seen


@dataclass(frozen=True)
class Subject:
    """A function to cold-start: where its code is, its handler, and the event its first request serves."""

    function: str
    code_uri: str
    module: str
    attr: str
    route: str
    event: dict[str, Any]
    # The checkout whose layer and code it runs (the working tree, or a baseline to compare with in the same run).
    root: Path = ROOT


FLOOR = Subject("floor", "bench/floor_function", "floor_api.main", "handler", "", {})


def measure(subject: Subject, env: dict[str, str], samples: int = SAMPLES) -> ColdStart:
    """`samples` cold starts of one function in a row."""
    with _prepared(subject, env) as run:
        runs = []
        for _ in range(samples):
            one = run()
            if isinstance(one, str):
                return ColdStart(subject.function, subject.route, error=one)
            runs.append(one)
    return _summary(subject, runs)


def measure_against_floor(
    subjects: list[Subject], event: dict[str, Any], env: dict[str, str], samples: int = SAMPLES
) -> tuple[ColdStart, list[ColdStart]]:
    """Cold starts of the floor function and of each subject, alternating floor, subject, floor, subject… so that a
    change in the machine's speed or load during the run weighs on both sides of every ratio alike.

    Each subject's `ratio` is the median of its per-pair ratios (its sample over the floor sample just before it);
    the floor's own figures are over all its samples. The floor serves `event` (a module function's)."""
    floor = dataclasses.replace(FLOOR, route=event.get("path", ""), event=event)
    floor_runs: list[dict[str, Any]] = []
    pairs: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {s.function: [] for s in subjects}
    errors: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        run_floor = stack.enter_context(_prepared(floor, env))
        runners = {s.function: stack.enter_context(_prepared(s, env)) for s in subjects}
        for _ in range(samples):
            for s in subjects:
                if s.function in errors:
                    continue
                before, one = run_floor(), runners[s.function]()
                if isinstance(before, str):
                    return ColdStart(floor.function, floor.route, error=before), []
                floor_runs.append(before)
                if isinstance(one, str):
                    errors[s.function] = one
                    continue
                pairs[s.function].append((before, one))
    out = []
    for s in subjects:
        if s.function in errors:
            out.append(ColdStart(s.function, s.route, error=errors[s.function]))
            continue
        result = _summary(s, [one for _, one in pairs[s.function]])
        result.floor_ms = round(statistics.median(f["total_ms"] for f, _ in pairs[s.function]), 1)
        result.ratio = round(statistics.median(one["total_ms"] / f["total_ms"] for f, one in pairs[s.function]), 2)
        result.cpu_ratio = round(statistics.median(one["cpu_ms"] / f["cpu_ms"] for f, one in pairs[s.function]), 2)
        out.append(result)
    return _summary(floor, floor_runs), out


@contextlib.contextmanager
def _prepared(subject: Subject, env: dict[str, str]) -> Iterator[Callable[[], dict[str, Any] | str]]:
    """A callable that runs one cold start of `subject` and returns its figures, or the error as a string."""
    blocked = json.dumps(blocked_packages(subject.code_uri, subject.root))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(subject.event, fh)
        event_path = fh.name

    def run() -> dict[str, Any] | str:
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        spawned = time.time()
        proc = subprocess.run(
            [
                sys.executable,
                "-X",
                "importtime",
                "-c",
                CHILD,
                str(subject.root),
                str(subject.root / subject.code_uri),
                subject.module,
                subject.attr,
                event_path,
                blocked,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            cwd=tempfile.gettempdir(),
            check=False,
        )
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{") and "done_wall" in ln]
        if proc.returncode != 0 or not lines:
            return (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        one: dict[str, Any] = json.loads(lines[-1])
        one["total_ms"] = (one["done_wall"] - spawned) * 1000
        # The child's own CPU time (children run one at a time): unlike the wall time it does not count the time the
        # child waited for a CPU, so on a busy machine it is the steadier figure.
        one["cpu_ms"] = (cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime) * 1000
        one["startup_ms"] = (one["started_wall"] - spawned) * 1000
        one["importtime"] = parse_importtime(proc.stderr)
        return one

    try:
        yield run
    finally:
        Path(event_path).unlink(missing_ok=True)


def _summary(subject: Subject, runs: list[dict[str, Any]]) -> ColdStart:
    result = ColdStart(subject.function, subject.route)
    result.samples_ms = [round(r["total_ms"], 1) for r in runs]
    result.median_ms = round(statistics.median(result.samples_ms), 1)
    result.cpu_ms = round(statistics.median(r["cpu_ms"] for r in runs), 1)
    result.startup_ms = round(statistics.median(r["startup_ms"] for r in runs), 1)
    result.import_ms = round(statistics.median(r["import_ms"] for r in runs), 1)
    result.first_request_ms = round(statistics.median(r["first_request_ms"] for r in runs), 1)
    result.outcome = runs[-1]["outcome"]
    # The breakdown of the median sample (importtime itself adds a little to every import).
    median_run = sorted(runs, key=lambda r: r["total_ms"])[len(runs) // 2]
    result.packages_ms, result.self_by_package_ms = median_run["importtime"]
    own = ("farm_erp", subject.module.partition(".")[0])
    result.own_code_ms = round(sum(v for k, v in result.self_by_package_ms.items() if k in own), 1)
    return result
