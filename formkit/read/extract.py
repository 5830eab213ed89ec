"""A located workbook -> typed values with provenance and reading issues."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from formkit.cells import Cell, col_letter
from formkit.fields import coerce
from formkit.issues import Issue, make_issue, read_detail
from formkit.parse import Parsed, ParseError, normalise_label
from formkit.read.book import Book, RawCell
from formkit.read.locate import Located, LocatedBy, Spot, locate
from formkit.read.submission import Draft, FormInfo, Source, Submission
from formkit.spec import Column, Field, FormSpec, Table

META_NAMES = {
    "id": "formkit_form_id",
    "version": "formkit_spec_version",
    "year": "formkit_year",
    "submission_id": "formkit_submission_id",
    # written by formkit feedback into its annotated copies (formkit/feedback.py)
    "annotates": "formkit_annotates",
    "annotates_values": "formkit_annotates_values",
}
META_SHEET = "formkit"
# below this share of the form's labels a workbook without our metadata is another form
MIN_LABEL_SHARE = 0.5


_COERCED: dict[tuple[Any, ...], Parsed] = {}
# what repeats (choices, yes/no, years, labels) fits many times over; a report's own figures
# do not repeat and fill it: at 50,000 a reading worker grew 6 MB a 1,000 files for no hit
_COERCED_LIMIT = 4_096


class _Reader:
    def __init__(self, book: Book, spec: FormSpec, sub: Draft, aliases: Mapping[str, str]) -> None:
        self.book = book
        self.spec = spec
        self.sub = sub
        self.aliases = aliases
        # Book.sheet's answer (the first sheet of a name), looked up once per name
        self.sheets = {s.name: s for s in reversed(book.sheets)}
        self.date1904 = book.date1904

    def issue(self, issue: Issue) -> None:
        self.sub.issues.append(issue)

    def cell(self, spot: Spot) -> RawCell | None:
        sheet = self.sheets.get(spot.sheet)
        return None if sheet is None else sheet.cells.get((spot.cell.row, spot.cell.col))

    def value(
        self,
        key: str,
        field_id: str,
        spec_field: Field | Column,
        spot: Spot,
        *,
        choices: tuple[str, ...] = (),
    ) -> Any:
        """Read one cell as the field's type; record its source and any issue."""
        return self.value_at(
            key, field_id, spec_field, spot.sheet, spot.cell, self.cell(spot), spot.by, choices
        )

    def value_at(
        self,
        key: str,
        field_id: str,
        spec_field: Field | Column,
        sheet: str,
        cell: Cell,
        raw: RawCell | None,
        by: LocatedBy,
        choices: tuple[str, ...],
    ) -> Any:
        """`value` for the cell `cell` of `sheet` holding `raw` (a table reads its cells
        without a Spot for each)."""
        a1 = _a1(cell)
        sources = self.sub.sources
        if raw is None:
            sources[key] = Source(sheet, a1, None, "empty", by)
            return None
        if raw.error is not None:
            self.issue(
                make_issue(
                    "cell_error",
                    value=raw.error,
                    error=raw.error,
                    **_where(field_id, sheet, a1, spec_field),
                )
            )
            sources[key] = Source(sheet, a1, raw.error, "error", by)
            return None
        if raw.formula is not None and not raw.cached:
            self.issue(
                make_issue(
                    "formula_not_cached",
                    value=f"={raw.formula}",
                    **_where(field_id, sheet, a1, spec_field),
                )
            )
            sources[key] = Source(sheet, a1, f"={raw.formula}", "formula", by)
            return None
        aliases = (
            self.aliases if isinstance(spec_field, Field) and spec_field.choices_from else None
        )
        value = raw.value
        # a coercion depends only on its inputs, and forms repeat most of them (choices,
        # yes/no, years, labels): remembered, except with aliases (a caller's mapping)
        # and for long text
        memo_key = (
            None
            if aliases is not None or (isinstance(value, str) and len(value) > 64)
            else (
                spec_field.type,
                value.__class__,  # 1, 1.0 and True are equal keys, not equal inputs
                value,
                spec_field.unit,
                raw.number_format,
                choices,
                self.date1904,
            )
        )
        try:
            parsed = _COERCED.get(memo_key) if memo_key is not None else None
            if parsed is None:
                parsed = coerce(
                    spec_field.type,
                    value,
                    unit=spec_field.unit,
                    number_format=raw.number_format,
                    choices=choices,
                    aliases=aliases,
                    date1904=self.date1904,
                )
                if memo_key is not None:
                    if len(_COERCED) >= _COERCED_LIMIT:
                        _COERCED.clear()
                    _COERCED[memo_key] = parsed
        except ParseError as exc:
            self.issue(
                make_issue(
                    exc.code,
                    value=value,
                    detail=exc.message,
                    **_where(field_id, sheet, a1, spec_field),
                )
            )
            sources[key] = Source(sheet, a1, value, "unreadable", by)
            return None
        for note in parsed.notes:
            self.issue(
                make_issue(
                    note.code,
                    value=value,
                    detail=note.message,
                    **_where(field_id, sheet, a1, spec_field),
                )
            )
        sources[key] = Source(sheet, a1, value, parsed.how, by)
        return parsed.value


def _where(field_id: str, sheet: str, a1: str, spec_field: Field | Column) -> dict[str, Any]:
    """What an issue about one cell names (built only when there is an issue)."""
    return {"field": field_id, "sheet": sheet, "cell": a1, "label": spec_field.label}


_A1: dict[Cell, str] = {}
# a form's cells are the same few hundred in every file; a sheet read by labels elsewhere
# adds its own: cleared when full, so a worker's memory stays flat
_A1_LIMIT = 8_192


def _a1(cell: Cell) -> str:
    """`cell.a1`, remembered."""
    a1 = _A1.get(cell)
    if a1 is None:
        if len(_A1) >= _A1_LIMIT:
            _A1.clear()
        a1 = _A1[cell] = cell.a1
    return a1


def extract(
    book: Book,
    spec: FormSpec,
    read: Submission,
    *,
    aliases: Mapping[str, str],
    year: int | None = None,
) -> Submission:
    """`read` (status accepted, what the gate found) with the values of `book`, or rejected
    with the reason."""
    return _extract(book, spec, Draft.of(read), aliases, year).done()


def _extract(
    book: Book, spec: FormSpec, sub: Draft, aliases: Mapping[str, str], year: int | None
) -> Draft:
    sub.format = book.format
    meta = _meta(book)
    sub.form = FormInfo(
        id=_str(meta.get("id")), version=_str(meta.get("version")), year=_int(meta.get("year"))
    )
    sub.submission_id = _str(meta.get("submission_id"))
    sub.annotates = _digest(meta.get("annotates"))
    sub.annotates_values = _digest(meta.get("annotates_values"))
    if sub.form.id is not None and sub.form.id != spec.id:
        return _reject(
            sub,
            "not_this_form",
            detail=read_detail("other_form", theirs=sub.form.id, name=_name(spec), form_id=spec.id),
        )
    if sub.form.version is not None and sub.form.version != spec.version:
        if sub.form.version not in spec.compatible_versions:
            return _reject(
                sub,
                "form_version_incompatible",
                detail=read_detail(
                    "version_incompatible", theirs=sub.form.version, version=spec.version
                ),
            )
        sub.issues.append(
            make_issue(
                "form_version_old",
                detail=read_detail("version_old", theirs=sub.form.version, version=spec.version),
            )
        )
    located = locate(book, spec)
    if sub.form.id is None and located.labels_found < located.labels_expected * MIN_LABEL_SHARE:
        return _reject(
            sub,
            "not_this_form",
            detail=read_detail(
                "too_few_labels",
                name=_name(spec),
                found=located.labels_found,
                expected=located.labels_expected,
            ),
        )
    form_year = sub.form.year or year or spec.default_year
    if year is not None and sub.form.year is not None and sub.form.year != year:
        sub.issues.append(
            make_issue(
                "form_year_mismatch",
                detail=read_detail("year_mismatch", theirs=sub.form.year, year=year),
            )
        )
    sub.issues.extend(located.issues)
    sub.sheet_names = dict(located.sheets)
    for sheet in book.sheets:
        if sheet.dropped and (
            sheet.name in located.sheets.values()
            or any(sheet.name in c for c in located.copies.values())
        ):
            sub.issues.append(
                make_issue(
                    "values_outside_form",
                    sheet=sheet.name,
                    sheet_name=sheet.name,
                    count=sheet.dropped,
                    example=sheet.dropped_example or "",
                )
            )

    reader = _Reader(book, spec, sub, aliases)
    for f in spec.fields:
        if f.type == "group":
            group: dict[str, Any] = {}
            for item in f.items:
                key = f"{f.id}__{item.id}"
                spot = located.spots.get(key)
                sub.located[key] = spot.by if spot else "missing"
                group[item.id] = (
                    reader.value(f"{f.id}.{item.id}", key, item, spot, choices=item.choices)
                    if spot
                    else None
                )
            sub.values[f.id] = group
            continue
        spot = located.spots.get(f.id)
        sub.located[f.id] = spot.by if spot else "missing"
        sub.values[f.id] = reader.value(f.id, f.id, f, spot, choices=f.choices) if spot else None
        sub.values[f.id] = _compare_copies(reader, f, located, sub.values[f.id])

    for t in spec.tables:
        blocks = located.blocks.get(t.id, [])
        sub.located[t.id] = blocks[0].by if blocks else "missing"
        sub.values[t.id] = _table(reader, t, located, spec.data_years(form_year))
    sub.values = {k: sub.values[k] for k in spec.ids}  # form order, tables in their place
    return sub


def _table(
    reader: _Reader, t: Table, located: Located, years: tuple[int, ...]
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    cells: list[dict[str, RawCell | None]] = []
    # rows of the original sheet by their values: a copy's identical row is a duplicate
    originals: dict[tuple[Any, ...], str] = {}
    inputs = t.input_columns  # a property that builds its tuple: once, not per row
    table_id = t.id
    blocks = located.blocks.get(table_id, [])
    # rows are compared only to find a copied sheet's duplicates
    compare = any(b.copy for b in blocks)
    for block in blocks:
        sheet, by = block.sheet, block.by
        data = reader.sheets.get(sheet)
        sheet_cells = data.cells if data is not None else {}
        # each column with its id and its worksheet column
        columns = [(col, col.id, block.cols[col.id]) for col in t.columns]
        for i, row in enumerate(block.rows):
            record: dict[str, Any] = {}
            raw_row: dict[str, RawCell | None] = {}
            n = len(records)
            for col, col_id, col_no in columns:
                raw = raw_row[col_id] = sheet_cells.get((row, col_no))
                if col.computed:
                    continue
                cell = Cell(row, col_no)
                value = record[col_id] = reader.value_at(
                    f"{table_id}[{n}].{col_id}", table_id, col, sheet, cell, raw, by, col.choices
                )
                if col.fixed and t.fixed_rows and i < len(years) and value != years[i]:
                    reader.issue(
                        make_issue(
                            "history_year_changed",
                            field=table_id,
                            sheet=sheet,
                            cell=cell.a1,
                            label=col.label,
                            value=value,
                            expected=years[i],
                        )
                    )
                    record[col_id] = years[i]
            given = [record.get(c.id) for c in inputs]
            filled = any(v is not None for v in given)
            if filled and not t.fixed_rows:
                # a started row needs every column that is not optional
                unfilled = [
                    c for c, v in zip(inputs, given, strict=True) if v is None and not c.optional
                ]
                if unfilled:
                    missing = "、".join(f"“{c.label}”" for c in unfilled)
                    reader.issue(
                        make_issue(
                            "table_row_incomplete",
                            field=t.id,
                            sheet=block.sheet,
                            cell=f"{row}",
                            label=t.label,
                            missing=missing,
                        )
                    )
            if not filled or not compare:
                # an empty row has nothing to compare; without a copied sheet, nothing
                # looks the row up again
                records.append(record)
                cells.append(raw_row)
                continue
            signature = tuple(_same(v) for v in given)
            if any(v is not None for v in signature):
                if not block.copy:
                    originals.setdefault(signature, f"{block.sheet}!{row}")
                elif signature in originals:
                    # carried over with the copied sheet: counted once
                    for col in t.columns:
                        reader.sub.sources.pop(f"{t.id}[{n}].{col.id}", None)
                    reader.issue(
                        make_issue(
                            "copy_row_duplicate",
                            field=t.id,
                            sheet=block.sheet,
                            cell=f"{col_letter(block.cols[inputs[0].id])}{row}",
                            label=t.label,
                            row=row,
                            original=originals[signature],
                        )
                    )
                    continue
            records.append(record)
            cells.append(raw_row)
    for col in t.columns:
        if col.computed:
            _computed_column(reader, t, col, records, cells, located)
    return records


def _same(value: Any) -> Any:
    """A table value as compared across sheets (text without spacing differences)."""
    return normalise_label(value) if isinstance(value, str) else value


def _computed_column(
    reader: _Reader,
    t: Table,
    col: Column,
    records: list[dict[str, Any]],
    cells: list[dict[str, RawCell | None]],
    located: Located,
) -> None:
    """Cached result when the file has one; otherwise computed by the spec's rule."""
    source = col.computed_from or ""
    block = located.blocks[t.id][0] if located.blocks.get(t.id) else None
    for i, record in enumerate(records):
        raw = cells[i].get(col.id)
        computed = None
        if i > 0:
            prev, cur = records[i - 1].get(source), record.get(source)
            if isinstance(prev, int | float) and isinstance(cur, int | float) and prev != 0:
                computed = round((cur - prev) / prev * 100, 2)
        key = f"{t.id}[{i}].{col.id}"
        cell_ref = (
            Cell(block.rows[i], block.cols[col.id]) if block and i < len(block.rows) else None
        )
        sheet = block.sheet if block else ""
        # LibreOffice's .xls export stores a formula's "" result as 0 and .xls keeps no
        # formula text: a 0 where the sources are incomplete is that, not a growth of 0%
        blank_as_zero = (
            raw is not None and raw.formula is None and raw.value == 0 and computed is None
        )
        if (
            raw is not None
            and raw.cached
            and isinstance(raw.value, int | float)
            and not isinstance(raw.value, bool)
            and not blank_as_zero
        ):
            record[col.id] = raw.value
            how = "formula-cached" if raw.formula is not None else "number"
            reader.sub.sources[key] = Source(
                sheet, cell_ref.a1 if cell_ref else "", raw.value, how, "name"
            )
            continue
        record[col.id] = computed
        if cell_ref is not None:
            # the provenance says it was computed (how="computed", raw = the formula);
            # no issue: nothing for the submitter to do
            formula = f"={raw.formula}" if raw is not None and raw.formula is not None else None
            reader.sub.sources[key] = Source(sheet, cell_ref.a1, formula, "computed", "name")


def _compare_copies(reader: _Reader, f: Field, located: Located, original: Any) -> Any:
    """A copy's own cell (本表可以复制): never dropped. The same value as the original is
    nothing; a value where the original is blank is used (and said so); a different value
    is an error naming both cells: which one holds is for the submitter to say."""
    value = original
    for spot in located.copy_spots.get(f.id, []):
        raw = reader.cell(spot)
        if raw is None or raw.value is None:
            continue
        if raw.value == original:
            continue
        # read the copy's cell as the field's type, without recording it as the value yet
        before = len(reader.sub.issues)
        key = f"{f.id}@{spot.sheet}"
        typed = reader.value(key, f.id, f, spot, choices=f.choices)
        notes = reader.sub.issues[before:]
        del reader.sub.issues[before:]
        source = reader.sub.sources.pop(key, None)
        if typed == value or (
            isinstance(typed, str)
            and value is not None
            and normalise_label(typed) == normalise_label(str(value))
        ):
            continue
        if value is None and typed is not None and source is not None:
            value = typed
            reader.sub.sources[f.id] = source
            reader.sub.issues.extend(notes)
            reader.issue(
                make_issue(
                    "copy_value_used",
                    field=f.id,
                    sheet=spot.sheet,
                    cell=spot.cell.a1,
                    label=f.label,
                    value=raw.value,
                )
            )
            continue
        first = reader.sub.sources.get(f.id)
        reader.issue(
            make_issue(
                "copy_value_differs",
                field=f.id,
                sheet=spot.sheet,
                cell=spot.cell.a1,
                label=f.label,
                value=raw.value,
                original="" if value is None else value,
                original_cell=first.ref if first else "",
            )
        )
    return value


def _name(spec: FormSpec) -> str:
    """The form's short name in messages (the 申报书's spec names no file)."""
    return spec.file_name or "申报书"


def form_id_of(book: Book) -> str | None:
    """The form id a workbook carries (`formkit_form_id`), if any."""
    return _str(_meta(book).get("id"))


def _meta(book: Book) -> dict[str, Any]:
    found: dict[str, Any] = {}
    names = {k.casefold(): v for k, v in book.names.items()}
    for key, name in META_NAMES.items():
        target = names.get(name)
        if target is not None and target.sheet and target.area:
            sheet = book.sheet(target.sheet)
            if sheet is not None:
                found[key] = sheet.value(target.area.first.row, target.area.first.col)
    if not found:
        # names lost (e.g. an app dropped them): the metadata sheet keeps its layout
        sheet = book.sheet(META_SHEET)
        if sheet is not None:
            for row in range(2, 12):
                code = sheet.value(row, 3)
                for key, name in META_NAMES.items():
                    if code == name:
                        found[key] = sheet.value(row, 2)
    return found


def _str(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _digest(v: Any) -> str | None:
    """A SHA-256 in hex, or None: whatever else a cell holds is not our mark."""
    text = _str(v)
    if text is None or len(text) != 64:
        return None
    text = text.lower()
    return text if all(c in "0123456789abcdef" for c in text) else None


def _int(v: Any) -> int | None:
    try:
        return int(float(v)) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _reject(sub: Draft, code: str, **params: Any) -> Draft:
    return sub.reject(make_issue(code, **params))
