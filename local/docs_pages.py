"""The API documentation pages of the local gateway, Swagger UI at /docs and ReDoc at /redoc, served offline.

Their scripts and styles come from the pinned `fastapi-offline` package (it ships the Swagger UI and ReDoc
bundles), so the pages work without internet and always match the installed version. What could still reach
out of the machine is switched off: Swagger UI's validator badge (`validatorUrl: null`), ReDoc's Google fonts
(not linked) and the Redocly logo its sidebar loads from a CDN. A Content-Security-Policy on both pages
restricts the browser to this origin, so a later bundle that loads something new fails visibly instead of
calling out.

The module functions do not serve docs of their own: `farm_erp.http.create_app` disables FastAPI's /docs,
/redoc and /openapi.json (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

TITLE = "Farm ERP API"
OPENAPI_URL = "/openapi.json"
ASSETS_PREFIX = "/docs/assets/"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}
# ReDoc 2 renders "API docs by Redocly" with an <img> from its CDN; an empty src fails without a request and
# ReDoc then hides the image (its onError handler).
REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
# 'unsafe-inline': both pages start their bundle with an inline script and the bundles inject styles; blob:
# is ReDoc's search worker; data: covers the inline SVG icons. Everything else: this origin only.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@dataclass(frozen=True)
class Page:
    content_type: str
    body: bytes
    headers: dict[str, str]


def _asset_url(name: str) -> str:
    return ASSETS_PREFIX + name


def _html(body: bytes) -> Page:
    return Page(
        "text/html; charset=utf-8",
        body,
        {"Content-Security-Policy": CSP, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@cache
def swagger_page() -> Page:
    html = get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title=f"{TITLE} - Swagger UI",
        swagger_js_url=_asset_url("swagger-ui-bundle.js"),
        swagger_css_url=_asset_url("swagger-ui.css"),
        swagger_favicon_url=_asset_url("favicon.png"),
        # validatorUrl: Swagger UI would otherwise show a badge image fetched from validator.swagger.io.
        swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
    )
    return _html(bytes(html.body))


@cache
def redoc_page() -> Page:
    html = get_redoc_html(
        openapi_url=OPENAPI_URL,
        title=f"{TITLE} - ReDoc",
        redoc_js_url=_asset_url("redoc.standalone.js"),
        redoc_favicon_url=_asset_url("favicon.png"),
        with_google_fonts=False,
    )
    return _html(bytes(html.body))


def static_dir() -> Path:
    return Path(fastapi_offline.__file__).resolve().parent / "static"


@cache
def assets() -> dict[str, Page]:
    """Every file the package ships, by URL path; read once (a few MB) and served from memory."""
    out: dict[str, Page] = {}
    for path in sorted(static_dir().iterdir()):
        if path.suffix not in CONTENT_TYPES:
            continue
        body = path.read_bytes()
        if path.name == "redoc.standalone.js":
            body = body.replace(REDOC_CDN_LOGO, b"")
        # The file names carry no version, so browsers revalidate rather than cache for long.
        out[_asset_url(path.name)] = Page(CONTENT_TYPES[path.suffix], body, {"Cache-Control": "no-cache"})
    return out


def page(path: str) -> Page | None:
    """The docs page or asset at `path` (GET), or None when the path is not one of them."""
    if path in ("/docs", "/docs/"):
        return swagger_page()
    if path in ("/redoc", "/redoc/"):
        return redoc_page()
    return assets().get(path)
