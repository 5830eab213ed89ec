"""Text for xlsxwriter that is always written as exactly the text it is.

xlsxwriter takes a string that starts with "<r>" and ends with "</r>" (once control
characters are escaped) for rich-text XML it made itself, and writes it unescaped into
sharedStrings.xml, or into the sheet in constant-memory mode.  Text from applicants and
rosters can have that shape: typed into a form it would break the workbook we write,
or add cells and formulas to it.  `plain(text)` turns such text into one escaped text
run, which xlsxwriter then writes as it is and every reader shows as typed; any other
text comes back unchanged (the usual path escapes it).
"""

from __future__ import annotations

from xlsxwriter.xmlwriter import XMLwriter

__all__ = ["plain"]


def plain(text: str) -> str:
    shown = XMLwriter._escape_control_characters(text)
    if not (shown.startswith("<r>") and shown.endswith("</r>")):
        return text
    space = ' xml:space="preserve"' if shown[:1].isspace() or shown[-1:].isspace() else ""
    # control characters are escaped by xlsxwriter afterwards, in the whole run
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<r><t{space}>{escaped}</t></r>"
