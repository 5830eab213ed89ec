"""Deciding only a new file's neighbourhood gives every file the decision a full re-decision
gives it (issue #23 item 8): the ledger stores each file's decision and, for each file it
records, decides only the files sharing its application identity or its name link.

First the rule alone (formkit.supersession.links / neighbourhood against decide over all
files, after every file of random arrival orders of random files), then the ledger: real
workbooks ingested one by one and in batches, in random orders, the stored decisions
compared with `Ledger.decide_all` (every file decided afresh) after every run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formkit.distribute import RosterRow, locked_fields, parse_period
from formkit.forms import load_form_spec
from formkit.ledger import MIGRATIONS, Ledger
from formkit.supersession import (
    Candidate,
    _identity,
    decide,
    identities,
    links,
    name_key,
    neighbourhood,
)
from formkit.template import build_template
from tests.report_forms import JIDU, jidu_values

D1, D2, D3 = dt.date(2007, 7, 10), dt.date(2007, 7, 14), dt.date(2007, 7, 20)
UNITS = ["江苏省", "浙江省"]
# "甲 基地" and "甲基地" are one applicant (spaces do not count), as are full-width forms
NAMES = ["甲基地", "甲 基地", "乙基地", "ＡＢ基地", None]


@st.composite
def files(draw: Any) -> list[Candidate]:
    """Files that collide a lot: few ids, names, periods, dates and value sets; some
    rejected, some feedback copies of an earlier file, some with no identity at all."""
    n = draw(st.integers(1, 14))
    out: list[Candidate] = []
    for i in range(n):
        accepted = draw(st.integers(0, 9)) > 0
        annotates = None
        if out and draw(st.booleans()):
            annotates = out[draw(st.integers(0, len(out) - 1))].sha256
        out.append(
            Candidate(
                handle=f"h{i}",
                name=f"文件{i}.xlsx",
                sha256=f"h{i}",
                received=(i,),
                accepted=accepted,
                submission_id=draw(st.sampled_from([None, None, "S1", "S2"])),
                roster_id=draw(st.sampled_from([None, None, None, "R1", "R2"])),
                unit=draw(st.sampled_from([*UNITS, None])),
                applicant=draw(st.sampled_from(NAMES)),
                fill_date=draw(st.sampled_from([D1, D2, D3, None])),
                fingerprint=draw(st.sampled_from(["v1", "v2", "v3", None])),
                annotates=annotates,
                period=draw(st.sampled_from([None, "2007/第一季度", "2007/第二季度"])),
            )
        )
    return out


def finder(known: list[Candidate]) -> Any:
    def find(idents: set[str], names: set[str]) -> list[Candidate]:
        return [c for c in known if links(c)[0] in idents or links(c)[1] in names]

    return find


def _identities_before(cands: list[Candidate]) -> dict[str, str]:
    """formkit.supersession.identities as it was (a name index of every file with an id,
    before it built one only for the names of files without one): the reference."""
    out: dict[str, str] = {}
    by_name: dict[str, set[str]] = {}
    for c in cands:
        ident = _identity(c) or f"file:{c.handle}"
        out[c.handle] = ident
        nk = name_key(c.unit, c.applicant)
        if nk and not ident.startswith("name:"):
            by_name.setdefault(nk + (f"@{c.period}" if c.period else ""), set()).add(ident)
    for c in cands:
        ident = out[c.handle]
        if ident.startswith("name:"):
            owners = by_name.get(ident.removeprefix("name:"), set())
            if len(owners) == 1:
                out[c.handle] = next(iter(owners))
    return out


@settings(max_examples=400, deadline=None)
@given(files())
def test_a_file_without_an_id_joins_the_same_application_as_before(
    cands: list[Candidate],
) -> None:
    assert identities(cands) == _identities_before(cands)


def test_a_new_file_finds_its_neighbours_by_its_name_link_alone() -> None:
    """A file decided before it is stored (the ledger decides, then writes its row once)
    reaches a file of the same base and period that shares only its name link; the seeds
    may be a generator, read for identities and then for name links."""
    named = Candidate(
        "h1",
        "甲.xlsx",
        "h1",
        (1,),
        True,
        unit="江苏省",
        applicant="甲基地",
        fill_date=D1,
        fingerprint="v1",
        period="2007/第二季度",
    )
    stamped = Candidate(
        "h2",
        "甲2.xlsx",
        "h2",
        (2,),
        True,
        submission_id="S1",
        unit="江苏省",
        applicant="甲基地",
        fill_date=D2,
        fingerprint="v2",
        period="2007/第二季度",
    )
    assert links(named)[0] != links(stamped)[0] and links(named)[1] == links(stamped)[1]
    found = neighbourhood((links(c) for c in [stamped]), finder([named]))
    assert [c.handle for c in found] == ["h1"]


@settings(max_examples=400, deadline=None)
@given(files(), st.randoms(use_true_random=False))
def test_deciding_the_neighbourhood_equals_deciding_everything(
    cands: list[Candidate], rnd: random.Random
) -> None:
    """Files arrive one by one in a random order (the received order is the arrival
    order); after each, only the new file's neighbourhood is decided and stored."""
    order = list(cands)
    rnd.shuffle(order)
    arrived: list[Candidate] = []
    stored: dict[str, Any] = {}
    for i, c in enumerate(order):
        c = dataclasses.replace(c, received=(i,))
        arrived.append(c)
        near = neighbourhood([links(c)], finder(arrived))
        if c not in near:  # rejected: no links, decided alone
            near.append(c)
        stored.update(decide(near))
        assert stored == decide(arrived), [x.handle for x in arrived]


def test_a_neighbourhood_is_closed_and_small() -> None:
    """A name-only file reaches the application it joins, and that application's other
    files; files of other applications stay out."""

    def c(h: str, **kw: Any) -> Candidate:
        base: dict[str, Any] = dict(
            handle=h, name=h, sha256=h, received=(int(h[1:]),), accepted=True, unit="江苏省"
        )
        return Candidate(**{**base, **kw})

    stamped = c("f1", submission_id="S1", applicant="甲基地")
    renamed = c("f2", submission_id="S1", applicant="甲基地（更名）")
    named = c("f3", applicant="甲基地（更名）")
    other = c("f4", submission_id="S2", applicant="乙基地")
    known = [stamped, renamed, named, other]
    near = neighbourhood([links(named)], finder(known))
    assert {x.handle for x in near} == {"f1", "f2", "f3"}
    assert decide(near) == {h: d for h, d in decide(known).items() if h != "f4"}


# ---------------------------------------------------------------- the ledger


BASES = [("江苏省", "甲出口创新基地"), ("江苏省", "乙出口创新基地"), ("浙江省", "丙出口创新基地")]


def _row(i: int, unit: str, name: str) -> RosterRow:
    from formkit.reference import load_reference

    known = load_reference().unit(unit)
    assert known is not None
    cells = {"province": unit, "base_name": name, "base_type": "国家软件出口基地"}
    return RosterRow(i + 2, known.name, known.code, name, cells, JIDU, "province")


def _workbook(
    row: RosterRow, quarter: str, fill: dt.date, export: float, *, stamped: bool
) -> bytes:
    spec = load_form_spec(JIDU)
    period = parse_period(f"2007/{quarter}", spec)
    values = {**jidu_values(), **row.values(), **dict(period.values), "fill_date": fill}
    values["export_value_q"] = export
    return build_template(
        spec,
        year=2007,
        values=values,
        locked_fields=[f for f in locked_fields(spec) if f in row.values()],
        submission_id=row.submission_id(2007, period) if stamped else None,
    )


def _resaved(data: bytes) -> bytes:
    """The same workbook saved again: other bytes, the same values."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item), compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three bases' reports: versions by 填报日期, a same-day conflict, a re-save with the
    same values, a name-only copy (no stamped id) that joins its base's report, another
    quarter, a base outside the roster, and a file that is not a workbook."""
    root = tmp_path_factory.mktemp("incremental")
    a, b, c = (_row(i, u, n) for i, (u, n) in enumerate(BASES))
    made = {
        "a-q2": _workbook(a, "第二季度", D1, 100.0, stamped=True),
        "a-q2-later": _workbook(a, "第二季度", D2, 110.0, stamped=True),
        "a-q2-sameday": _workbook(a, "第二季度", D2, 120.0, stamped=True),
        "a-q2-named": _workbook(a, "第二季度", D3, 130.0, stamped=False),
        "a-q1": _workbook(a, "第一季度", D1, 90.0, stamped=True),
        "b-q2": _workbook(b, "第二季度", D1, 200.0, stamped=True),
        "b-q2-named": _workbook(b, "第二季度", D1, 210.0, stamped=False),
        "c-q2-named": _workbook(c, "第二季度", D2, 300.0, stamped=False),
        "c-q2-named-old": _workbook(c, "第二季度", D1, 310.0, stamped=False),
    }
    made["a-q2-resaved"] = _resaved(made["a-q2-later"])
    made["not-a-workbook"] = "这不是工作簿".encode()
    out = {}
    for name, data in made.items():
        path = root / f"{name}.xlsx"
        path.write_bytes(data)
        out[name] = path
    return out


def _stored_equals_fresh(db: Path) -> dict[str, str]:
    with Ledger(db) as ledger:
        stored, fresh = ledger.decisions(), ledger.decide_all()
        assert stored == fresh
        # superseded_by is the decision's winner, as every query of current files reads it
        rows = dict(ledger.db.execute("SELECT sha256, superseded_by FROM files").fetchall())
        for sha, d in fresh.items():
            expect = d.winner if d.disposition in ("superseded", "same_version") else None
            assert rows[sha] == expect
        return {f.original_name: stored[f.sha256].disposition for f in ledger.files()}


@pytest.mark.parametrize("seed", range(4))
def test_the_ledger_stores_what_a_full_re_decision_gives(
    inbox: dict[str, Path], tmp_path: Path, seed: int
) -> None:
    rnd = random.Random(seed)
    names = list(inbox)
    rnd.shuffle(names)
    db = tmp_path / "formkit.db"
    spec = load_form_spec(JIDU)
    with Ledger(db) as ledger:
        # bases a and b are on the roster (seed 0 and 1: before any file arrives; 2 and 3:
        # after the first files, which are then linked to their entries)
        early = seed < 2
        if early:
            rows = [_row(i, u, n) for i, (u, n) in enumerate(BASES[:2])]
            ledger.add_roster(rows, year=2007, period=parse_period("2007Q2", spec))
    cut = rnd.randint(1, len(names) - 1)
    # one at a time, as web uploads arrive; the rest later in one run
    singles = [n for i, n in enumerate(names) if i < cut or n.startswith("c")]
    rest = [inbox[n] for n in names if n not in singles]
    for name in singles:
        with Ledger(db) as ledger:
            ledger.ingest([inbox[name]], jobs=1)
        _stored_equals_fresh(db)
    if not early:
        with Ledger(db) as ledger:
            rows = [_row(i, u, n) for i, (u, n) in enumerate(BASES[:2])]
            ledger.add_roster(rows, year=2007, period=parse_period("2007Q2", spec))
        _stored_equals_fresh(db)
    with Ledger(db) as ledger:  # the rest in one run: several files per transaction
        ledger.ingest(rest, jobs=1)
    final = _stored_equals_fresh(db)
    assert len(final) == len(inbox)
    assert final["not-a-workbook.xlsx"] == "rejected"
    # whatever the order, a's second quarter has exactly one current file, and so on
    with Ledger(db) as ledger:
        current = ledger.current(JIDU)
    periods = sorted((r.subject, r.period) for r in current)
    assert periods == sorted(
        [
            ("甲出口创新基地", "2007/第一季度"),
            ("甲出口创新基地", "2007/第二季度"),
            ("乙出口创新基地", "2007/第二季度"),
            ("丙出口创新基地", "2007/第二季度"),
        ]
    )


def test_an_old_ledger_gets_its_decisions_when_opened(
    inbox: dict[str, Path], tmp_path: Path
) -> None:
    """A ledger from before decisions were stored is given them on opening, as a full
    re-decision makes them; a file recorded afterwards is decided among them."""
    db = tmp_path / "formkit.db"
    with Ledger(db) as ledger:
        ledger.ingest([inbox["a-q2"], inbox["a-q2-later"], inbox["b-q2"]], jobs=1)
        expected = ledger.decide_all()
    # the version before decisions were stored
    before = next(i for i, m in enumerate(MIGRATIONS) if isinstance(m, str) and "disposition" in m)
    with sqlite3.connect(db) as conn:  # back to that version: without its columns
        conn.execute("DROP INDEX files_by_period_key")  # version 10's
        conn.execute("ALTER TABLE files DROP COLUMN period_key")
        conn.execute("DROP INDEX files_by_app")
        conn.execute("DROP INDEX files_by_name_link")
        for col in ("app_key", "name_link", "disposition", "decision_key", "reason", "conflicts"):
            conn.execute(f"ALTER TABLE files DROP COLUMN {col}")
        conn.execute("DROP TABLE web_login_failures")  # and what later versions added
        conn.execute(f"PRAGMA user_version = {before}")
    with Ledger(db) as ledger:
        assert ledger.schema_version == len(MIGRATIONS)
        assert ledger.decisions() == expected
        ledger.ingest([inbox["a-q2-named"]], jobs=1)
    final = _stored_equals_fresh(db)
    assert final["a-q2-named.xlsx"] == "current"
    assert final["a-q2-later.xlsx"] == "superseded"
