"""A form's typed parts (formkit/forms/parts.py): what the engine, the command line and the web
page reach a form's own outputs by, instead of naming its package (issue #22)."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from formkit.forms import Form, Later, form_ids, get_form
from formkit.forms.parts import Documents, SummaryPart
from formkit.forms.shenbaoshu import letters, publicity, recommend
from formkit.forms.shenbaoshu import summary as shenbaoshu_summary
from formkit.reference import load_reference
from formkit.summary import SummaryData
from tests.test_letters import FULL, decided


def test_only_the_application_has_a_recommendation_and_a_publicity() -> None:
    for form_id in form_ids():
        form = get_form(form_id)
        if form_id == "kjxm-cxjd-shenbaoshu":
            assert form.documents.recommendation is not None
            assert form.documents.rollup is publicity.documents
            assert form.summary is shenbaoshu_summary.PART
        else:
            assert form.documents == Documents() and form.summary == SummaryPart()


def test_the_recommendation_part_makes_the_documents_the_form_makes() -> None:
    rec = get_form().documents.recommendation
    assert rec is not None
    apps = decided()
    assert rec.recommended == recommend.RECOMMEND
    assert {k: (d.name, d.suffix) for k, d in rec.documents.items()} == {
        "recommendation.docx": ("推荐文件", ".docx"),
        "public.xlsx": ("报部名单", ".xlsx"),
        "public.docx": ("报部名单", ".docx"),
    }
    built = {k: d.build(apps, FULL) for k, d in rec.documents.items()}
    assert built["recommendation.docx"] == letters.recommendation_docx(apps, FULL)
    assert built["public.xlsx"] == letters.list_xlsx(apps, FULL)
    assert built["public.docx"] == letters.list_docx(apps, FULL)
    assert rec.particulars(2006, "四川省") == letters.LetterInfo(2006, "四川省")
    assert rec.rank_key(None).shown == recommend.rank_key().shown
    with pytest.raises(ValueError, match="不是汇总表中的列"):
        rec.rank_key("身高")


def test_the_publicity_is_written_beside_the_rollup_by_the_part() -> None:
    rollup = get_form().documents.rollup
    assert rollup is not None
    data = SummaryData(year=2006, unit=None, applications=decided())
    names = [name for name, _ in rollup(data, load_reference())]
    assert names == list(publicity.file_names(2006))


def test_a_form_is_made_with_typed_parts_only() -> None:
    """No string-named hooks: a Form has no `hooks`, and its parts are dataclasses."""
    names = {f.name for f in dataclasses.fields(Form)}
    assert "hooks" not in names and {"summary", "documents"} <= names
    assert not hasattr(Form, "hook")


def test_a_part_given_later_is_made_once_when_first_read() -> None:
    made: list[int] = []

    def make() -> SummaryPart:
        made.append(1)
        return SummaryPart(notes=lambda writer, lines: lines)

    form = Form("toy-later", Path(), summary=Later(make))
    assert made == [] and form.documents == Documents()
    part = form.summary
    assert form.summary is part and part.notes is not None and made == [1]
    copy = dataclasses.replace(form, given_spec=None)
    assert copy.summary is part and made == [1]


def _application_summary() -> SummaryPart:
    return get_form().summary


def test_a_part_not_yet_made_pickles_as_its_function() -> None:
    """A form travels to a forkserver worker by pickle (register_all)."""
    form = Form("toy-pickled", Path(), summary=Later(_application_summary))
    copy = pickle.loads(pickle.dumps(form))
    assert copy.summary is shenbaoshu_summary.PART
