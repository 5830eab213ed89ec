"""Fill a workbook in LibreOffice through UNO, as a person would, and save it in several formats.

Run with the SYSTEM python that has LibreOffice's `uno` module (Debian: python3-uno):

    /usr/bin/python3 tests/uno_fill.py job.json

This script is standalone on purpose: it must not import formkit (the system python does
not have formkit's dependencies). The job file (JSON, UTF-8) says what to do:

    {
      "soffice": "/usr/bin/soffice",
      "profile": "/tmp/.../profile",          # private LibreOffice user profile
      "input": "/tmp/.../申报书.xlsx",
      "outputs": {"xlsx": "...", "xls": "...", "ods": "..."},
      "steps": [
        {"op": "type", "sheet": "封面", "cell": "B4", "text": "..."},
        {"op": "enter", "sheet": "...", "cell": "E16", "text": "23.4%"},
        {"op": "insert_rows", "sheet": "...", "before_row": 9, "count": 2},
        {"op": "copy_sheet", "sheet": "...", "new_name": "... (2)", "index": 2},
        {"op": "sort", "sheet": "...", "range": "A3:N5", "column": 3, "descending": true}
      ]
    }

"type" enters the text with cell.setFormula(text): LibreOffice interprets it the way it
interprets keyboard entry (numbers become numbers, dates dates, text stays text; a cell
formatted as text keeps it as text). Like the program facing a person, it refuses a locked
cell of a protected sheet. Rows are 1-based worksheet rows, as people read them.

"enter" types the text the way the keyboard does, through the view (.uno:GoToCell, then
.uno:EnterString): LibreOffice also applies the number format it recognises in the input, as
it does for a person ("23.4%" in a cell of the default format becomes a percent cell showing
23.4%); setFormula stores the value but never changes the cell's format. The report's "shown"
has what each entered cell then displays. After a dispatch through the view, LibreOffice 7.4
(headless, on a loaded machine) may end some seconds later ("Unspecified Application Error"
from a timer; the bridge drops): a job that enters stores its outputs right after the steps,
should store one output, and the caller runs it again if the office ended before
(tests/test_percent_typed.py).

It starts its own headless LibreOffice listening on a private pipe, connects with a retry
loop, runs the steps, stores each output, closes the document and terminates the office
(killing its process group if it does not exit). A JSON report goes to stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

FILTERS = {
    "xlsx": "Calc MS Excel 2007 XML",
    "xls": "MS Excel 97",
    "ods": "calc8",
}
CONNECT_TIMEOUT = 30.0
EXIT_TIMEOUT = 15.0


def _props(**kwargs: Any) -> tuple[Any, ...]:
    out = []
    for key, value in kwargs.items():
        p = PropertyValue()
        p.Name = key
        p.Value = value
        out.append(p)
    return tuple(out)


def _start_office(soffice: str, profile: str, pipe: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    # a fixed, widely available locale: "12.5" is a number with a decimal point
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
    for key in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(key, None)
    cmd = [
        soffice,
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--norestore",
        "--nolockcheck",
        f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}",
        f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
    ]
    # own process group: the whole office (script wrapper, oosplash, soffice.bin) can be killed
    return subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )


def _connect(pipe: str, office: subprocess.Popen[bytes]) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while True:
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if office.poll() is not None:
                raise RuntimeError(f"LibreOffice exited early (rc={office.returncode})") from None
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"no connection to LibreOffice within {CONNECT_TIMEOUT:.0f} s"
                ) from None
            time.sleep(0.25)


def _set_locale(ctx: Any, locale: str) -> None:
    """The office's locale setting (number and date input), in the private profile only."""
    provider = ctx.ServiceManager.createInstanceWithContext(
        "com.sun.star.configuration.ConfigurationProvider", ctx
    )
    access = provider.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationUpdateAccess",
        _props(nodepath="/org.openoffice.Setup/L10N"),
    )
    access.ooSetupSystemLocale = locale
    access.commitChanges()


def _last_used_row(sheet: Any) -> int:
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    return int(cursor.RangeAddress.EndRow) + 1


def _row_index(row: int) -> int:
    if row < 1:
        raise ValueError(f"worksheet rows are 1-based: {row}")
    return row - 1


class _Filler:
    def __init__(self, doc: Any, ctx: Any) -> None:
        self.doc = doc
        self.ctx = ctx
        self.dispatch: Any = None  # kept while the document is open
        self.report: dict[str, Any] = {"typed": 0, "unprotected_for": [], "steps": []}

    def sheet(self, name: str) -> Any:
        sheets = self.doc.Sheets
        if not sheets.hasByName(name):
            raise KeyError(f"no sheet {name!r}; sheets: {list(sheets.ElementNames)}")
        return sheets.getByName(name)

    def run(self, step: dict[str, Any]) -> None:
        op = step["op"]
        if op == "type":
            self.type(step["sheet"], step["cell"], step["text"])
        elif op == "enter":
            self.enter(step["sheet"], step["cell"], step["text"])
        elif op == "insert_rows":
            self.insert_rows(step["sheet"], int(step["before_row"]), int(step["count"]))
        elif op == "copy_sheet":
            self.copy_sheet(step["sheet"], step["new_name"], int(step["index"]))
        elif op == "sort":
            self.sort(
                step["sheet"], step["range"], int(step["column"]), bool(step.get("descending"))
            )
        else:
            raise ValueError(f"unknown step {op!r}")

    def type(self, sheet_name: str, a1: str, text: str) -> None:
        sheet = self.sheet(sheet_name)
        cell = sheet.getCellRangeByName(a1)
        # The API writes into locked cells of a protected sheet; a person at the keyboard
        # cannot. Refuse as the program would, so every typed cell is proven unlocked.
        if sheet.isProtected() and cell.CellProtection.IsLocked:
            raise RuntimeError(f"{sheet_name}!{a1} is locked: a person could not type there")
        cell.setFormula(text)
        if cell.getFormula() == "" and text != "":
            raise RuntimeError(f"typing {text!r} into {sheet_name}!{a1} had no effect")
        self.report["typed"] += 1

    def enter(self, sheet_name: str, a1: str, text: str) -> None:
        sheet = self.sheet(sheet_name)
        if sheet.isProtected() and sheet.getCellRangeByName(a1).CellProtection.IsLocked:
            raise RuntimeError(f"{sheet_name}!{a1} is locked: a person could not type there")
        controller = self.doc.getCurrentController()
        controller.setActiveSheet(sheet)
        frame = controller.getFrame()
        if self.dispatch is None:
            self.dispatch = self.ctx.ServiceManager.createInstanceWithContext(
                "com.sun.star.frame.DispatchHelper", self.ctx
            )
        self.dispatch.executeDispatch(frame, ".uno:GoToCell", "", 0, _props(ToPoint=a1))
        self.dispatch.executeDispatch(frame, ".uno:EnterString", "", 0, _props(StringName=text))
        cell = sheet.getCellRangeByName(a1)
        if cell.getFormula() == "" and text != "":
            raise RuntimeError(f"entering {text!r} into {sheet_name}!{a1} had no effect")
        # what the person sees in the cell afterwards (its number format applied)
        self.report.setdefault("shown", {})[f"{sheet_name}!{a1}"] = cell.getString()
        self.report["typed"] += 1

    def sort(self, sheet_name: str, a1: str, column: int, descending: bool) -> None:
        """Data > Sort on a range (no header row): whole rows move, as a person sorts them.
        `column` counts from 0 within the range."""
        rng = self.sheet(sheet_name).getCellRangeByName(a1)
        field = uno.createUnoStruct("com.sun.star.table.TableSortField")
        field.Field = column
        field.IsAscending = not descending
        props = list(rng.createSortDescriptor())
        for p in props:
            if p.Name == "SortFields":
                p.Value = uno.Any("[]com.sun.star.table.TableSortField", (field,))
            elif p.Name == "ContainsHeader":
                p.Value = False
        uno.invoke(rng, "sort", (tuple(props),))
        self.report["steps"].append(f"sorted {sheet_name}!{a1} by column {column}")

    def insert_rows(self, sheet_name: str, before_row: int, count: int) -> None:
        # The template's sheet protection allows inserting rows, as Excel does for a person.
        # LibreOffice 7.4 honours that: rows are inserted under protection (the test asserts
        # "unprotected_for" is empty). Should a version refuse, or silently do nothing, the
        # sheet is unprotected (no password), the rows inserted, and the sheet protected again.
        sheet = self.sheet(sheet_name)
        before = _last_used_row(sheet)
        unprotected = False
        try:
            sheet.Rows.insertByIndex(_row_index(before_row), count)
        except Exception as exc:
            if not sheet.isProtected():
                raise
            self.report["steps"].append(f"insert refused while protected: {exc!r}")
            unprotected = True
        if not unprotected and _last_used_row(sheet) != before + count:
            if not sheet.isProtected():
                raise RuntimeError(f"inserting {count} rows into {sheet_name} had no effect")
            self.report["steps"].append("insert ignored while protected")
            unprotected = True
        if unprotected:
            sheet.unprotect("")
            sheet.Rows.insertByIndex(_row_index(before_row), count)
            sheet.protect("")
            self.report["unprotected_for"].append(f"{sheet_name}: insert {count} at {before_row}")
        self.report["steps"].append(
            f"inserted {count} rows before row {before_row} of {sheet_name}"
            f" ({'unprotected' if unprotected else 'under protection'})"
        )

    def copy_sheet(self, sheet_name: str, new_name: str, index: int) -> None:
        self.doc.Sheets.copyByName(sheet_name, new_name, index)
        self.sheet(new_name)
        self.report["steps"].append(f"copied {sheet_name} to {new_name} at {index}")


def _store(doc: Any, path: str, fmt: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    doc.storeToURL(
        uno.systemPathToFileUrl(str(Path(path).resolve())),
        _props(FilterName=FILTERS[fmt], Overwrite=True),
    )


def _store_all(doc: Any, outputs: dict[str, str], report: dict[str, Any], t0: float) -> None:
    for fmt, path in outputs.items():
        _store(doc, path, fmt)
    report["stored_s"] = round(time.monotonic() - t0, 2)


def _stop_office(office: subprocess.Popen[bytes], desktop: Any) -> str:
    if desktop is not None:
        # the bridge drops while the office exits: an exception here is expected
        with contextlib.suppress(Exception):
            desktop.terminate()
    try:
        office.wait(timeout=EXIT_TIMEOUT)
        return "terminated"
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(office.pid, signal.SIGKILL)
    office.wait(timeout=EXIT_TIMEOUT)
    return "killed"


def main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    t0 = time.monotonic()
    pipe = f"formkit_{secrets.token_hex(8)}"
    office = _start_office(job["soffice"], job["profile"], pipe)
    desktop = doc = None
    report: dict[str, Any] = {}
    try:
        ctx = _connect(pipe, office)
        report["connect_s"] = round(time.monotonic() - t0, 2)
        _set_locale(ctx, job.get("locale", "en-US"))
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(str(Path(job["input"]).resolve())),
            "_blank",
            0,
            _props(Hidden=True),
        )
        if doc is None:
            raise RuntimeError(f"LibreOffice could not open {job['input']}")
        filler = _Filler(doc, ctx)
        for step in job["steps"]:
            filler.run(step)
        doc.calculateAll()
        report.update(filler.report)
        entered = any(step["op"] == "enter" for step in job["steps"])
        if entered:
            # stored first: the office may end soon after a dispatch (see above)
            _store_all(doc, job["outputs"], report, t0)
        report["sheets"] = list(doc.Sheets.ElementNames)
        report["protected"] = {
            name: doc.Sheets.getByName(name).isProtected() for name in doc.Sheets.ElementNames
        }
        report["filled_s"] = round(time.monotonic() - t0, 2)
        if not entered:
            _store_all(doc, job["outputs"], report, t0)
    finally:
        if doc is not None:
            # an office that already went away has nothing left to close
            with contextlib.suppress(Exception):
                doc.close(True)
        report["office"] = _stop_office(office, desktop)
        report["total_s"] = round(time.monotonic() - t0, 2)
        print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python3 uno_fill.py job.json", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
