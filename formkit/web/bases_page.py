"""The province's pages of the register of bases (formkit bases): its bases, and each base's
history (its quarters and years, charted, with the register's status changes marked).

A province sees its own bases (`formkit serve --unit`); without a unit, every base (the
ministry's server). The charts are drawn here as SVG: the page needs no script.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from formkit.bases import ADJUSTABLE, Base, Register
from formkit.evaluate import History, Point, history
from formkit.evaluate.reports import gather
from formkit.web import service
from formkit.web.http import http_error, redirect

if TYPE_CHECKING:
    from markupsafe import Markup
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

# the two series' colours, as the workbook's charts draw them
COLOURS = ("#4472C4", "#C0504D", "#9BBB59")


def bar_chart(
    title: str, points: Sequence[Point], figures: Sequence[tuple[str, str, str]]
) -> Markup:
    """Grouped bars, one group per point, one bar per figure; a point with a status change
    has a red dashed line and the change's name above it."""
    from markupsafe import Markup  # Jinja2's, loaded with the pages only

    width, height = 720, 300
    left, right, top, bottom = 64, 12, 34, 70
    values = [v for p in points for fid, _, _ in figures if (v := p.values.get(fid)) is not None]
    top_value = max(values, default=0.0) or 1.0
    step = _nice(top_value / 4)
    ceiling = step * 4 if step * 4 >= top_value else step * 5
    plot_w, plot_h = width - left - right, height - top - bottom
    group = plot_w / max(len(points), 1)
    bar = group * 0.7 / max(len(figures), 1)
    unit = figures[0][2] if figures else ""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f'<text x="{width / 2}" y="18" text-anchor="middle" class="t">{escape(title)}</text>',
        f'<text x="14" y="{top + plot_h / 2}" class="u" '
        f'transform="rotate(-90 14 {top + plot_h / 2})" text-anchor="middle">{escape(unit)}</text>',
    ]
    k = 0
    while step * k <= ceiling + 1e-9:
        y = top + plot_h - plot_h * (step * k) / ceiling
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="g"/>')
        label = f"{step * k:,.0f}"
        out.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="a">{label}</text>'
        )
        k += 1
    for i, p in enumerate(points):
        x0 = left + group * i + group * 0.15
        for j, (fid, _, _) in enumerate(figures):
            v = p.values.get(fid)
            if v is None:
                continue
            h = plot_h * v / ceiling
            out.append(
                f'<rect x="{x0 + bar * j:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[j % len(COLOURS)]}"><title>'
                f"{escape(p.label)} {escape(figures[j][1])}：{v:,.2f} {escape(unit)}</title></rect>"
            )
        cx = left + group * (i + 0.5)
        out.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 14}" text-anchor="end" class="a" '
            f'transform="rotate(-35 {cx:.1f} {top + plot_h + 14})">{escape(p.label)}</text>'
        )
        if p.marks:
            out.append(
                f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{top}" y2="{top + plot_h}" class="m"/>'
                f'<text x="{cx:.1f}" y="{top - 4}" text-anchor="middle" class="mt">'
                f"{escape('、'.join(p.marks))}</text>"
            )
    legend_y = height - 8
    for j, (_, label, _) in enumerate(figures):
        x = left + 180 * j
        out.append(
            f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" '
            f'fill="{COLOURS[j % len(COLOURS)]}"/>'
            f'<text x="{x + 14}" y="{legend_y}" class="a">{escape(label)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def _nice(x: float) -> float:
    """A round step for an axis (1, 2 or 5 times a power of ten)."""
    power = 10 ** math.floor(math.log10(x)) if x > 0 else 1
    for m in (1, 2, 5, 10):
        if x <= m * power:
            return float(m * power)
    return float(10 * power)


def routes(web: Any) -> list[Route]:
    """The register's pages, on the province's side of `web` (formkit.web.app.Web)."""
    from starlette.responses import Response
    from starlette.routing import Route

    async def guard(request: Request) -> str | Response:
        digest = await web.session(request)
        if digest is None:
            return redirect("/province/login")
        return str(digest)

    async def listing(request: Request) -> Response:
        digest = await guard(request)
        if isinstance(digest, Response):
            return digest

        def get() -> list[Base]:
            with service.ledger(web.settings) as led:
                return Register(led).bases(web.settings.unit)

        bases = await web.run(get)
        today = dt.date.today()
        page: Response = web.page(
            request,
            "bases.html",
            bases=bases,
            today=today,
            unit=web.settings.unit,
            **web.province_context(digest),
        )
        return page

    async def one(request: Request) -> Response:
        digest = await guard(request)
        if isinstance(digest, Response):
            return digest
        wanted = str(request.path_params["base_id"])

        def get() -> tuple[Base, History] | None:
            with service.ledger(web.settings) as led:
                everyone = Register(led).bases()
                base = next((b for b in everyone if b.base_id == wanted), None)
                if base is None or (web.settings.unit and base.unit != web.settings.unit):
                    return None
                reports = gather(led, everyone)
                # up to the last year with a report or a decision, not to this year
                years = [y for (b, _, y, _) in reports if b == base.base_id]
                years += [e.date.year for e in base.events] + [base.year]
                return base, history(base, reports, led.reference, max(years))

        found = await web.run(get)
        if found is None:
            raise http_error(404)
        base, series = found
        page: Response = web.page(
            request,
            "bases_entry.html",
            base=base,
            series=series,
            adjustable=ADJUSTABLE,
            quarter_chart=bar_chart(f"{base.name}：季度", series.quarters, series.figures),
            year_chart=bar_chart(f"{base.name}：年度", series.years, series.figures),
            **web.province_context(digest),
        )
        return page

    return [Route("/province/bases", listing), Route("/province/bases/{base_id}", one)]
