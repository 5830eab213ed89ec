"""A city's pages, reached only through its private upload link: the upload (each file
checked at once, in an isolated worker), its verdict and issues, its history and the
annotated copy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from formkit.ledger import FileRecord, RosterEntry
from formkit.rounds.report import file_issues
from formkit.rounds.status import entry_round
from formkit.web import auth, service
from formkit.web.http import (
    address,
    csrf_of,
    download,
    http_error,
    is_upload,
    json_response,
    read_form,
    redirect,
    wants_json,
)
from formkit.web.pages import Pages
from formkit.web.store import WebStore

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


class CityPages(Pages):
    """/u/<token>, its upload and its files."""

    async def city_entry(self, request: Request) -> tuple[str, RosterEntry]:
        token = str(request.path_params["token"])
        if not auth.TOKEN_RE.fullmatch(token):
            raise http_error(404)
        digest = auth.token_hash(token)

        def lookup() -> tuple[str, RosterEntry] | None:
            with service.ledger(self.settings) as led:
                hit = WebStore(led).token_entry(digest)
                if hit is None or not auth.same(hit[1], digest):
                    return None
                entry = led.entry(hit[0])
            return None if entry is None else (digest, entry)

        found = await self.run(lookup)
        if found is None:
            raise http_error(404)
        return found

    async def city_page(self, request: Request) -> Response:
        digest, entry = await self.city_entry(request)
        return await self.render_city(request, digest, entry)

    async def render_city(
        self,
        request: Request,
        digest: str,
        entry: RosterEntry,
        *,
        status: int = 200,
        result: service.UploadResult | None = None,
        shown: str | None = None,
    ) -> Response:
        def gather() -> dict[str, Any]:
            with service.ledger(self.settings) as led:
                history = led.history(entry.submission_id)
                names = service.display_names(led, history)
                fates = service.fates(led, history)
                current = next((f for f in reversed(history) if f.superseded_by is None), None)
                focus = next((f for f in history if f.sha256 == shown), None) or current
                across = service.across_of(led, focus)
                now = across if focus is current else service.across_of(led, current)
            return {
                "uploads": list(reversed(history)),
                "names": names,
                "focus": focus,
                "fates": fates,
                "across": across,
                "state": service.state_with(current, now),
            }

        data = await self.run(gather)
        focus: FileRecord | None = data["focus"]
        return self.page(
            request,
            "city.html",
            status,
            entry=entry,
            form=service.form_view(entry),
            token=request.path_params["token"],
            csrf=auth.csrf_token(self.secret, f"city:{digest}"),
            result=result,
            focus=focus,
            issues=file_issues(focus.submission, data["across"]) if focus else [],
            across=data["across"],
            uploads=data["uploads"],
            names=data["names"],
            fates=data["fates"],
            state=data["state"],
        )

    async def city_file(self, request: Request) -> Response:
        digest, entry = await self.city_entry(request)
        sha = await self.own_file(request, entry)
        return await self.render_city(request, digest, entry, shown=sha)

    async def own_file(self, request: Request, entry: RosterEntry) -> str:
        sha = str(request.path_params["sha"])
        if not auth.SHA256_RE.fullmatch(sha):
            raise http_error(404)

        def mine() -> bool:
            with service.ledger(self.settings) as led:
                record = led.file(sha)
            return record is not None and record.roster_id == entry.submission_id

        if not await self.run(mine):
            raise http_error(404)
        return sha

    async def city_copy(self, request: Request) -> Response:
        """The city's own pre-filled copy, as `formkit distribute` made it for this link."""
        _, entry = await self.city_entry(request)
        name, data = await self.run(service.own_copy, entry)
        await self.run(
            lambda: self.audit(
                request,
                "download",
                actor=f"city:{entry.submission_id}",
                status=200,
                detail=f"预填的{entry_round(entry).title}",
            )
        )
        return download(data, name)

    async def city_annotated(self, request: Request) -> Response:
        _, entry = await self.city_entry(request)
        sha = await self.own_file(request, entry)
        return await self.send_annotated(request, sha, f"city:{entry.submission_id}")

    async def send_annotated(self, request: Request, sha: str, actor: str) -> Response:
        data = await self.run(service.annotated_copy, self.settings, self.workers, sha)
        if data is None:
            return self.refuse(request, 404, "这个文件没有审核意见副本（文件未受理或无法生成）。")

        def name() -> str:
            with service.ledger(self.settings) as led:
                shown = WebStore(led).upload_names([sha]).get(sha)
                record = led.file(sha)
            stem = Path(shown or (record.original_name if record else sha)).stem
            return f"{stem}-审核意见.xlsx"

        filename = await self.run(name)
        await self.run(
            lambda: self.audit(
                request, "download", actor=actor, sha256=sha, status=200, detail="审核意见副本"
            )
        )
        return download(data, filename)

    async def city_upload(self, request: Request) -> Response:
        digest, entry = await self.city_entry(request)
        actor = f"city:{entry.submission_id}"

        async def refused(status: int, message: str) -> Response:
            await self.run(
                lambda: self.audit(request, "refused", actor=actor, status=status, detail=message)
            )
            if wants_json(request):
                return json_response({"ok": False, "message": message}, status)
            result = service.UploadResult("refused", status, message, "")
            return await self.render_city(request, digest, entry, status=status, result=result)

        wait = self.rate.allow(
            {
                ("upload-link", digest): self.limits.upload_per_link,
                ("upload-address", address(request)): self.limits.upload_per_address,
            }
        )
        if wait is not None:
            response = await refused(429, f"上传过于频繁，请 {int(wait) + 1} 秒后再试。")
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        from starlette.exceptions import HTTPException

        try:
            form = await read_form(request, files=1)
        except HTTPException as exc:
            if exc.status_code == 413:
                return await refused(413, self.too_large)
            return await refused(400, "上传的内容无法识别，请用页面上的“上传”按钮提交文件。")
        try:
            if not auth.csrf_ok(self.secret, f"city:{digest}", csrf_of(request, form)):
                return await refused(403, "页面已过期或来源不明，请刷新本页后重新上传。")
            upload = form.get("file")
            if not is_upload(upload) or not upload.filename:
                title = entry_round(entry).title
                return await refused(400, f"没有收到文件：请选择{title}文件后再上传。")
            problem = _bad_filename(upload.filename)
            if problem:
                return await refused(400, problem)
            data = await upload.read(self.settings.max_upload + 1)
            if len(data) > self.settings.max_upload:
                return await refused(413, self.too_large)
            name = service.clean_name(upload.filename)
        finally:
            await form.close()
        # waits for a reading worker without holding a page's thread (formkit.web.queue)
        result: service.UploadResult = await self.uploads.run(
            service.process_upload, self.settings, self.workers, entry, name, data
        )
        kind = "upload" if result.outcome != "refused" else "refused"
        await self.run(
            lambda: self.audit(
                request,
                kind,
                actor=actor,
                sha256=result.sha256,
                status=result.status,
                detail=f"{name}：{result.message}",
            )
        )
        if wants_json(request):
            across: list[dict[str, Any]] = []
            if result.record is not None:
                record = result.record

                def cross() -> list[dict[str, Any]]:
                    with service.ledger(self.settings) as led:
                        return service.across_of(led, led.file(record.sha256))

                across = await self.run(cross)
            return json_response(result_json(request, result, across), result.status)
        if result.outcome == "refused":
            return await self.render_city(
                request, digest, entry, status=result.status, result=result
            )
        # post/redirect/get: reloading the page does not upload again
        token = request.path_params["token"]
        return redirect(f"/u/{token}/files/{result.sha256}?new=1")


def _bad_filename(name: str) -> str | None:
    """Why a browser's file name is refused: it is display text, never a path."""
    if any(ch in name for ch in "/\\\x00") or name.strip() in (".", "..") or ":" in name:
        return "文件名不能含有路径（/、\\、: 等字符），请直接选择文件上传。"
    if len(name) > 255:
        return "文件名过长（超过 255 个字符），请改短后重新上传。"
    return None


def result_json(
    request: Request, result: service.UploadResult, across: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An upload's outcome for the page's script; `across`: the file's issues across
    periods (listed with its own, and counted in its state)."""
    across = across or []
    token = request.path_params["token"]
    doc: dict[str, Any] = {
        "ok": result.outcome != "refused",
        "outcome": result.outcome,
        "message": result.message,
        "sha256": result.sha256 or None,
    }
    record = result.record
    if record is None:
        doc["issues"] = result.issues
        return doc
    state = service.state_with(record, across)
    if state == "有错误" and result.outcome == "new":
        # the state the status page shows, and the same word (formkit.states)
        doc["message"] = result.message.rstrip("。") + "；有错误，请按下列问题更正后重新上报。"
    doc.update(
        {
            "state": state,
            "status": record.status,
            "verdict": record.verdict,
            "errors": record.errors,
            "warnings": record.warnings,
            "supersedes": result.supersedes,
            "issues": file_issues(record.submission, across),
            "page": f"/u/{token}/files/{record.sha256}",
            "annotated": f"/u/{token}/files/{record.sha256}/annotated"
            if record.status == "accepted" and (record.errors or record.warnings or across)
            else None,
        }
    )
    return doc
