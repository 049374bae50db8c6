"""The artifacts as deployed: the functions and the layer built by `sam build` (for this machine's CPU), run with
nothing but the artifact, awslambdaric and boto3 under the Lambda Runtime API (aws-sam-cli's runtime interface
emulator), through one real flow. Broken copies of the artifact show that the check catches a package missing
from a requirements file, an import of a development-only package, and a wrong handler path."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from local import artifact, embedded_db
from local.rie import Built, RieInvoker
from local.template_routes import ApiConfig, api_config
from tests.build.flow import ADMIN_EMAIL, FIRST_PASSWORD, Flow, FlowError

pytestmark = pytest.mark.build

DATABASE = "farm_build"
STEPS = [
    "migrate",
    "login",
    "change password",
    "authorizer",
    "list units",
    "create item",
    "add stock",
    "export",
    "biofloc read",
    "expiry job",
]


def fresh_database(server: Any) -> str:
    """An empty database: the migrate function creates the schema, as on a first deploy."""
    ident = psycopg.sql.Identifier(DATABASE)
    with psycopg.connect(embedded_db.url(server, "postgres"), autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(ident))
    return embedded_db.url(server, DATABASE)


def function_env(database_url: str) -> dict[str, str]:
    """What the template and a deploy give the functions, pointed at the embedded database. AWS calls go to a
    closed local port, so nothing can reach out."""
    return {
        "ENVIRONMENT": "dev",
        "DATABASE_URL": database_url,
        "JWT_SECRET": secrets.token_urlsafe(48),
        "JWT_KID": "k1",
        "BCRYPT_ROUNDS": "4",
        "FARM_TIMEZONE": "UTC",
        "ALLOWED_ORIGINS": "*",
        "LOG_LEVEL": "INFO",
        "POWERTOOLS_SERVICE_NAME": "farm-erp",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "FARM_ADMIN_EMAIL": ADMIN_EMAIL,
        "FARM_ADMIN_PASSWORD": FIRST_PASSWORD,
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }


def run_flow(build_dir: Path, python: Path, server: Any, log_dir: Path) -> list[str]:
    config = api_config(build_dir / "template.yaml")
    invoker = RieInvoker(Built(build_dir), python, artifact.rie_binary(), function_env(fresh_database(server)), log_dir)
    try:
        return Flow(config, invoker, embedded_db.url(server, DATABASE)).run()
    finally:
        invoker.close()


def test_the_runtime_interpreter_sees_only_the_runtime_packages(built: tuple[Path, Path]) -> None:
    build_dir, python = built
    layer = build_dir / "CoreLayer" / "python"

    def imports(module: str, path: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {"PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1", **({"PYTHONPATH": str(path)} if path else {})}
        # cwd /: `-c` puts the working directory on the path, and the repository's own packages are there.
        return subprocess.run(
            [python, "-s", "-c", f"import {module}"], env=env, cwd="/", capture_output=True, text=True
        )

    for runtime_package in ("awslambdaric", "boto3"):
        assert imports(runtime_package).returncode == 0, runtime_package
    for dev_package in ("pytest", "httpx", "uvicorn", "moto", "openpyxl", "fastapi", "local", "farm_erp"):
        assert imports(dev_package).returncode != 0, f"{dev_package} importable without the artifact"
    assert imports("fastapi", layer).returncode == 0
    assert imports("farm_erp.http", layer).returncode == 0
    assert imports("pip").returncode != 0, "the runtime has no pip: what it needs comes from the artifact"


def test_the_built_functions_run_one_real_flow(built: tuple[Path, Path], pg_server: Any, tmp_path: Path) -> None:
    build_dir, python = built
    template = (build_dir / "template.yaml").read_text()
    assert f"Architectures:\n    - {artifact.lambda_arch()}" in template or f"- {artifact.lambda_arch()}" in template
    assert run_flow(build_dir, python, pg_server, tmp_path / "logs") == STEPS


def test_the_built_template_wires_what_the_source_template_does(built: tuple[Path, Path]) -> None:
    source, deployed = api_config(), api_config(built[0] / "template.yaml")

    def wiring(config: ApiConfig) -> Any:
        routes = sorted((r.method, r.path, r.public, r.function.logical_id, r.function.handler) for r in config.routes)
        schedules = {k: f.handler for k, f in config.schedules.items()}
        return routes, schedules, config.timetable, config.authorizer.handler, config.stage, config.authorizer_ttl

    assert wiring(deployed) == wiring(source)
    for fn in deployed.functions.values():
        assert (built[0] / fn.code_uri).is_dir(), fn


# --- broken copies of the artifact --------------------------------------------------------------------------------


def _remove(rel: str) -> Callable[[Path, Path], None]:
    def apply(root: Path, python: Path) -> None:
        target = root / rel
        assert target.is_dir(), target
        shutil.rmtree(target)

    return apply


def _import_in(rel: str, module: str) -> Callable[[Path, Path], None]:
    """Add `import <module>` to a copied module and compile it as the build does (the shipped .pyc files are
    unchecked, so an edited source alone would not be seen)."""

    def apply(root: Path, python: Path) -> None:
        source = root / rel
        source.write_text(source.read_text() + f"\nimport {module}  # noqa: E402, F401\n")
        compile_ = "import py_compile, sys; py_compile.compile(sys.argv[1], doraise=True, invalidation_mode="
        compile_ += "py_compile.PycInvalidationMode.UNCHECKED_HASH)"
        subprocess.run([python, "-c", compile_, str(source)], check=True)

    return apply


def _handler(old: str, new: str) -> Callable[[Path, Path], None]:
    def apply(root: Path, python: Path) -> None:
        template = root / "template.yaml"
        text = template.read_text()
        assert text.count(f"Handler: {old}\n") == 1, old
        template.write_text(text.replace(f"Handler: {old}\n", f"Handler: {new}\n"))

    return apply


BROKEN = {
    "function requirement missing (openpyxl)": (
        _remove("InventoryFunction/openpyxl"),
        r"step 'export' failed(.*\n)*"
        r"InventoryFunction: unhandled error: ModuleNotFoundError: No module named 'openpyxl'",
    ),
    "layer requirement missing (pyjwt)": (
        _remove("CoreLayer/python/jwt"),
        r"Runtime\.ImportModuleError: Unable to import module '[a-z_.]+': No module named 'jwt'",
    ),
    "dev-only import in a function (httpx)": (
        _import_in("BioflocFunction/biofloc_api/main.py", "httpx"),
        r"step 'biofloc read' failed(.*\n)*BioflocFunction: Runtime\.ImportModuleError: Unable to import module "
        r"'biofloc_api\.main': No module named 'httpx'",
    ),
    "dev-only import in the layer (pytest)": (
        _import_in("CoreLayer/python/farm_erp/audit.py", "pytest"),
        r"step 'migrate' failed(.*\n)*MigrateFunction: Runtime\.ImportModuleError: .*No module named 'pytest'",
    ),
    "wrong handler module": (
        _handler("inventory_api.main.handler", "inventory_api.mian.handler"),
        r"InventoryFunction: Runtime\.ImportModuleError: Unable to import module 'inventory_api\.mian'",
    ),
    "wrong handler name": (
        _handler("jwt_authorizer.main.handler", "jwt_authorizer.main.handle"),
        r"AuthorizerFunction: Runtime\.HandlerNotFound: Handler 'handle' missing on module 'jwt_authorizer\.main'",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_copy_fails_the_flow_clearly(
    case: str, built: tuple[Path, Path], pg_server: Any, tmp_path: Path
) -> None:
    build_dir, python = built
    copy = tmp_path / "build"
    shutil.copytree(build_dir, copy, symlinks=True)
    breakage, message = BROKEN[case]
    breakage(copy, python)
    with pytest.raises(FlowError, match=message):
        run_flow(copy, python, pg_server, tmp_path / "logs")
