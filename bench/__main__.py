"""`python -m bench` (what `make bench` runs): seed, then warm latency, SQL counts, cold starts against the framework
floor, gateway load; with `--scale N`, then grow every volume table to N× and measure the main routes again."""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time
from pathlib import Path
from typing import Any

from bench import env
from local.bytecode import compile_tree

env.configure()


def main() -> None:
    parser = argparse.ArgumentParser(description="Measure Farm ERP performance against the embedded PostgreSQL.")
    parser.add_argument("--samples", type=int, default=5, help="cold-start samples per function")
    parser.add_argument("--load-seconds", type=float, default=10.0, help="gateway load duration per route")
    parser.add_argument("--skip-load", action="store_true", help="skip the HTTP gateway load test")
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        help="after the 1× figures, grow every volume table to SCALE× and measure the main list, detail and "
        "dashboard routes again (their 1× and SCALE× p50 side by side)",
    )
    parser.add_argument(
        "--cold-only",
        action="store_true",
        help="cold starts against the floor only, on a database with users but no volume (a quick check of an "
        "import-time change; the first requests then read empty tables)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another copy of the project (e.g. `git archive main layers functions | tar -x -C DIR`): its "
        "functions are cold-started in the same alternation, so a change's before and after come from one run",
    )
    args = parser.parse_args()
    if args.cold_only and args.scale > 1:
        parser.error("--cold-only measures no warm route: it cannot be combined with --scale")
    if args.scale < 1:
        parser.error("--scale must be 1 or more")
    started = time.perf_counter()

    from bench import coldstart, cpu_check, gateway_load, report, revalidation, routes, seed, sqlcount, warm

    _, url = env.start_database()
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, "
        f"load avg at start {os.getloadavg()[0]:.1f}",
    }
    seeded = seed.seed(url, volume=False)
    results["cpu_check"] = checks = {"start": cpu_check.loop_ms()}
    config, functions = env.module_functions()
    from local.gateway import Gateway
    from local.invokers import InProcessInvoker, load_handler
    from local.lambda_context import LambdaContext

    recorder = routes.Recorder(InProcessInvoker())
    gateway = Gateway(config, recorder, authorizer_ttl=3600)
    admin_token = seeded.users["admin_token"]
    live = [f for f in functions if not f.error]
    if not args.cold_only:
        results["small_store"] = _small_store(url, seeded.users["admin_id"], live, gateway, recorder, admin_token)
        print("seeding (bulk SQL)...", flush=True)
        seed.volume(url, seeded.users["admin_id"], seeded)
    print(f"  seeded in {sum(seeded.seconds.values()):.1f} s: {seeded.seconds}", flush=True)
    results["seed"] = {"seconds": seeded.seconds, "counts": seeded.counts, "skipped": seeded.skipped}
    results["skipped_functions"] = [{"function": f.logical_id, "error": f.error} for f in functions if f.error]

    print(f"routes of {', '.join(f.logical_id for f in live)}...", flush=True)
    cases = {f.logical_id: routes.build_cases(f, gateway, recorder, admin_token) for f in live}

    token_event = {
        "type": "TOKEN",
        "authorizationToken": f"Bearer {admin_token}",
        "methodArn": f"arn:aws:execute-api:local:000000000000:localapi/{config.stage}/GET/inventory/items",
    }
    if not args.cold_only:
        print("warm latency and SQL counts...", flush=True)
        checks["before the warm routes"] = cpu_check.loop_ms()
        results["warm"], results["sql_page_size"] = _warm(live, cases, warm, sqlcount)
        checks["after them"] = cpu_check.loop_ms()
        authorizer = load_handler(config.authorizer)
        auth = warm.measure(warm.authorizer_call(authorizer, token_event), main=True)
        with sqlcount.counting() as counter:
            authorizer(token_event, LambdaContext("bench"))
        results["authorizer_warm"] = {
            "calls": auth.calls,
            "p50_ms": auth.p50_ms,
            "p95_ms": auth.p95_ms,
            "max_ms": auth.max_ms,
            "errors": auth.errors,
            "sql": len(counter.statements),
        }

    from bench import access_check, serialization

    results["caller_check"] = access_check.measure(seeded.users["reader_token"])
    if not args.cold_only:
        results["serialisation"] = _serialisation(live, cases, serialization)

    print("revalidation (ETag / 304)...", flush=True)
    results["revalidation"] = revalidation.run(gateway, admin_token)

    print("cold starts...", flush=True)
    checks["before the cold starts"] = cpu_check.loop_ms()
    # Measure what `make build` deploys: the project's modules with their bytecode compiled (the venv's packages
    # already have theirs), so a cold start pays for importing, not for compiling.
    for root in (env.ROOT, *([args.baseline] if args.baseline else [])):
        for tree in ("layers/core", "functions"):
            compile_tree(root / tree, artifact=False)
    child_env = dict(os.environ)
    auth = config.authorizer
    subjects = [coldstart.Subject("AuthorizerFunction", auth.code_uri, auth.module, auth.attr, "TOKEN", token_event)]
    for f in live:
        case = _cold_case(cases[f.logical_id])
        if case is None or case.event is None:
            results["skipped_functions"].append({"function": f.logical_id, "error": "no GET route answered 200"})
            continue
        subjects.append(coldstart.Subject(f.logical_id, f.code_uri, f.module, f.attr, case.label, case.event))
    if args.baseline is not None:
        root = args.baseline.resolve()
        subjects += [dataclasses.replace(s, function=f"{s.function} (baseline)", root=root) for s in list(subjects)]
    floor_event = next((s.event for s in subjects if not s.function.startswith("AuthorizerFunction")), None)
    if floor_event is None:
        colds = [coldstart.measure(s, child_env, args.samples) for s in subjects]
    else:
        floor, colds = coldstart.measure_against_floor(subjects, floor_event, child_env, args.samples)
        results["cold_floor"] = floor.__dict__
    results["cold_start"] = [_cold_dict(c, report) for c in colds]
    results["cold_samples"] = args.samples

    if not args.skip_load and not args.cold_only:
        results["gateway_load"] = _load(cases, admin_token, args.load_seconds, gateway_load)
    if args.scale > 1:
        results["scale"] = _scaled(url, seeded.users["admin_id"], args.scale, live, cases, warm, seed)
    checks["end"] = cpu_check.loop_ms()
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    report.write(results, env.ROOT / "bench" / "results.json")
    print(report.render(results))
    print(access_check.render(results["caller_check"]))
    if results.get("serialisation"):
        print(serialization.render(results["serialisation"]))
    print(revalidation.render(results["revalidation"]))


def _warm(live: list[Any], cases: dict[str, list[Any]], warm: Any, sqlcount: Any) -> tuple[list[Any], list[Any]]:
    from bench.report import TARGETS, WARM_LIST_MS

    rows: list[dict[str, Any]] = []
    page_size: list[dict[str, Any]] = []
    for f in live:
        for case in cases[f.logical_id]:
            row: dict[str, Any] = {
                "function": f.logical_id,
                "label": case.label,
                "kind": case.kind,
                "main": case.main,
                "total": case.total,
                "note": case.note,
            }
            rows.append(row)
            if case.event is None:
                continue
            lat = warm.measure(warm.handler_call(f.handler, case.event), main=case.main)
            n, statements, _ = sqlcount.count(f.handler, case.event)
            row.update(
                {
                    "calls": lat.calls,
                    "p50_ms": lat.p50_ms,
                    "p95_ms": lat.p95_ms,
                    "max_ms": lat.max_ms,
                    "errors": lat.errors,
                    "sql": n,
                    "statements": statements,
                }
            )
            target = TARGETS.get(case.kind)
            if target is not None:
                row["target_ms"] = target
                row["verdict"] = "ok" if lat.p50_ms <= target else "MISS"
            if statements and (row.get("verdict") == "MISS" or lat.p50_ms > WARM_LIST_MS):
                slowest = max(statements)  # "  12.34 ms  SELECT ..." sorts by its time
                row["note"] = "slowest SQL " + " ".join(slowest.split())
            if "limit" in case.query:
                n5 = sqlcount.count(f.handler, sqlcount.with_limit(case.event, 5))[0]
                n50 = sqlcount.count(f.handler, sqlcount.with_limit(case.event, 50))[0]
                page_size.append({"label": case.label, "limit_5": n5, "limit_50": n50, "constant": n5 == n50})
    return rows, page_size


def _serialisation(live: list[Any], cases: dict[str, list[Any]], serialization: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for f in live:
        for case in cases[f.logical_id]:
            if case.main and case.event is not None:
                measured = serialization.measure(f.handler, case.event)
                if measured is not None:
                    rows.append({"function": f.logical_id, "label": case.label, **measured})
    return rows


def _scaled(
    url: str, admin: int, scale: int, live: list[Any], cases: dict[str, list[Any]], warm: Any, seed: Any
) -> Any:
    """The main list, detail and dashboard routes at 1×, then on the database grown to `scale`×, measured back to back
    (not next to the first warm pass, minutes earlier) so that the machine's drift weighs little on the ratio."""
    from bench.report import GROWTH_LIMIT

    picked = [(f, c) for f in live for c in cases[f.logical_id] if c.event is not None and _grows(c)]
    control = _control(live, cases)
    print(f"main list, detail and dashboard routes at 1x ({len(picked)})...", flush=True)
    at_1x = [_measure_with_control(f, c, control, warm) for f, c in picked]
    print(f"growing every volume table to {scale}x...", flush=True)
    grown = seed.grow(url, admin, scale)
    print(f"  grown in {sum(grown.seconds.values()):.1f} s: {grown.seconds}", flush=True)
    print(f"the same routes at {scale}x...", flush=True)
    at_nx = [_measure_with_control(f, c, control, warm) for f, c in picked]
    rows = []
    for (f, case), (before, ctl_1x), (lat, ctl_nx) in zip(picked, at_1x, at_nx, strict=True):
        ratio = lat.p50_ms / before.p50_ms if before.p50_ms else 0.0
        # The control's data does not grow: its ratio is how much the machine itself changed between this route's
        # two measurements (after writing gigabytes, or with other tenants on a shared host, the machine is not the
        # same twice); the route's calls alternate with the control's, so both saw the same moments.
        drift = ctl_nx.p50_ms / ctl_1x.p50_ms if ctl_1x is not None and ctl_nx is not None and ctl_1x.p50_ms else 1.0
        rows.append(
            {
                "function": f.logical_id,
                "label": case.label,
                "kind": case.kind,
                "p50_1x_ms": before.p50_ms,
                "p50_ms": lat.p50_ms,
                "p95_ms": lat.p95_ms,
                "calls": lat.calls,
                "errors": lat.errors + before.errors,
                "ratio": round(ratio, 2),
                "control_ratio": round(drift, 2),
                "ratio_vs_control": round(ratio / drift, 2),
                "verdict": "ok" if ratio <= GROWTH_LIMIT else "drift" if ratio / drift <= GROWTH_LIMIT else "GROWS",
            }
        )
    return {
        "factor": scale,
        "seed": {"seconds": grown.seconds, "counts": grown.counts, "skipped": grown.skipped},
        "control": control[1].label if control else None,
        "routes": rows,
    }


# Routes whose data the growth does not touch (users and sessions are not volume tables), first found wins.
CONTROL_ROUTES = ("/admin/users", "/auth/sessions", "/ping")


def _control(live: list[Any], cases: dict[str, list[Any]]) -> tuple[Any, Any] | None:
    found = {c.template: (f, c) for f in live for c in cases[f.logical_id] if c.event is not None}
    return next((found[t] for t in CONTROL_ROUTES if t in found), None)


def _measure_with_control(f: Any, case: Any, control: tuple[Any, Any] | None, warm: Any) -> tuple[Any, Any]:
    """The route's latency, and the control's measured in alternation with it (None without a control)."""
    call = warm.handler_call(f.handler, case.event)
    if control is None:
        return warm.measure(call, main=case.main), None
    cf, cc = control
    out, ctl = warm.measure_alongside(call, warm.handler_call(cf.handler, cc.event))
    return out, ctl


def _small_store(url: str, admin: int, live: list[Any], gateway: Any, recorder: Any, token: str) -> dict[str, Any]:
    """The main item list on a small store (seed.SMALL_STORE), before the volume is written: what a page costs when
    the tables are small. The store is emptied again afterwards."""
    from bench import routes, seed, warm
    from bench.report import SMALL_LIST_MS

    sizes = ", ".join(f"{k} {v}" for k, v in seed.SMALL_STORE.items())
    print(f"small store ({sizes})...", flush=True)
    seed.small_store(url, admin)
    out: dict[str, Any] = {"sizes": seed.SMALL_STORE, "target_ms": SMALL_LIST_MS}
    inventory = next((f for f in live if f.logical_id == "InventoryFunction"), None)
    case = None
    if inventory is not None:
        case = next(
            (c for c in routes.build_cases(inventory, gateway, recorder, token) if c.main and c.kind == "list"), None
        )
    if inventory is None or case is None or case.event is None:
        out["error"] = "the inventory function or its item list could not be measured"
    else:
        lat = warm.measure(warm.handler_call(inventory.handler, case.event), main=True)
        out.update(label=case.label, calls=lat.calls, p50_ms=lat.p50_ms, p95_ms=lat.p95_ms, errors=lat.errors)
        out["verdict"] = "ok" if lat.p50_ms <= SMALL_LIST_MS else "MISS"
    seed.clear_store(url)
    return out


def _grows(case: Any) -> bool:
    """Routes whose cost must not grow with history: a module's main list and detail, and every dashboard."""
    return bool(case.main) or "dashboard" in case.template


def _cold_case(function_cases: list[Any]) -> Any:
    """The route a cold container serves first: the main list, else any read that answers 200."""
    ok = [c for c in function_cases if c.event is not None]
    return next((c for c in ok if c.main and c.kind == "list"), ok[0] if ok else None)


def _cold_dict(c: Any, report: Any) -> dict[str, Any]:
    """The authorizer (no FastAPI) keeps an absolute target; a module function's target is its ratio to the floor."""
    out = dict(c.__dict__)
    authorizer = c.function.startswith("AuthorizerFunction")
    if authorizer or c.ratio is None:
        target = report.COLD_AUTHORIZER_MS if authorizer else report.COLD_MODULE_MS
        out["target_ms"] = target
        out["verdict"] = "error" if c.error else ("ok" if c.median_ms <= target else "MISS")
    else:
        out["target_ratio"] = report.COLD_FLOOR_RATIO
        out["verdict"] = "error" if c.error else ("ok" if c.ratio <= report.COLD_FLOOR_RATIO else "MISS")
    out["note"] = report.cold_note(out)
    return out


def _load(cases: dict[str, list[Any]], token: str, seconds: float, gateway_load: Any) -> list[dict[str, Any]]:
    """Two read routes: the inventory item list and item detail when they exist, else the first main routes."""
    mains = [
        c
        for fn in sorted(cases, key=lambda k: k != "InventoryFunction")
        for c in cases[fn]
        if c.main and c.event is not None
    ]
    picked = mains[:2] or [c for fn in cases for c in cases[fn] if c.event is not None][:2]
    proc, base = gateway_load.start_server()
    try:
        out = []
        for case in picked:
            path = case.label.removeprefix("GET ")
            out.append(gateway_load.run(base, path, token, seconds).__dict__)
        return out
    finally:
        gateway_load.stop_server(proc)


if __name__ == "__main__":
    main()
