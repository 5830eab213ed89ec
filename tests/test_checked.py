"""A Submission is read once and never changed: validation gives a `Checked` copy (issue #22)."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest

from formkit.api import read
from formkit.forms import form_of, get_form, read_options
from formkit.read.submission import Submission
from formkit.validate import Checked, validate
from tests.conftest import ROOT

SAMPLES = ROOT / "samples"


def _sample(prefix: str) -> Path:
    return next(SAMPLES.glob(f"{prefix}-*"))


@pytest.mark.parametrize("prefix", ["01", "07", "09", "11"])
def test_validation_leaves_its_submission_unchanged(prefix: str) -> None:
    """Reading issues, values, provenance: all as read, after validation; the Checked result
    has the reading's issues first, then validation's, and the verdict."""
    sub = read(_sample(prefix))
    assert sub.status == "accepted"
    as_read = copy.deepcopy(sub)
    json_before = json.dumps(sub.to_json(), ensure_ascii=False, sort_keys=True)

    checked = validate(sub, form_of(get_form(sub.form.id if sub.form else None).spec))

    assert sub == as_read and sub.values == as_read.values and sub.issues == as_read.issues
    assert json.dumps(sub.to_json(), ensure_ascii=False, sort_keys=True) == json_before
    assert sub.verdict is None and sub.criteria == () and sub.computed == {}
    assert isinstance(checked, Checked) and checked is not sub
    assert checked.issues[: len(sub.issues)] == sub.issues
    assert checked.verdict in ("符合", "不符合", "待补充材料", "需人工判断") and checked.criteria
    assert checked.values == sub.values and checked.sources == sub.sources


def test_a_file_with_findings_gets_them_in_the_checked_copy_only() -> None:
    """09 lacks required fields: validation finds them; the file as read does not have them."""
    sub = read(_sample("09"))
    checked = validate(sub, form_of(get_form().spec))
    found = [i.code for i in checked.issues[len(sub.issues) :]]
    assert "required_missing" in found
    assert "required_missing" not in [i.code for i in sub.issues]


def test_a_submission_cannot_be_changed() -> None:
    sub = read(_sample("01"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        sub.verdict = "符合"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        sub.issues.append(sub.issues[0] if sub.issues else None)  # type: ignore[attr-defined]
    changed = dataclasses.replace(sub, values={**sub.values, "x": 1})
    assert "x" not in sub.values and changed.values["x"] == 1


def test_a_rejected_file_is_checked_as_it_is() -> None:
    rejected = Submission("x.xlsx", "0" * 64, "rejected")
    checked = validate(rejected, get_form())
    assert isinstance(checked, Checked)
    assert dataclasses.asdict(checked) == dataclasses.asdict(rejected)


def test_reading_needs_the_forms_a_file_may_be() -> None:
    """The reader picks no form by itself: the edge says which (formkit.forms.read_options)."""
    from formkit.read import ReadOptions

    with pytest.raises(ValueError, match="read_options"):
        ReadOptions(specs=())
    options = read_options(forms=None)
    assert [Path(p).parent.name for p in options.specs] == ["shenbaoshu", "jidu", "nianbao"]


@pytest.mark.parametrize("provenance", [True, False])
def test_a_worker_result_brings_its_values_digest(provenance: bool) -> None:
    """The values' digest (the supersession rule's fingerprint) is computed in the reading
    worker and travels with the result, with or without the source cells: the process
    collecting a thousand results does not compute it again."""
    from formkit.check import check_many
    from formkit.supersession import fingerprint

    paths = [_sample(p) for p in ("01", "07")]
    results = list(check_many(paths, read_options(), jobs=1, provenance=provenance))
    assert [r.status for r in results] == ["accepted", "accepted"]
    for sub in results:
        assert bool(sub.sources) is provenance
        assert sub._digest is not None  # carried over, not computed here
        assert sub._digest == fingerprint(sub.values)
