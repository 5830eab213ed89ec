"""The shared-strings part of an .xlsx, and the `_xHHHH_` escapes of its text."""

from __future__ import annotations

import re

from formkit.read.xlsx.package import Package, chain, is_indented, new_parser, parse_part, tag_codes

_SI, _T, _RPH = range(1, 4)


# ---------------------------------------------------------------- small parsers

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """Decode the `_xHHHH_` escapes OOXML uses for control characters (and `_x005F_` for _)."""
    out = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if any("\ud800" <= ch <= "\udfff" for ch in out):
        # a pair of escaped UTF-16 surrogates is one character; a lone one is unreadable
        out = out.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return out


def read_shared_strings(pkg: Package, part: str) -> list[str]:
    """Shared strings: the text of each <si>, rich-text runs joined, phonetic <rPh> skipped.

    Text elements have no children, so a <t>'s text ends at the next tag of any kind;
    in a part written without indentation that is the next start tag, and the end
    handler (one Python call per element) is only installed for indented parts.
    """
    strings: list[str] = []
    parts: list[str] = []
    buf: list[str] = []
    clear, join = buf.clear, "".join
    add_part, add_string = parts.append, strings.append
    tags_get = _SST_TAGS.get
    in_text = in_rph = started = False

    def finish_si() -> None:
        text = parts[0] if len(parts) == 1 else join(parts)
        add_string(unescape(text) if "_x" in text else text)
        parts.clear()

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal in_text, in_rph, started
        if in_text:
            add_part(join(buf))
            in_text = False
        tag = tags_get(name)
        if tag == _T:
            if not in_rph:
                clear()
                in_text = True
        elif tag == _SI:
            if started:
                finish_si()
            started = True
            in_rph = False
        elif tag == _RPH:
            in_rph = True

    def end(_name: str) -> None:
        nonlocal in_text
        if in_text:
            add_part(join(buf))
            in_text = False

    p = new_parser()
    p.StartElementHandler = start
    p.CharacterDataHandler = buf.append
    stream = pkg.chunks(part)
    first = next(stream, b"")
    if is_indented(first):
        p.EndElementHandler = end
    parse_part(p, chain([first], stream), part)
    end("")
    if started:
        finish_si()
    return strings


_SST_TAGS = tag_codes(si=_SI, t=_T, rPh=_RPH)
