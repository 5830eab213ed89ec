"""What the province downloads: the 催报 workbook of a round, the provincial summary, the
推荐文件 and 报部名单 (as `formkit recommend --db` makes them), and the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from formkit.forms import default_form
from formkit.rounds.recommend import document, document_kinds
from formkit.rounds.status import Round
from formkit.web import service
from formkit.web.http import download, http_error
from formkit.web.pages import OFFICE, province_only
from formkit.web.province import ProvincePages
from formkit.web.store import WebStore

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

NO_APPLICATIONS = "台账中还没有可推荐的申请：申请单位上报、文件受理后，这里才有推荐名单和推荐文件。"


class Downloads(ProvincePages):
    """/province/download/…, /province/recommend, /province/audit"""

    @province_only
    async def download_status(self, request: Request, digest: str) -> Response:
        """The 催报 workbook of the round the page shows (`?form=&period=`)."""

        def build() -> tuple[Round | None, bytes]:
            with service.ledger(self.settings) as led:
                _, chosen = self.chosen_round(request, led)
            if chosen is None:
                return None, b""
            return chosen, service.status_workbook(self.settings, chosen)

        chosen, data = await self.run(build)
        if chosen is None:
            return self.refuse(request, 404, "台账中没有这一轮报送：请从“报送情况”页面选择。")
        name = "报送情况.xlsx" if chosen.period is None else f"报送情况-{chosen.label}.xlsx"
        name = name.replace(" ", "-")
        await self.run(
            lambda: self.audit(
                request, "download", actor=OFFICE, status=200, detail=name.removesuffix(".xlsx")
            )
        )
        return download(data, name)

    @province_only
    async def download_summary(self, request: Request, digest: str) -> Response:
        data = await self.run(self.summary)
        await self.run(
            lambda: self.audit(request, "download", actor=OFFICE, status=200, detail="汇总表")
        )
        return download(data, "汇总表.xlsx")

    @province_only
    async def province_recommend(self, request: Request, digest: str) -> Response:
        decided = await self.run(service.decision, self.settings)
        return self.page(
            request,
            "recommend.html",
            decision=decided,
            columns=service.decision_columns(),
            empty=NO_APPLICATIONS,
            **self.province_context(digest),
        )

    @province_only
    async def download_recommendation(self, request: Request, digest: str) -> Response:
        """One of a unit's 推荐文件 / 报部名单; `?unit=` names it when there are several."""
        kind = request.url.path.rsplit("/", 1)[-1]
        if kind not in document_kinds(default_form()):
            raise http_error(404)
        wanted = request.query_params.get("unit")

        def build() -> tuple[int, str, bytes]:
            decided = service.decision(self.settings)
            if not decided.units:
                return 404, NO_APPLICATIONS, b""
            unit = decided.unit(wanted)
            if unit is None:
                return 404, "请在“推荐文件”页面上选择推荐单位后下载。", b""
            with self.workers.slot():  # python-docx takes a moment: no more than the checks
                name, data = document(default_form(), unit, kind)
            return 200, name, data

        status, name, data = await self.run(build)
        if status != 200:
            return self.refuse(request, status, name)
        await self.run(
            lambda: self.audit(request, "download", actor=OFFICE, status=200, detail=name)
        )
        return download(data, name)

    @province_only
    async def province_audit(self, request: Request, digest: str) -> Response:
        def gather() -> list[dict[str, Any]]:
            with service.ledger(self.settings) as led:
                return WebStore(led).audit_log(300)

        entries = await self.run(gather)
        return self.page(request, "audit.html", entries=entries, **self.province_context(digest))

    def summary(self) -> bytes:
        with self.workers.slot():
            return service.summary_workbook(self.settings)
