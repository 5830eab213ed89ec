"""申报书 (kjxm-cxjd-shenbaoshu): the application workbook of 商技发[2006]6号.

spec.toml is the form (contract: docs/forms/kjxm-cxjd-shenbaoshu.md); rules.py the notice's
criteria (六、五(二)、六(三)), with quota.py (each unit's quota, the review across its
applications) and criteria.py (what both name); recommend.py, authority.py and letters.py
the province's ranking, its 推荐文件 (a 请示 to 商务部) and 报部名单, publicity.py the ministry's
national 推荐名单（公示）,
which only this form has (`FORM.documents`); summary.py its own parts of the summary and the
roll-up (`FORM.summary`, the typed parts the summary calls).

The summary and the documents are made when first read (`Later`): they import xlsxwriter
and the letters, which a check does not need (issue #23, start-up).
"""

from pathlib import Path

from formkit.forms import Form, Later
from formkit.forms.parts import Document, Documents, Recommendation, SummaryPart
from formkit.forms.shenbaoshu import codes, rules


def _summary() -> SummaryPart:
    from formkit.forms.shenbaoshu import summary

    return summary.PART


def _documents() -> Documents:
    from formkit.forms.shenbaoshu import letters, publicity, recommend

    recommendation = Recommendation(
        rank_key=recommend.rank_key,
        propose=recommend.propose,
        settle=recommend.settle,
        by_unit=recommend.by_unit,
        shown=recommend.shown,
        recommended=recommend.RECOMMEND,
        particulars=letters.LetterInfo,
        write=letters.write_documents,
        notes=letters.letter_notes,
        documents={
            "recommendation.docx": Document("推荐文件", ".docx", letters.recommendation_docx),
            "public.xlsx": Document("报部名单", ".xlsx", letters.list_xlsx),
            "public.docx": Document("报部名单", ".docx", letters.list_docx),
        },
    )
    return Documents(recommendation=recommendation, rollup=publicity.documents)


FORM = Form(
    id="kjxm-cxjd-shenbaoshu",
    spec_file=Path(__file__).with_name("spec.toml"),
    rules=tuple(rules.RULES),
    codes=tuple(codes.CODES),
    computed_labels=rules.COMPUTED_LABELS,
    summary=Later(_summary),
    documents=Later(_documents),
)
