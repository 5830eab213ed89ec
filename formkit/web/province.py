"""The province's pages, behind its password: login, the status of each round (报送情况),
one entry and its files, a new upload link."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from formkit.distribute import link_path
from formkit.ledger import FileRecord, RosterEntry, StatusRow, sort_for_chasing
from formkit.rounds.report import file_issues
from formkit.rounds.status import Round, entry_round, period_of_text, pick_round, spec_of
from formkit.web import auth, logins, service
from formkit.web.city import CityPages
from formkit.web.http import (
    address,
    csrf_of,
    download,
    http_error,
    read_form,
    redirect,
    set_cookie,
)
from formkit.web.pages import (
    LOGIN_COOKIE,
    OFFICE,
    SESSION_COOKIE,
    SESSION_HOURS,
    province_only,
)
from formkit.web.problems import status_problems
from formkit.web.store import WebStore

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


class ProvincePages(CityPages):
    """/province/login, /province, /province/entries/…, /province/files/…"""

    async def login_page(self, request: Request) -> Response:
        return await self.render_login(request)

    async def render_login(
        self, request: Request, status: int = 200, message: str | None = None
    ) -> Response:
        nonce = request.cookies.get(LOGIN_COOKIE)
        if not nonce or not auth.TOKEN_RE.fullmatch(nonce):
            nonce = auth.new_token()
        has_password = await self.run(self.password_hash) is not None
        response = self.page(
            request,
            "login.html",
            status,
            csrf=auth.csrf_token(self.secret, f"login:{nonce}"),
            message=message,
            has_password=has_password,
        )
        set_cookie(request, response, LOGIN_COOKIE, nonce, "/province", 3600)
        return response

    async def login(self, request: Request) -> Response:
        wait = self.rate.allow({("login-address", address(request)): self.limits.login_per_address})
        if wait is not None:
            await self.run(
                lambda: self.audit(
                    request, "login_refused", actor=OFFICE, status=429, detail="登录过于频繁"
                )
            )
            response = await self.render_login(
                request, 429, f"登录尝试过于频繁，请 {int(wait) + 1} 秒后再试。"
            )
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        form = await read_form(request)
        nonce = request.cookies.get(LOGIN_COOKIE) or ""
        if not auth.csrf_ok(self.secret, f"login:{nonce}", csrf_of(request, form)):
            await self.run(
                lambda: self.audit(
                    request, "login_refused", actor=OFFICE, status=403, detail="CSRF"
                )
            )
            return await self.render_login(request, 403, "页面已过期，请重新输入密码登录。")
        password = form.get("password")
        stored = await self.run(self.password_hash)
        # locked after repeated failures, and scrypt bounded (formkit.web.logins): the lock
        # is looked at again when this check's turn comes (a lock reached meanwhile costs
        # no scrypt)
        ok: bool | dt.datetime | None = False
        if isinstance(password, str):
            ok = await self.passwords.verify(
                password, stored, lambda: logins.locked_until(self.settings)
            )
        if isinstance(ok, dt.datetime):
            detail = "连续输错密码，登录已暂停"
            await self.run(
                lambda: self.audit(
                    request, "login_refused", actor=OFFICE, status=429, detail=detail
                )
            )
            return await self.render_login(request, 429, logins.locked_message(ok))
        if ok is None:
            return await self.render_login(request, 503, logins.BUSY)
        if not ok:
            await self.run(lambda: self.audit(request, "login_failed", actor=OFFICE, status=401))
            message = (
                "密码不正确。"
                if stored
                else "尚未设置登录密码：请系统管理员在服务器上设置后再登录。"
            )
            until = await self.run(logins.failed, self.settings) if stored else None
            if until is not None:
                message = logins.locked_message(until)
            return await self.render_login(request, 401, message)
        await self.run(logins.succeeded, self.settings)
        session = auth.new_token()
        expires = dt.datetime.now().astimezone() + dt.timedelta(hours=SESSION_HOURS)

        def start() -> None:
            with service.ledger(self.settings) as led:
                WebStore(led).add_session(auth.token_hash(session), expires)
            self.audit(request, "login", actor=OFFICE, status=303)

        await self.run(start)
        response = redirect("/province")
        set_cookie(request, response, SESSION_COOKIE, session, "/province", SESSION_HOURS * 3600)
        response.delete_cookie(LOGIN_COOKIE, path="/province")
        return response

    @province_only
    async def logout(self, request: Request, digest: str) -> Response:
        form = await read_form(request)
        if not auth.csrf_ok(self.secret, f"session:{digest}", csrf_of(request, form)):
            return self.refuse(request, 403, "页面已过期，请刷新后重试。")

        def end() -> None:
            with service.ledger(self.settings) as led:
                WebStore(led).drop_sessions(digest)
            self.audit(request, "logout", actor=OFFICE, status=303)

        await self.run(end)
        response = redirect("/province/login")
        response.delete_cookie(SESSION_COOKIE, path="/province")
        return response

    def province_context(self, digest: str) -> dict[str, Any]:
        return {"csrf": auth.csrf_token(self.secret, f"session:{digest}")}

    def chosen_round(self, request: Request, led: Any) -> tuple[list[Round], Round | None]:
        """The round a province page is about: `?form=&period=`, else `serve --form
        --period`, else the round distributed last."""
        form = request.query_params.get("form")
        period = request.query_params.get("period")
        if form is None and self.settings.form is not None:
            form, period = self.settings.form, self.settings.period
            if period is not None:
                found = period_of_text(period, spec_of(form))
                period = found.tag if found is not None else period
        return pick_round(led, form, period)

    @province_only
    async def province_home(self, request: Request, digest: str) -> Response:
        def gather() -> dict[str, Any] | None:
            with service.ledger(self.settings) as led:
                listed, chosen = self.chosen_round(request, led)
                if chosen is None:
                    return {"rounds": listed, "round": None}
                report = service.round_status(self.settings, led, chosen)
                lasts = [r.last for r in report.rows if r.last] + report.unmatched
                names = service.display_names(led, lasts)
            return {"report": report, "names": names, "rounds": listed, "round": chosen}

        data = await self.run(gather)
        if data is None or data["round"] is None:
            return self.page(
                request,
                "error.html",
                404,
                message="台账中没有这一轮报送：请从“报送情况”页面选择。",
                rounds=data["rounds"] if data else [],
                **self.province_context(digest),
            )
        report = data["report"]
        counts = report.counts
        spec = spec_of(report.form_id)
        return self.page(
            request,
            "province.html",
            rows=sort_for_chasing(report.rows),
            unmatched=report.unmatched,
            names=data["names"],
            counts=list(counts.items()),
            deadline=report.deadline,
            deadline_source=report.deadline_source,
            total=len(report.rows),
            report=report,
            rounds=data["rounds"],
            round=data["round"],
            round_query=data["round"].query if data["rounds"] else "",
            round_form=data["round"].form_id,
            subject_field=spec.roles.subject,
            problems=_problems,
            **self.province_context(digest),
        )

    @province_only
    async def new_link(self, request: Request, digest: str) -> Response:
        """A new upload link for one entry (its old one stops working), shown once."""
        form = await read_form(request)
        if not auth.csrf_ok(self.secret, f"session:{digest}", csrf_of(request, form)):
            return self.refuse(request, 403, "页面已过期，请刷新后重试。")
        sid = str(request.path_params["sid"])
        token = auth.new_token()

        def store() -> bool:
            with service.ledger(self.settings) as led:
                if led.entry(sid) is None:
                    return False
                WebStore(led).set_token_hashes({sid: auth.token_hash(token)}, actor=OFFICE)
            return True

        if not await self.run(store):
            raise http_error(404)
        # never from the Host header (formkit.web.hosts): without --base-url, the path
        link = (self.settings.base_url or "").rstrip("/") + link_path(token)
        return await self.render_entry(request, digest, new_link=link)

    @province_only
    async def province_entry(self, request: Request, digest: str) -> Response:
        return await self.render_entry(request, digest)

    async def render_entry(
        self, request: Request, digest: str, new_link: str | None = None
    ) -> Response:
        sid = request.path_params["sid"]

        def gather() -> dict[str, Any] | None:
            with service.ledger(self.settings) as led:
                entry = led.entry(sid)
                if entry is None:
                    return None
                history = led.history(sid)
                names = service.display_names(led, history)
                fates = service.fates(led, history)
                current = next((f for f in reversed(history) if f.superseded_by is None), None)
                across = service.across_of(led, current)
            return {
                "entry": entry,
                "uploads": list(reversed(history)),
                "names": names,
                "fates": fates,
                "focus": current,
                "across": across,
                "state": service.state_with(current, across),
            }

        data = await self.run(gather)
        if data is None:
            raise http_error(404)
        current = data["focus"]
        form = service.form_view(data["entry"])
        return self.page(
            request,
            "province_entry.html",
            new_link=new_link,
            form=form,
            round_query=form.round.query,
            round_form=form.round.form_id,
            issues=file_issues(current.submission, data["across"]) if current else [],
            **data,
            **self.province_context(digest),
        )

    async def province_record(self, request: Request) -> FileRecord:
        sha = request.path_params["sha"]
        if not auth.SHA256_RE.fullmatch(sha):
            raise http_error(404)

        def get() -> FileRecord | None:
            with service.ledger(self.settings) as led:
                return led.file(sha)

        record: FileRecord | None = await self.run(get)
        if record is None:
            raise http_error(404)
        return record

    @province_only
    async def province_file(self, request: Request, digest: str) -> Response:
        record = await self.province_record(request)

        def gather() -> dict[str, Any]:
            with service.ledger(self.settings) as led:
                names = service.display_names(led, [record])
                entry = led.entry(record.roster_id) if record.roster_id else None
                fates = service.fates(led, [record])
                across = service.across_of(led, record)
            return {"names": names, "entry": entry, "fates": fates, "across": across}

        data = await self.run(gather)
        return self.page(
            request,
            "province_file.html",
            focus=record,
            **_nav_round(data["entry"]),
            issues=file_issues(record.submission, data["across"]),
            **data,
            **self.province_context(digest),
        )

    @province_only
    async def province_original(self, request: Request, digest: str) -> Response:
        record = await self.province_record(request)
        data = await self.run(service.original_bytes, self.settings, record.sha256)
        if data is None:
            return self.refuse(request, 404, "找不到这个文件的原件。")

        def name() -> str:
            with service.ledger(self.settings) as led:
                return WebStore(led).upload_names([record.sha256]).get(record.sha256) or (
                    record.original_name
                )

        filename = await self.run(name)
        await self.run(
            lambda: self.audit(
                request,
                "download",
                actor=OFFICE,
                sha256=record.sha256,
                status=200,
                detail="原件",
            )
        )
        return download(data, filename)

    @province_only
    async def province_annotated(self, request: Request, digest: str) -> Response:
        record = await self.province_record(request)
        return await self.send_annotated(request, record.sha256, OFFICE)


def _nav_round(entry: RosterEntry | None) -> dict[str, Any]:
    """The navigation's round (its 催报名单; the 汇总表 only with the application round)."""
    if entry is None:
        return {}
    round_ = entry_round(entry)
    return {"round_query": round_.query, "round_form": round_.form_id}


def _problems(row: StatusRow) -> list[dict[str, str]]:
    """What must be corrected in one status row, each with its severity (错误 / 警告 /
    提示), a short text (the file's own first error, or the issue's kind at its cell) and
    the whole text behind it (formkit.web.problems)."""
    return status_problems(row)
