"""`formkit serve`: the web page of the round (and `--set-password`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from formkit.cli.common import (
    FormOpt,
    PeriodOpt,
    day_option,
    err,
    fail,
    form_spec,
    out,
    period_option,
    unit_name,
)
from formkit.ledger import Ledger, LedgerError
from formkit.reference import load_reference
from formkit.web.auth import hash_password, password_problem
from formkit.web.hosts import base_url_problem
from formkit.web.server import LOOPBACK, require_web_stack, run
from formkit.web.service import Settings, cpu_slots, default_store
from formkit.web.store import WebStore


def serve(
    db: Annotated[Path, typer.Option("--db", help="报送台账（不存在则新建）。")] = Path(
        "formkit.db"
    ),
    host: Annotated[
        str,
        typer.Option("--host", help="监听地址（默认只接受本机访问；对外请经 HTTPS 反向代理）。"),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口。")] = 8000,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="上传文件的存放文件夹（默认为台账旁的“<台账名>-上报文件”）。"),
    ] = None,
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="报送截止日期，如 2006-04-30。")
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="推荐单位，如 江苏省（写入汇总表标题）。")
    ] = None,
    max_upload_mb: Annotated[
        int, typer.Option("--max-upload-mb", help="单个上传文件的大小上限（MB）。")
    ] = 20,
    behind_proxy: Annotated[
        bool,
        typer.Option(
            "--behind-proxy", help="经本机反向代理访问：按 X-Forwarded-For 识别访问者地址。"
        ),
    ] = False,
    set_password: Annotated[
        bool, typer.Option("--set-password", help="设置省级登录密码（输入两次，不回显）后退出。")
    ] = False,
    form: FormOpt = None,
    period: PeriodOpt = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            help="按这一天收件并判断逾期（默认今天；重现或演练以往的报送时用）。",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="本服务对外的网址，如 https://baosong.example.gov.cn（与 distribute --base-url "
            "相同）：页面上的链接按它生成；设定后，以其他网址（Host）访问的请求一律拒绝。",
        ),
    ] = None,
    uploads_per_address: Annotated[
        int,
        typer.Option(
            "--uploads-per-address",
            help="同一访问地址每分钟最多上传几次（默认 600：各地经同一出口地址上网时，"
            "最后一天全省一起上传也够用；只防失控的程序）。",
        ),
    ] = 600,
    uploads_per_link: Annotated[
        int,
        typer.Option(
            "--uploads-per-link",
            help="同一上报链接每分钟最多上传几次（默认 10：一个单位改正后重传绰绰有余）。",
        ),
    ] = 10,
) -> None:
    """网上报送页面：各申请单位（基地）经各自的上报链接上传申报书或报表、立即看到审核意见；省级登录查看
    各轮报送情况（--form、--period 指定页面默认显示的一轮，--deadline 是这一轮的截止日期）。"""
    if set_password:
        password = typer.prompt("新密码", hide_input=True, confirmation_prompt="再输入一次")
        problem = password_problem(password)
        if problem:
            raise fail(problem)
        try:
            with Ledger(db) as ledger:
                WebStore(ledger).set_web_setting("password", hash_password(password))
                WebStore(ledger).drop_sessions()
                WebStore(ledger).clear_login_failures()
                WebStore(ledger).audit("password_set", actor="cli")
        except LedgerError as exc:
            raise fail(str(exc)) from None
        out.print(f"已设置省级登录密码（台账 {db}；已登录的会话全部失效，暂停的登录恢复）。")
        return
    due = day_option(deadline, "截止日期")
    replay = day_option(today, "--today 日期")
    unit = unit_name(load_reference(), unit)
    if not 1 <= max_upload_mb <= 50:
        raise fail("--max-upload-mb 应在 1 到 50 之间（读取时文件上限为 50 MB）。")
    form_id = when = None
    if form is not None or period is not None:
        spec = form_spec(form)
        form_id, when = spec.id, period_option(spec, period)
    if base_url is not None:
        problem = base_url_problem(base_url)
        if problem:
            raise fail(problem)
    if not (1 <= uploads_per_address <= 100_000 and 1 <= uploads_per_link <= 10_000):
        raise fail(
            "--uploads-per-address 应在 1 到 100000 之间，--uploads-per-link 应在 1 到 10000 之间。"
        )
    try:
        require_web_stack()
    except ImportError as exc:
        raise fail(
            f"缺少网页所需的组件（{exc.name}），请重新安装 formkit（pip install .）。"
        ) from None
    try:
        with Ledger(db) as ledger:
            has_password = WebStore(ledger).web_setting("password") is not None
    except LedgerError as exc:
        raise fail(str(exc)) from None
    settings = Settings(
        db=db,
        store=store or default_store(db),
        max_upload=max_upload_mb * 1024 * 1024,
        deadline=due,
        unit=unit,
        checks=cpu_slots(),
        form=form_id,
        period=when.tag if when is not None else None,
        today=replay,
        base_url=base_url.rstrip("/") if base_url else None,
        uploads_per_address=uploads_per_address,
        uploads_per_link=uploads_per_link,
        warm=True,
    )
    if not has_password:
        err.print("[yellow]提示：[/]尚未设置省级登录密码，请先运行 formkit serve --set-password。")
    if host not in LOOPBACK:
        err.print(
            f"[yellow]注意：[/]监听 {host}，其他计算机可直接访问；本服务不加密，"
            "请置于单位的 HTTPS 反向代理之后。"
        )
    shown = base_url.rstrip("/") if base_url else f"http://{host}:{port}"
    out.print(f"网上报送页面：{shown}/province/login（台账 {db}，Ctrl+C 停止）")
    run(settings, host=host, port=port, behind_proxy=behind_proxy)
