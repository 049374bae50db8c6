"""Read the chart parts of a saved .xlsx straight from the zip (what Excel and LibreOffice read), per sheet."""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}


@dataclass(frozen=True)
class Series:
    name_ref: str  # the cell holding the series name, e.g. 'Sampling'!$D$1
    categories_ref: str  # the x values, e.g. 'Sampling'!$A$2:$A$4
    values_ref: str  # the y values


@dataclass(frozen=True)
class ChartPart:
    path: str
    kind: str  # lineChart, barChart, ...
    title: str
    series: tuple[Series, ...]
    date_axis: bool


def _xml(z: zipfile.ZipFile, part: str) -> ET.Element:
    return ET.fromstring(z.read(part))  # noqa: S314 - a workbook the code under test has just written


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id -> target part path, for `part`."""
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", name + ".rels")
    if rels_path not in z.namelist():
        return {}
    root = _xml(z, rels_path)
    out = {}
    for rel in root.findall("rel:Relationship", NS):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = path
    return out


def _chart(z: zipfile.ZipFile, path: str) -> ChartPart:
    root = _xml(z, path)
    plot = root.find("c:chart/c:plotArea", NS)
    assert plot is not None
    (kind_el,) = [el for el in plot if el.tag.endswith("Chart")]
    title = "".join(t.text or "" for t in root.findall("c:chart/c:title//a:t", NS))
    series = []
    for ser in kind_el.findall("c:ser", NS):
        name = ser.findtext("c:tx/c:strRef/c:f", default="", namespaces=NS)
        cat = ser.findtext("c:cat/c:numRef/c:f", namespaces=NS) or ser.findtext("c:cat/c:strRef/c:f", namespaces=NS)
        val = ser.findtext("c:val/c:numRef/c:f", default="", namespaces=NS)
        series.append(Series(name, cat or "", val))
    return ChartPart(path, kind_el.tag.split("}")[1], title, tuple(series), plot.find("c:dateAx", NS) is not None)


def charts_by_sheet(content: bytes) -> dict[str, list[ChartPart]]:
    """Sheet name -> the charts drawn on it (sheets without charts map to [])."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        workbook = "xl/workbook.xml"
        sheet_rels = _rels(z, workbook)
        out: dict[str, list[ChartPart]] = {}
        for sheet in _xml(z, workbook).findall("m:sheets/m:sheet", NS):
            part = sheet_rels[sheet.get(f"{{{NS['r']}}}id", "")]
            charts = []
            for drawing in _rels(z, part).values():
                if "/drawings/" in drawing:
                    charts += [_chart(z, p) for p in _rels(z, drawing).values() if "/charts/" in p]
            out[sheet.get("name", "")] = charts
        return out
