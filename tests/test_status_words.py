"""Each form's status shows the states it can have, with honest counts (#21 item 8): the
申报书's status says what each received file is (符合 …), never "已收到 0" beside files
received; a report (no 审核结论) counts 未收到 / 有错误 / 已收到 only."""

from __future__ import annotations

from pathlib import Path

from formkit.ledger import Ledger
from tests.forms import application_round


def test_the_application_rounds_counts_say_what_was_received(tmp_path: Path) -> None:
    db, rows = application_round(tmp_path)
    with Ledger(db) as led:
        counts = led.status().counts
    assert counts["符合"] == len(rows) and counts["未收到"] == 0
    assert "已收到" not in counts  # not "已收到 0" beside three files received
    states = {k for k in counts if k not in ("逾期未报", "逾期报送", "名单外")}
    assert states == {"未收到", "有错误", "待补充材料", "不符合", "需人工判断", "符合"}
