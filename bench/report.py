"""Targets, the printed table and bench/results.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import cpu_check

COLD_AUTHORIZER_MS = 250.0
COLD_MODULE_MS = 600.0  # only when the floor could not be measured
# A module function's cold start over the floor function's (FastAPI + Mangum + pydantic + psycopg + Powertools, one
# route), samples alternating: what its own routes, models and imports may add to the framework.
COLD_FLOOR_RATIO = 1.25
# `--scale N`: a main list, detail or dashboard route may cost at most this much more at N× the data than at 1×.
GROWTH_LIMIT = 1.5
WARM_DETAIL_MS = 2.0
WARM_LIST_MS = 5.0
# Dashboards and reports: the figures of a whole module (or of every readable one) on one screen.
WARM_REPORT_MS = 10.0
TARGETS = {"detail": WARM_DETAIL_MS, "list": WARM_LIST_MS, "report": WARM_REPORT_MS}
# The main item list on a small store (200 items): a page's fixed cost, when the query itself is about 1 ms.
SMALL_LIST_MS = 2.5

# Why a cold-start target is missed and what would reach it, per package that dominates the import time.
REMEDIES = {
    "aws_lambda_powertools": "import Logger/Metrics lazily or use stdlib logging+EMF print in the authorizer",
    "pydantic_settings": "read the few settings with os.environ in the authorizer (pydantic-settings pulls pydantic)",
    "pydantic": "defer_build=True on the layer's base models; fewer models and routes per function",
    "fastapi": "unavoidable per FastAPI function; trim with fewer routers/models imported at start",
    "psycopg": "psycopg[binary] loads libpq at import; the c extension is already the fastest option",
    "jwt": "pyjwt: keep cryptography out of the layer (it is blocked here as in Lambda)",
    "botocore": "import boto3/botocore lazily in the routes that need them",
    "openpyxl": "import openpyxl inside the export routes only",
}


def cold_note(cold: dict[str, Any]) -> str:
    if cold.get("error"):
        return "error: " + str(cold["error"])
    if cold.get("verdict") != "MISS":
        return ""
    if "target_ratio" in cold:
        over = f"{cold['ratio']:.2f}x the floor (target {cold['target_ratio']:.2f}x)"
    else:
        over = f"over by {cold['median_ms'] - cold['target_ms']:.0f} ms"
    costly = sorted(cold.get("packages_ms", {}).items(), key=lambda kv: -kv[1])
    heavy = [f"{k} {v:.0f} ms" for k, v in costly if v >= 20][:4]
    own = sorted(cold.get("self_by_package_ms", {}).items(), key=lambda kv: -kv[1])[:3]
    fixes = [REMEDIES[k] for k, _ in costly[:4] if k in REMEDIES][:2]
    return (
        f"{over}; imports: {', '.join(heavy)}; self time: {', '.join(f'{k} {v:.0f} ms' for k, v in own)}; "
        + "; ".join(fixes)
    )


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


def _table(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    widths[0] = min(widths[0], 70)
    lines = [f"\n== {title} ==", _row(header, widths), _row(["-" * w for w in widths], widths)]
    lines += [_row([str(c)[:70] if i == 0 else str(c) for i, c in enumerate(r)], widths) for r in rows]
    return "\n".join(lines)


def render(results: dict[str, Any]) -> str:
    out: list[str] = [f"Farm ERP bench — {results['machine']}"]
    if results.get("cpu_check"):
        out.append(cpu_check.render(results["cpu_check"]))
    seed = results.get("seed", {})
    if seed:
        counts = ", ".join(f"{k} {v:,}" for k, v in seed.get("counts", {}).items())
        out.append(f"seed ({sum(seed.get('seconds', {}).values()):.1f} s): {counts}")
        for k, v in seed.get("skipped", {}).items():
            out.append(f"  seed block {k} skipped: {v}")
    small = results.get("small_store")
    if small:
        sizes = ", ".join(f"{k} {v}" for k, v in small.get("sizes", {}).items())
        if small.get("error"):
            out.append(f"small store ({sizes}): {small['error']}")
        else:
            out.append(
                f"small store ({sizes}): {small['label']} p50 {small['p50_ms']:.2f} ms, p95 {small['p95_ms']:.2f} ms "
                f"over {small['calls']} calls (target {small['target_ms']:.1f} ms: {small['verdict']})"
            )
    out.append(_cold_table(results))
    for c in results.get("cold_start", []):
        if c.get("note"):
            out.append(f"  {c['function']}: {c['note']}")
    rows = []
    for w in results.get("warm", []):
        rows.append(
            [
                w["label"],
                w["kind"] + ("*" if w["main"] else ""),
                str(w.get("calls", "")),
                f"{w['p50_ms']:.2f}" if "p50_ms" in w else "-",
                f"{w['p95_ms']:.2f}" if "p95_ms" in w else "-",
                str(w.get("sql", "-")),
                str(w.get("total", "") if w.get("total") is not None else ""),
                w.get("verdict", ""),
                w.get("note", "")[:60],
            ]
        )
    auth = results.get("authorizer_warm")
    if auth:
        rows.append(
            [
                "authorizer TOKEN (DB lookup)",
                "auth",
                str(auth["calls"]),
                f"{auth['p50_ms']:.2f}",
                f"{auth['p95_ms']:.2f}",
                str(auth.get("sql", "-")),
                "",
                "",
                "",
            ]
        )
    out.append(
        _table(
            "warm in-process handler latency (ms; * = main route)",
            ["route", "kind", "calls", "p50", "p95", "sql", "rows", "ok?", "note"],
            rows,
        )
    )
    rows = []
    for s in results.get("sql_page_size", []):
        rows.append([s["label"], str(s["limit_5"]), str(s["limit_50"]), "yes" if s["constant"] else "NO (N+1?)"])
    out.append(
        _table("SQL statements per list request vs page size", ["route", "limit=5", "limit=50", "constant"], rows)
    )
    rows = []
    for g in results.get("gateway_load", []):
        rows.append(
            [
                g["route"],
                str(g["clients"]),
                f"{g['seconds']:.0f}",
                str(g["requests"]),
                str(g["errors"]),
                f"{g['rps']:.0f}",
                f"{g['p50_ms']:.1f}",
                f"{g['p95_ms']:.1f}",
            ]
        )
    out.append(
        _table(
            "local gateway over HTTP (loopback, worker processes, authorizer cache on)",
            ["route", "clients", "s", "requests", "errors", "req/s", "p50 ms", "p95 ms"],
            rows,
        )
    )
    if results.get("scale"):
        out.append(_growth_table(results["scale"]))
    for f in results.get("skipped_functions", []):
        out.append(f"function {f['function']} not measured: {f['error']}")
    out.append(f"\ntotal bench time {results.get('bench_seconds', 0):.0f} s; written to bench/results.json")
    return "\n".join(out)


def _cold_table(results: dict[str, Any]) -> str:
    floor = results.get("cold_floor")
    colds = results.get("cold_start", [])
    rows = []
    for c in ([{**floor, "verdict": "", "floor_ms": None}] if floor else []) + colds:
        if c.get("error"):
            rows.append([c["function"], "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "error", ""])
            continue
        target = f"{c['target_ratio']:.2f}x" if "target_ratio" in c else f"{c.get('target_ms', 0):.0f} ms"
        rows.append(
            [
                c["function"],
                f"{c['median_ms']:.0f}",
                f"{c['floor_ms']:.0f}" if c.get("floor_ms") else "",
                f"{c['ratio']:.2f}" if c.get("ratio") else "",
                f"{c.get('cpu_ms', 0):.0f}",
                f"{c['cpu_ratio']:.2f}" if c.get("cpu_ratio") else "",
                f"{c['startup_ms']:.0f}",
                f"{c['import_ms']:.0f}",
                f"{c['first_request_ms']:.0f}",
                f"{c.get('own_code_ms', 0):.0f}",
                target if c.get("verdict") else "",
                c.get("verdict", ""),
                " ".join(
                    f"{k}={v:.0f}" for k, v in sorted(c.get("packages_ms", {}).items(), key=lambda kv: -kv[1])[:6]
                ),
            ]
        )
    n = results.get("cold_samples", 5)
    return _table(
        f"cold start (ms, median of {n}: spawn → response, first DB connection included; floor and module samples "
        "alternate, ratio = median of module/floor pairs; cpu = the process's CPU time, steadier on a busy machine)",
        [
            "function",
            "total",
            "floor",
            "ratio",
            "cpu",
            "cpu ratio",
            "python",
            "import",
            "1st req",
            "own code",
            "target",
            "ok?",
            "cumulative imports (incl. their dependencies)",
        ],
        rows,
    )


def _growth_table(scale: dict[str, Any]) -> str:
    factor = scale["factor"]
    lines = []
    counts = ", ".join(f"{k} {v:,}" for k, v in scale.get("seed", {}).get("counts", {}).items())
    lines.append(f"\ngrown to {factor}x in {sum(scale.get('seed', {}).get('seconds', {}).values()):.1f} s: {counts}")
    for k, v in scale.get("seed", {}).get("skipped", {}).items():
        lines.append(f"  grow block {k} skipped: {v}")
    if scale.get("control"):
        lines.append(
            f"control (its data does not grow): {scale['control']}, its calls alternating with each route's; "
            "'control' = its own 10x/1x ratio next to that route, '÷ control' = the route's growth divided by it"
        )
    rows = [
        [
            r["label"],
            r["kind"],
            f"{r['p50_1x_ms']:.2f}",
            f"{r['p50_ms']:.2f}",
            f"{r['ratio']:.2f}",
            f"{r.get('control_ratio', 1.0):.2f}",
            f"{r.get('ratio_vs_control', r['ratio']):.2f}",
            str(r["errors"]) if r["errors"] else "",
            r["verdict"],
        ]
        for r in scale.get("routes", [])
    ]
    table = _table(
        f"cost with history: p50 ms at 1x and {factor}x the data (growth above {GROWTH_LIMIT}x flagged; "
        "'drift' = above it only as measured, within it once divided by the control's change)",
        ["route", "kind", "1x", f"{factor}x", "growth", "control", "÷ control", "errors", "ok?"],
        rows,
    )
    return "\n".join(lines) + table


def write(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
