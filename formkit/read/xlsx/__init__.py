"""Read an .xlsx/.xlsm workbook into a `Book`, with the standard library only.

The package: package.py (the zip container and its XML), workbook.py (the workbook part
and `load_xlsx`, the streaming reader), strings.py (shared strings), styles.py (number
formats, date serials), sheet.py (one worksheet), fast.py (`load_xlsx_fast`, the fast path
for the regular shape returned forms have, handing anything else to `load_xlsx`), shape.py
(that shape: the expressions the fast path checks a worksheet part against).

Why not openpyxl or calamine: both trust what the file says about itself (a declared
dimension of A1:XFD1048576, a merge over a whole sheet) and build objects for every cell
they see.  This reader streams each part through expat, keeps only the cells inside
`Bounds`, counts what lies outside, and stops reading a sheet at the first non-empty
cell below `Bounds.max_row` (rows are stored in order in valid files).

    book = load_xlsx("申报书.xlsx")        # raises WorkbookError(code, ...) if unusable

The parts read: `_rels/.rels` -> the workbook part and its rels, `[Content_Types].xml`
(xlsx or xlsm), the workbook (sheets, names, date system, calc flags), shared strings,
styles (number formats only) and the worksheets.  Drawings, comments, themes and the
rest are never opened.

Safety: expat is used without external entity handling; a DOCTYPE is refused outright
(no OOXML part has one, and entity declarations are how XML bombs work).  Nothing here
recurses on the input.
"""

from __future__ import annotations

from formkit.read.xlsx.fast import MAX_PART, load_xlsx_fast
from formkit.read.xlsx.styles import BUILTIN_FORMATS, is_date_format, serial_to_datetime
from formkit.read.xlsx.workbook import load_xlsx

__all__ = [
    "BUILTIN_FORMATS",
    "MAX_PART",
    "is_date_format",
    "load_xlsx",
    "load_xlsx_fast",
    "serial_to_datetime",
]
