"""Handlers declare Powertools' LambdaContext for the type checker only: a cold start must not pay for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = {
    "functions/authorizer": "jwt_authorizer.main",
    "functions/reservation_expiry": "reservation_expiry.main",
    "functions/digest": "daily_digest.main",
    "functions/migrate": "migrate.main",
    "functions/dashboard": "dashboard_api.main",
}


def test_handlers_do_not_import_the_context_type_at_run_time() -> None:
    path = [str(ROOT / "layers/core"), *(str(ROOT / code) for code in HANDLERS)]
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in HANDLERS.values())
    code += "print(sorted(m for m in sys.modules if m.startswith('aws_lambda_powertools.utilities.typing')))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
