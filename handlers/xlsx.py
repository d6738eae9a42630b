"""A streaming XLSX writer for the export: rows go straight into the zipped sheet XML.

openpyxl's write-only workbook builds an object per cell (about 130 µs a row of ours);
this writes each row as one string of SpreadsheetML with inline strings, numbers, and
dates as serial numbers with a date style, so a million rows stay fast and flat in memory.
Only what the export needs: text, integers, floats, naive datetimes, empty cells, column
widths, and a new sheet when one is full.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

MAX_ROWS = 1_048_576  # a sheet's limit, header included
QUOTE = {'"': "&quot;"}
_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 (spreadsheet serials are wall-clock times)
_CONTROL = {c: None for c in range(32) if c not in (9, 10, 13)}  # not allowed in XML

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
{sheets}</Types>"""
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\n'
)
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>{sheets}</sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
{sheets}<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
# style 0: general; style 1: "yyyy-mm-dd hh:mm:ss"
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _text(value: Any) -> str:
    text = escape(str(value).translate(_CONTROL))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _number(value: Any) -> str:
    return f"<c><v>{value}</v></c>"


def _moment(value: datetime) -> str:
    serial = (value - _EPOCH).total_seconds() / 86400
    return f'<c s="1"><v>{serial!r}</v></c>'


_BY_TYPE = {
    type(None): lambda _: "<c/>",
    bool: lambda value: f'<c t="b"><v>{int(value)}</v></c>',
    int: _number,
    float: _number,
    datetime: _moment,
    str: _text,
}


def _cell(value: Any) -> str:
    return _BY_TYPE.get(type(value), _text)(value)


class StreamingXlsx:
    """Rows appended to sheets of one workbook; `close()` finishes the file."""

    def __init__(
        self, path: Path, sheet_name: str, headers: Sequence[str], widths: Sequence[float]
    ) -> None:
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._name = sheet_name
        self._headers = list(headers)
        self._columns = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(widths, start=1)
        )
        self._titles: list[str] = []
        self._sheet: IO[bytes] | None = None
        self._rows = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self._end_sheet()
        number = len(self._titles) + 1
        title = self._name if number == 1 else f"{self._name} {number}"
        self._titles.append(title[:31])
        self._sheet = self._zip.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True)
        self._sheet.write(f"{_SHEET_HEAD}<cols>{self._columns}</cols><sheetData>".encode())
        self._rows = 0
        self.append(self._headers)

    def _end_sheet(self) -> None:
        if self._sheet is not None:
            self._sheet.write(b"</sheetData></worksheet>")
            self._sheet.close()
            self._sheet = None

    def append(self, values: Sequence[Any]) -> None:
        """One row; a full sheet continues on a new one (with the headers again)."""
        if self._rows >= MAX_ROWS:
            self._new_sheet()
        assert self._sheet is not None
        self._sheet.write(("<row>" + "".join(map(_cell, values)) + "</row>").encode())
        self._rows += 1

    def close(self) -> None:
        """Write the workbook's parts around the sheets."""
        self._end_sheet()
        count = len(self._titles)
        numbers = range(1, count + 1)
        self._zip.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in numbers)),
        )
        self._zip.writestr("_rels/.rels", _RELS)
        self._zip.writestr(
            "xl/workbook.xml",
            _WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{escape(title, QUOTE)}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, title in zip(numbers, self._titles, strict=True)
                )
            ),
        )
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(
                sheets="".join(
                    f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/'
                    f'officeDocument/2006/relationships/worksheet" '
                    f'Target="worksheets/sheet{n}.xml"/>\n'
                    for n in numbers
                )
            ),
        )
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._zip.close()
