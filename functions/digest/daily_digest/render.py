"""The digest mail: a plain-text part and an HTML part with the same content.

Every value in the HTML part goes through `esc` (item, supplier, tank and user names are typed by users); links are
built from FRONTEND_URL and escaped as attribute values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

from daily_digest.sections import MODULE_TITLES, Section
from farm_erp.mail import Mail


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def link(frontend_url: str, path: str) -> str:
    return frontend_url.rstrip("/") + path


def subject(day: date, sections: Sequence[Section]) -> str:
    count = sum(s.total for s in sections)
    things = "thing needs" if count == 1 else "things need"
    return f"Farm ERP digest for {day:%a %d %b %Y}: {count} {things} you"


def text_part(name: str, day: date, by_module: Mapping[str, Sequence[Section]], frontend_url: str) -> str:
    out = [f"Good morning {name},", "", f"this is what needs you on the farm today, {day:%A %d %B %Y}.", ""]
    for module, sections in by_module.items():
        title = MODULE_TITLES.get(module, module.title())
        out += [title.upper(), "=" * len(title), ""]
        for s in sections:
            out.append(f"{s.title}: {s.summary}")
            out += [f"  - {line}" for line in s.lines]
            if s.total > len(s.lines):
                out.append(f"  ... and {s.total - len(s.lines):,} more")
            out += [f"  {link(frontend_url, s.path)}", ""]
    out += [
        "--",
        "You get this mail because the daily digest is on for your Farm ERP account.",
        f"Turn it off in your profile: {link(frontend_url, '/profile')}",
        "",
    ]
    return "\n".join(out)


def html_part(name: str, day: date, by_module: Mapping[str, Sequence[Section]], frontend_url: str) -> str:
    out = [
        '<!doctype html><html><head><meta charset="utf-8"></head>',
        '<body style="font-family: sans-serif; line-height: 1.4">',
        f"<p>Good morning {esc(name)},</p>",
        f"<p>this is what needs you on the farm today, {esc(f'{day:%A %d %B %Y}')}.</p>",
    ]
    for module, sections in by_module.items():
        out.append(f"<h2>{esc(MODULE_TITLES.get(module, module.title()))}</h2>")
        for s in sections:
            out.append(f"<h3>{esc(s.title)}</h3>")
            out.append(f"<p>{esc(s.summary)}</p>")
            out.append("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in s.lines) + "</ul>")
            more = s.total - len(s.lines)
            label = f"and {more:,} more" if more > 0 else "Open the list"
            out.append(f'<p><a href="{esc(link(frontend_url, s.path))}">{esc(label)}</a></p>')
    out += [
        '<hr><p style="color: #666; font-size: smaller">You get this mail because the daily digest is on for your '
        f'Farm ERP account. <a href="{esc(link(frontend_url, "/profile"))}">Turn it off in your profile</a>.</p>',
        "</body></html>",
    ]
    return "\n".join(out)


def digest_mail(to: str, name: str, day: date, by_module: Mapping[str, Sequence[Section]], frontend_url: str) -> Mail:
    """The whole mail of one user; `by_module` holds only the non-empty sections of modules they may read."""
    every = [s for sections in by_module.values() for s in sections]
    return Mail(
        to=to,
        subject=subject(day, every),
        text=text_part(name, day, by_module, frontend_url),
        html=html_part(name, day, by_module, frontend_url),
    )
