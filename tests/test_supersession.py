"""The one rule for which file is current, case by case (the README states it in words)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from formkit.forms import load_form_spec
from formkit.supersession import (
    Candidate,
    conflicts,
    decide,
    fingerprint,
    identities,
    period_of,
    period_texts,
    sortable_period,
)

D1, D2 = dt.date(2006, 4, 18), dt.date(2006, 4, 25)


def cand(handle: str, order: int, **kw: Any) -> Candidate:
    values = kw.pop("values", {"v": handle})
    # 填报日期 is one of a file's values: equal values, equal dates
    values = {**values, "fill_date": str(kw.get("fill_date", D1))}
    return Candidate(
        handle=handle,
        name=f"{handle}.xlsx",
        sha256=kw.pop("sha", f"sha-{handle}"),
        received=(order,),
        accepted=kw.pop("accepted", True),
        unit=kw.pop("unit", "江苏省"),
        applicant=kw.pop("applicant", "无锡高新区"),
        fill_date=kw.pop("fill_date", D1),
        fingerprint=fingerprint(values),
        **kw,
    )


def disp(decisions: dict[str, Any]) -> dict[str, str]:
    return {h: d.disposition for h, d in decisions.items()}


def test_newer_fill_date_wins_whatever_order_it_arrives_in() -> None:
    for order in ((1, 2), (2, 1)):
        old = cand("old", order[0], fill_date=D1)
        new = cand("new", order[1], fill_date=D2)
        d = decide([old, new])
        assert disp(d) == {"old": "superseded", "new": "current"}
        assert d["old"].winner == "new"
        assert "填报日期 2006-04-25 晚于 2006-04-18" in d["old"].reason


def test_byte_identical_file_is_a_duplicate_never_a_replacement() -> None:
    a = cand("a", 1, sha="same")
    b = cand("b", 2, sha="same")
    d = decide([b, a])
    assert disp(d) == {"a": "current", "b": "duplicate"}
    assert "逐字节相同" in d["b"].reason and d["b"].winner == "a"


def test_equal_values_are_the_same_version_the_first_received_stays() -> None:
    a = cand("a", 1, values={"x": 1})
    resaved = cand("resaved", 2, values={"x": 1})
    d = decide([a, resaved])
    assert disp(d) == {"a": "current", "resaved": "same_version"}
    assert "同一版本" in d["resaved"].reason


def test_reingested_feedback_copy_of_old_version_never_comes_back() -> None:
    """The province re-ingests its own feedback copies after the corrected file arrived."""
    old = cand("old", 1, values={"x": 125000}, fill_date=D1)
    fixed = cand("fixed", 2, values={"x": 12.5}, fill_date=D1)  # corrected, date not moved
    copy = cand("copy", 3, values={"x": 125000}, fill_date=D1, annotates="sha-old")
    d = decide([old, fixed, copy])
    assert d["fixed"].disposition == "current"
    assert d["copy"].disposition == "same_version"
    assert d["old"].disposition == "superseded"


def test_changed_feedback_copy_without_new_date_is_not_newer_and_is_flagged() -> None:
    orig = cand("orig", 1, values={"x": 1}, fill_date=D1)
    copy = cand("copy", 2, values={"x": 2}, fill_date=D1, annotates="sha-orig")
    d = decide([orig, copy])
    assert disp(d) == {"orig": "current", "copy": "superseded"}
    assert d["orig"].conflicts == ("copy",)
    assert "审核意见副本" in d["copy"].reason


def test_changed_feedback_copy_with_new_date_is_the_new_version() -> None:
    orig = cand("orig", 1, values={"x": 1}, fill_date=D1)
    copy = cand("copy", 2, values={"x": 2}, fill_date=D2, annotates="sha-orig")
    d = decide([orig, copy])
    assert disp(d) == {"orig": "superseded", "copy": "current"}
    assert d["copy"].conflicts == ()


def test_same_day_different_values_is_a_conflict_later_received_used() -> None:
    a = cand("a", 1, values={"x": 1})
    b = cand("b", 2, values={"x": 2})
    d = decide([b, a])
    assert disp(d) == {"a": "superseded", "b": "current"}
    assert d["b"].conflicts == ("a",)
    assert [(c.current, c.others) for c in conflicts(d)] == [("b", ["a"])]
    assert "请核实" in d["a"].reason


def test_rejected_files_are_never_current_and_never_replace() -> None:
    good = cand("good", 1)
    bad = cand("bad", 2, accepted=False, fill_date=None)
    assert disp(decide([good, bad])) == {"good": "current", "bad": "rejected"}


def test_identity_by_submission_id_beats_names_and_joins_name_only_files() -> None:
    stamped = cand("stamped", 1, submission_id="JS-2006-001", applicant="无锡高新区")
    renamed = cand("renamed", 2, submission_id="JS-2006-001", applicant="无锡国家高新区")
    blank = cand("blank", 3, applicant="无锡 高新区", fill_date=D2)  # no id: joins by name
    other = cand("other", 4, applicant="苏州工业园区")
    ids = identities([stamped, renamed, blank, other])
    assert ids["stamped"] == ids["renamed"] == ids["blank"] != ids["other"]
    assert disp(decide([stamped, renamed, blank, other]))["blank"] == "current"


def test_files_of_other_units_are_other_applications() -> None:
    a = cand("a", 1, unit="江苏省")
    b = cand("b", 2, unit="浙江省")
    assert disp(decide([a, b])) == {"a": "current", "b": "current"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([D1, D2, None]), st.integers(0, 2)),
        min_size=1,
        max_size=7,
    ),
    st.randoms(use_true_random=False),
)
def test_exactly_one_current_per_application_and_order_of_input_irrelevant(
    specs: list[tuple[int, dt.date | None, int]], rnd: random.Random
) -> None:
    cands = [
        cand(f"f{i}", i, values={"x": val}, fill_date=day, applicant=f"申请{app % 2}")
        for i, (val, day, app) in enumerate(specs)
    ]
    d = decide(cands)
    shuffled = list(cands)
    rnd.shuffle(shuffled)
    assert decide(shuffled) == d
    current = [h for h, x in d.items() if x.disposition == "current"]
    apps = {c.applicant for c in cands}
    assert len(current) == len(apps)
    for c in cands:
        # nothing current is older by 填报日期 than another file of its application
        x = d[c.handle]
        if x.disposition == "current":
            for o in cands:
                if o.applicant == c.applicant and o.fill_date and c.fill_date:
                    assert o.fill_date <= c.fill_date
        else:
            assert x.winner is not None and x.reason


def test_values_digest_is_the_same_typed_or_from_the_ledgers_json() -> None:
    """The ledger digests what it stores (JSON), a batch what it read (typed): they agree."""
    from formkit.api import load_spec
    from formkit.check import check_file
    from formkit.read.submission import from_json, values_json
    from tests.conftest import ROOT

    dates = {f.id for f in load_spec().fields if f.type == "date"}
    for path in sorted((ROOT / "samples").iterdir()):
        sub = check_file(path)
        if sub.status != "accepted":
            continue
        stored = values_json(sub.values)
        assert fingerprint(sub.values) == fingerprint(stored)
        assert fingerprint(from_json(sub.to_json(), dates).values) == fingerprint(sub.values)
    assert fingerprint({"x": 21}) == fingerprint({"x": 21.0}) != fingerprint({"x": 21.5})


def test_a_periodic_forms_files_for_two_periods_are_two_reports_not_two_versions() -> None:
    """One base's Q1 and Q2 reports both count; a resent Q1 replaces only Q1, even when it
    is the Q1 workbook re-used (same stamped id) or a name-only copy."""
    q1 = cand("q1", 1, submission_id="S1", period="2007/第一季度", values={"x": 1})
    q2 = cand("q2", 2, submission_id="S1", period="2007/第二季度", values={"x": 2})
    q1_new = cand(
        "q1b", 3, submission_id="S1", period="2007/第一季度", values={"x": 3}, fill_date=D2
    )
    named = cand("q2n", 4, period="2007/第二季度", values={"x": 4}, fill_date=D2)
    d = decide([q1, q2, q1_new, named])
    assert disp(d) == {"q1": "superseded", "q1b": "current", "q2": "superseded", "q2n": "current"}
    assert d["q1"].winner == "q1b" and d["q2"].winner == "q2n"
    ids = identities([q1, q2, q1_new, named])
    assert ids["q1"] == ids["q1b"] != ids["q2"] == ids["q2n"]


def test_period_texts_is_period_of_and_sortable_period_at_once() -> None:
    jidu, once = load_form_spec("kjxm-cxjd-jidu"), load_form_spec("kjxm-cxjd-shenbaoshu")
    for values in (
        {"report_year": 2007, "report_quarter": "第二季度"},
        {"report_year": 2007},  # the period not said in full
        {},
    ):
        assert period_texts(values, jidu) == (
            period_of(values, jidu),
            sortable_period(values, jidu),
        )
        assert period_texts(values, once) == (None, None)  # a form filed once a round
    assert period_texts({"report_year": 2007, "report_quarter": "第二季度"}, jidu)[0] == (
        "2007/第二季度"
    )
