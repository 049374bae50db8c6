"""The framework floor of a module function's cold start: FastAPI + Mangum + pydantic + psycopg + Powertools, one
route, one query, nothing of farm_erp. The bench cold-starts it between the module functions' samples and reports
each module's time as a ratio to it, so the ratio says what the module's own code costs on top of the framework,
whatever the machine's speed or load.

It answers any GET (one route with a path parameter) so that it can serve the very event a module function was
measured with."""

from __future__ import annotations

import os
from typing import Any

import psycopg
from aws_lambda_powertools import Logger
from fastapi import FastAPI
from mangum import Mangum
from psycopg.rows import dict_row
from pydantic import BaseModel

logger = Logger(service="floor")
app = FastAPI(title="floor", docs_url=None, redoc_url=None, openapi_url=None)
_conn: psycopg.Connection[dict[str, Any]] | None = None


class UserOut(BaseModel):
    id: int
    email: str


class Page(BaseModel):
    items: list[UserOut]


def _connection() -> psycopg.Connection[dict[str, Any]]:
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, row_factory=dict_row)
    return _conn


@app.get("/{path:path}", response_model=Page)
async def read(path: str) -> dict[str, Any]:
    rows = _connection().execute("SELECT id, email FROM users ORDER BY id LIMIT 50").fetchall()
    return {"items": rows}


_adapter = Mangum(app, lifespan="off")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dict(_adapter(event, context))
