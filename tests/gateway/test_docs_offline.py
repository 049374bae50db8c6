"""/docs (Swagger UI) and /redoc (ReDoc) work without internet: every page and asset comes from the local gateway,
and nothing on them loads from another host."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.support.live import LiveGateway

pytestmark = pytest.mark.gateway

URL = re.compile(r"""https?://[^\s"'<>()`\\]+""")
# Hosts a docs bundle loads from when it is left to its defaults: CDNs, web fonts, Redocly's logo.
CDN_HOSTS = (
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "cdn.jsdelivr.net",
    "unpkg.com",
    "cdnjs.cloudflare.com",
    "cdn.redoc.ly",
    "fastapi.tiangolo.com",
)
# Default endpoints still present in a bundle that the page's configuration switches off.
DISABLED_BY_PAGE = {"validator.swagger.io": '"validatorUrl": null'}
# What the browser is told: this origin only (data: and blob: are local too).
CSP_DIRECTIVES = {"default-src 'self'", "connect-src 'self'", "img-src 'self' data:", "font-src 'self' data:"}


class References(HTMLParser):
    """Every URL an HTML page makes the browser load: scripts, styles, icons, images, ReDoc's spec-url."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "spec-url"):
            if values.get(name):
                self.urls.append(str(values[name]))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    # Swagger UI gets the document URL in its start-up script: SwaggerUIBundle({url: '/openapi.json', ...}).
    for script in parser.inline_scripts:
        parser.urls += re.findall(r"""\burl:\s*['"]([^'"]+)['"]""", script)
    return parser.urls


def outside_urls(text: str, base_url: str) -> list[str]:
    return [u for u in URL.findall(text) if not u.startswith(base_url)]


@pytest.mark.parametrize(("page", "marker"), [("/docs", "SwaggerUIBundle"), ("/redoc", "<redoc")])
def test_docs_page_and_every_asset_are_served_locally(
    live_gateway: LiveGateway, db_url: str, page: str, marker: str
) -> None:
    base = live_gateway.base_url
    with httpx.Client(base_url=base, timeout=60) as http:
        r = http.get(page)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/html")
        html = r.text
        assert marker in html
        assert outside_urls(html, base) == [], "the page links to another host"
        csp = {d.strip() for d in r.headers["content-security-policy"].split(";")}
        assert csp_directives_present(csp), csp

        urls = references(html)
        assert any(u.endswith(".js") for u in urls), urls
        assert "/openapi.json" in urls, urls
        for url in urls:
            absolute = urljoin(base + page, url)
            assert urlsplit(absolute).netloc == urlsplit(base).netloc, url
            asset = http.get(absolute)
            assert asset.status_code == 200, (url, asset.status_code)
            assert len(asset.content) > 0, url
            if url.endswith(".json"):
                assert asset.json()["paths"], url
            if url.endswith((".js", ".css")):
                body = asset.text
                loaded = [h for h in CDN_HOSTS if h in body]
                assert loaded == [], f"{url} loads from {loaded}"
                for host, switch in DISABLED_BY_PAGE.items():
                    if host in body:
                        assert switch in html, f"{url} calls {host} unless the page sets {switch}"
            if url.endswith(".css"):
                css_urls = [u.strip("'\" ") for u in re.findall(r"url\(([^)]*)\)", asset.text)]
                assert [u for u in css_urls if re.match(r"(https?:)?//", u)] == [], url
                assert "@import" not in asset.text


def csp_directives_present(csp: set[str]) -> bool:
    return csp >= CSP_DIRECTIVES and not any("http" in d for d in csp)


def test_docs_asset_paths_outside_the_package_are_not_served(live_gateway: LiveGateway, db_url: str) -> None:
    with httpx.Client(base_url=live_gateway.base_url, timeout=60) as http:
        for path in ("/docs/assets/../../template.yaml", "/docs/assets/core.py", "/docs/assets/"):
            r = http.get(path)
            assert r.status_code in (403, 404), (path, r.status_code)
            assert "Resources" not in r.text
