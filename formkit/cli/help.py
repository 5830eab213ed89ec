"""The commands' help in Chinese and in English (`--lang en`): each command's one-line
summary, its text and its exit codes, and the options' help in English by their Chinese
text. The commands themselves (formkit/cli/) carry the Chinese option help."""

from __future__ import annotations

import typer

from formkit.cli.frame import param_help

# Each command's help: (one-line summary, text, exit codes) in Chinese and in English.
# The text is the command's documentation in `formkit COMMAND --help`; the summary is its
# line in `formkit --help`. Both fit 80 columns (tests/test_cli_frame.py).
HELP: dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    "template": (
        (
            "生成空白模板（.xlsx）。",
            "生成空白模板（.xlsx），按年度填写表头：默认为申报书，--form 选季度数据报表"
            "或年度工作报告。",
            "0 成功；2 参数错误或无法写出文件。",
        ),
        (
            "Write the blank application workbook (.xlsx).",
            "Write the blank application workbook for a year.",
            "0 success; 2 bad option or the file cannot be written.",
        ),
    ),
    "check": (
        (
            "读取并审核回收的文件，列出结论和问题。",
            "读取并审核回收的文件（每个文件按其自己的表单：申报书、季度数据报表或年度工作"
            "报告）：每个文件的审核结论、错误和警告。",
            "0 全部无错误；1 有错误或未受理的文件；2 参数错误或无法读写。",
        ),
        (
            "Read and check returned workbooks.",
            "Read and check returned workbooks: verdict, errors and warnings per file.",
            "0 no errors; 1 a file has errors or was rejected; 2 usage or I/O error.",
        ),
    ),
    "summary": (
        (
            "生成省级汇总表（可打印报部）。",
            "读取、审核回收的全部文件，生成省级汇总表（默认为申报书，--form 选季度数据报表或"
            "年度工作报告）；申报书的推荐次序、推荐意见按通知六(三)建议，可在 Excel/WPS 中修改"
            "（见 formkit recommend）。",
            "0 成功；2 参数错误或无法写出文件。",
        ),
        (
            "Write the provincial summary workbook.",
            "Read and check every workbook and write the provincial summary, with the"
            " proposed recommendation order and decision (editable; see recommend).",
            "0 success; 2 usage error or the file cannot be written.",
        ),
    ),
    "rollup": (
        (
            "把各省汇总表合成全国汇总。",
            "把各省汇总表合成全国汇总（商务部用），推荐决定以各省汇总表为准；申报书另写出"
            "全国推荐名单（公示）的 .xlsx、.docx 和网页 .html。",
            "0 全部采用；1 有文件未采用；2 参数错误或无法写出文件。",
        ),
        (
            "Combine provincial summaries into the national roll-up.",
            "Combine the provinces' summaries into the national roll-up (for the ministry);"
            " for the application form also the national list for publication (.xlsx, .docx,"
            " .html).",
            "0 all used; 1 a file was not used; 2 usage error or the file cannot be written.",
        ),
    ),
    "recommend": (
        (
            "推荐决定：推荐文件与报部名单。",
            "按通知六(三)确定推荐名单，生成推荐文件（请示，GB/T 9704-2012 公文格式的 .docx，"
            "打印、签发、盖章）和报部名单（.xlsx 与 .docx）。给出汇总表时以其中的推荐次序、"
            "推荐意见、推荐理由为准（可在"
            " Excel/WPS 中修改后保存，与 formkit 建议不同之处记为“人工调整”）；用 --db 时由"
            " formkit 按排序依据和推荐名额建议。",
            "0 已生成；1 已生成，但推荐意见无法识别或超出名额（见提示）；2 参数错误或无法读写。",
        ),
        (
            "The recommendation: letter and the list sent to the ministry.",
            "Decide the recommendation (notice 6(3)) and write the letter (a request to the"
            " ministry laid out per GB/T 9704-2012, .docx, to sign and stamp) and the list"
            " sent with it (.xlsx, .docx). From a summary its editable"
            " columns are the decision; with --db formkit proposes by the ranking key.",
            "0 written; 1 written, but a decision was unreadable or over the quota;"
            " 2 usage or I/O error.",
        ),
    ),
    "catalogue": (
        ("生成问题代码一览。", "生成问题代码一览（docs/issues.md）。", "0 成功；2 无法写出文件。"),
        (
            "Write the issue catalogue.",
            "Write the issue catalogue (docs/issues.md).",
            "0 success; 2 the file cannot be written.",
        ),
    ),
    "distribute": (
        (
            "按名单生成预填的文件。",
            "按名单为每个申请单位生成预填的申报书（单位信息锁定，带报送编号），并登记到报送台账。"
            "--form 选其他表单，按期报送的表单须给 --period：如 --form kjxm-cxjd-jidu --period"
            " 2007Q2 为基地名单中的每个基地生成 2007 年第二季度的季度数据报表（报告期填好并锁定，"
            "每份有本期的报送编号）；年度工作报告为 --period 2007。",
            "0 成功；2 名单有误（不写任何文件）或无法写出。",
        ),
        (
            "Write pre-filled workbooks from a roster.",
            "Write a pre-filled workbook per applicant of a roster and record the roster;"
            " --form and --period (e.g. 2007Q2) for the reports, one per base and period.",
            "0 success; 2 the roster has errors (nothing written) or I/O error.",
        ),
    ),
    "ingest": (
        (
            "登记收到的文件到报送台账。",
            "登记收到的文件（申报书或报表，按各自的表单）：读取、审核并记入报送台账；已登记的"
            "文件不重复登记，新版本替代旧版本。"
            "季度数据报表、年度工作报告按文件自带的表单标识一并登记（同一基地每个报告期各算一份，"
            "重报的只替代同一报告期的）；登记后做跨期核对，列出本次收到的文件的问题（工作表、单元格）。",
            "0 成功；1 新文件有错误（含跨期核对的错误）或无法读取；2 参数错误或台账无法使用。",
        ),
        (
            "Record received workbooks in the ledger.",
            "Read, check and record received workbooks; a newer version replaces the older.",
            "0 success; 1 a new file has errors or is unreadable; 2 usage or ledger error.",
        ),
    ),
    "status": (
        (
            "报送情况与催报名单。",
            "报送情况：每个申请单位未收到 / 有错误 / 符合 / 不符合 / 待补充材料、是否逾期"
            "（逾期未报 / 逾期报送；不给截止日期时按通知规定的 4月30日），以及名单外文件。"
            "--form kjxm-cxjd-jidu --period 2007Q2：名单中每个基地这一季度的报送情况，"
            "默认时限为季度结束后次月15日（通知未规定季度报表时限，为 formkit 默认，"
            "输出写明来源；年度工作报告按通知四(四)为 12月31日），--deadline 可改；"
            "跨期核对的问题列在“需更正或核实的问题”中。",
            "0 成功；2 参数错误、台账不存在或无法写出文件。",
        ),
        (
            "Who has sent what; the list to chase.",
            "Per applicant: not received / errors / verdict; files not on the roster."
            " --form and --period for the reports (per base and quarter, with issues across"
            " periods).",
            "0 success; 2 usage error, no ledger, or the file cannot be written.",
        ),
    ),
    "feedback": (
        (
            "生成标注问题的副本，发回修改。",
            "审核并生成发回填报单位的标注副本：有错误的单元格标红、有警告的标橙并加批注，末尾增加"
            "“审核意见”工作表逐条列出问题。原文件不改动；副本为“<原文件名>-审核意见.xlsx”"
            "（.xls、.ods 经 LibreOffice 转为 .xlsx，.xlsm 的宏不保留）。--db 时含跨期核对的问题。",
            "0 每个文件都生成了副本；1 有文件未受理或未能生成副本（如缺少 LibreOffice），"
            "其余照常处理；2 参数错误或输出文件夹无法写入。",
        ),
        (
            "Annotated copies to send back.",
            "Write a copy of each workbook with its problems marked and listed.",
            "0 every copy written; 1 a file was rejected or not written; 2 usage error.",
        ),
    ),
    "roster": (
        (
            "从基地名册或申报台账生成基地名单。",
            "生成报表的基地名单（.xlsx）：台账中有基地名册（formkit bases）时，为 --period 这一期"
            "在册的基地（期内撤销的仍列入该期，下一期不再列入），--unit 只列本省的；否则为申报"
            "轮次台账中审核结论为“符合”的申报书（或 --recommended 给出的汇总表中推荐的）。"
            "申报书的报送编号写入“申报书编号”；哪些申报书字段填入名单哪一列由报表的表单定义"
            "声明。名单可直接用于 formkit distribute --form。",
            "0 成功；2 参数错误、台账中没有可列入的申请或无法写出文件。",
        ),
        (
            "A roster of bases from the register or the application round.",
            "Write the report forms' roster of bases: the register's bases listed in --period,"
            " else the ledger's eligible (or recommended) applications, for distribute --form.",
            "0 success; 2 usage error, no application to list, or I/O error.",
        ),
    ),
    "bases": (
        (
            "基地名册：认定、调整、撤销。",
            "基地名册（存于台账）：--from-rollup 读全国汇总表中商务部填写的核准结论，"
            "--from-list 读商务部公布的名单，核准的列入名册（认定日期 --date）；--import 读"
            "导出后在“状态变更”中填写的调整、撤销；-o 导出名册，--reference-out 写出下一年度"
            "申报用的既有基地（--as-of 当天在册的，已撤销的不计）。--unit 只看本省的基地。",
            "0 成功；1 有申请未填核准结论（其余已列入）；2 参数错误或输入有误（名册未改动）。",
        ),
        (
            "The register of recognised bases.",
            "Build the register from the roll-up's 核准结论 or the ministry's list, record"
            " 调整 and 撤销 from the edited export, export it, write next year's bases.",
            "0 success; 1 rows without 核准结论 (the rest recorded); 2 usage or bad input.",
        ),
    ),
    "evaluate": (
        (
            "定期评估：基地的一年与工作目标进展。",
            "定期评估（通知六(三)）：基地名册中该年在册的每个基地，各期报表按时、逾期（天数）"
            "或缺报，数据完整率，全年出口额、高新技术产品出口额与上年和全国相比、占全国比重，"
            "重点企业及年内退出的，技术引进，未解决的跨期问题；需关注的事实按 --policy 关注"
            "标准文件（每项写明理由；未给出的按事实列出），formkit 不作撤销决定；工作目标进展"
            "（在册基地数对 100 家，高新技术产品出口占全国比重对 70%）。--unit 只评估本省。",
            "0 已写出，没有需关注的事项；1 已写出，有需关注的事项；2 参数错误、没有基地名册"
            "或关注标准文件有误。",
        ),
        (
            "定期评估: each base's year and the five-year goal.",
            "Evaluate each base of the register for a year: reports on time, late or missing,"
            " completeness, figures against last year and the nation, flags by --policy.",
            "0 written, nothing flagged; 1 written, flags; 2 usage, no register or bad policy.",
        ),
    ),
    "forms": (
        (
            "列出 formkit 能生成和读取的表单。",
            "列出 formkit 能生成和读取的表单：标识、版本、名称、依据。",
            "0。",
        ),
        (
            "List the forms formkit can make and read.",
            "List the forms formkit can make and read: id, version, title, source.",
            "0.",
        ),
    ),
    "serve": (
        (
            "网上报送页面（上传即审核，省级查看报送情况）。",
            "网上报送页面：各申请单位经各自的上报链接上传申报书、立即看到审核意见和标注副本；"
            "省级登录后查看报送情况、下载汇总表。默认只接受本机访问，对外请经 HTTPS 反向代理。",
            "0 正常停止；2 参数错误或台账无法使用。",
        ),
        (
            "The web page for the round.",
            "Each recipient uploads through its own link and sees its problems at once; "
            "the province logs in to watch the round. Binds to 127.0.0.1 unless told otherwise.",
            "0 stopped normally; 2 usage error or unusable ledger.",
        ),
    ),
    "version": (
        ("显示 formkit 及表单版本。", "显示 formkit 及表单版本。", "0。"),
        ("Show the formkit and form versions.", "Show the formkit and form versions.", "0."),
    ),
}


def apply_help(app: typer.Typer, lang: str = "zh") -> None:
    exit_word = "退出码：" if lang == "zh" else "Exit codes: "
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__ if info.callback else "")
        zh, en = HELP[name]
        short, text, codes = zh if lang == "zh" else en
        info.short_help = short
        info.help = f"{text}\n\n{exit_word}{codes}"
    if lang != "zh":
        app.info.help = "The application round of MOFCOM notice 商技发[2006]6号."


# the options' help in English (`--lang en`), by their Chinese text
OPTION_HELP_EN = {
    "命令行的语言：zh（默认）或 en（英文帮助）。": "Command-line language: zh (default) or en.",
    "并行读取的进程数（默认为 CPU 核数）。": "Worker processes for reading (default: CPUs).",
    "本次收集的申报年度，用于核对模板年度。": "The round's year, to check the template's year.",
    "参考数据（TOML），覆盖内置的全国统计等。": "Reference data (TOML) overriding the built-in.",
    "申报年度（数据年度为上一年）。": "Application year (data year: the year before).",
    "输出文件。": "Output file.",
    "工作表保护密码（默认不设密码）。": "Sheet protection password (default: none).",
    "回收的文件（申报书或报表）或文件夹（递归）。": "Returned workbooks or folders (recursive).",
    "把结果按 JSON 写入文件（- 表示标准输出）。": "Write the results as JSON (- for stdout).",
    "逐条列出问题（文件、工作表、单元格、说明）。": "List every issue (file, sheet, cell, text).",
    "问题说明的语言：zh 或 en。": "Language of the issue messages: zh or en.",
    "汇总表文件。": "The summary workbook.",
    "改为汇总报送台账（formkit ingest）中的全部文件。": "Summarise the ledger's files instead.",
    "推荐单位，如 江苏省（写入标题和标识）。": "Reporting unit, e.g. 江苏省 (in the title).",
    "申报年度（默认取自模板）。": "Application year (default: the template's).",
    "同时把检查结果写成 JSON。": "Also write the check results as JSON.",
    "推荐排序依据，逗号分隔，默认“审核结论,高新技术产品出口额”。": (
        "Ranking key, comma-separated (default: 审核结论,高新技术产品出口额)."
    ),
    "各省的汇总表（formkit summary 生成）。": "Provincial summaries (from formkit summary).",
    "全国汇总文件。": "The national roll-up workbook.",
    "申报年度（默认取多数汇总表的年度）；其他年度的汇总表不采用。": (
        "Year (default: most summaries'); other years' summaries are not used."
    ),
    "省级汇总表（formkit summary 生成，可在 Excel/WPS 中改过推荐次序和推荐意见）。": (
        "Provincial summaries (their decision columns may have been edited)."
    ),
    "输出文件夹。": "Output folder.",
    "改为按报送台账中的当前文件，由 formkit 建议推荐名单。": "Propose from the ledger instead.",
    "只处理这个推荐单位，如 四川省。": "Only this reporting unit, e.g. 四川省.",
    "排序依据（与 --db 一起用），逗号分隔，默认“审核结论,高新技术产品出口额”。": (
        "Ranking key with --db (default: 审核结论,高新技术产品出口额)."
    ),
    "推荐文件上的联系人。": "Contact person on the letter.",
    "推荐文件上的联系电话。": "Contact phone on the letter.",
    "推荐文件的日期，如 2006-04-25（默认留空）。": "Letter date, e.g. 2006-04-25 (default: blank).",
    "申报单位名单（.xlsx 或 .csv），首行为列名。": "Roster (.xlsx or .csv), headers first.",
    "申报年度。": "Application year.",
    "报送台账（不存在则新建）。": "The ledger (created if missing).",
    "收到的文件（申报书或报表）或文件夹（递归）。": "Received workbooks or folders (recursive).",
    "报送台账。": "The ledger.",
    "报送截止日期，如 2006-04-30（默认为通知规定的申报年度 4月30日）。": (
        "Deadline, e.g. 2006-04-30 (default: the notice's)."
    ),
    "按这一天判断是否逾期（默认今天；用于复核或重现）。": "Judge lateness as of this day.",
    "把催报名单写成 Excel 文件。": "Write the reminder list as a workbook.",
    "审核意见副本的输出文件夹。": "Folder for the annotated copies.",
    "改为报送台账中所有有问题的当前文件（formkit ingest 登记的）。": (
        "Instead, the ledger's current files with issues."
    ),
    "并行处理的进程数（默认为 CPU 核数）。": "Worker processes (default: CPUs).",
    "表单标识（默认为申报书；formkit forms 列出可用的表单）。": (
        "Form id (default: the application; `formkit forms` lists them)."
    ),
    "报告期（按期报送的表单必填）：季度如 2007Q2（2007 年第二季度），年度如 2007。": (
        "Period of a periodic form: 2007Q2 for a quarter, 2007 for a year."
    ),
    "只受理这一表单的文件（默认：按每个文件自带的表单标识受理任一表单）。": (
        "Accept files of this form only (default: any form, by the id each file carries)."
    ),
    "与 --db 同用：只处理这一表单的文件（默认：全部表单）。": (
        "With --db: only this form's files (default: every form)."
    ),
    "申报轮次的报送台账（formkit ingest 登记的申报书）。": "The application round's ledger.",
    "名单用于哪个表单，如 kjxm-cxjd-jidu（季度数据报表）。": (
        "The form the roster is for, e.g. kjxm-cxjd-jidu."
    ),
    "输出的名单文件（.xlsx）。": "The roster file to write (.xlsx).",
    "申报年度，如 2006。": "The application round's year, e.g. 2006.",
    "省级汇总表（formkit summary 生成、可能已修改推荐意见）：只取其中推荐的申请。": (
        "A provincial summary: only the applications it recommends."
    ),
    "收到日期，如 2007-04-12（默认为现在；补登以前收到的文件时用，逾期按它判断）。": (
        "Day the files arrived, e.g. 2007-04-12 (default: now); lateness is judged by it."
    ),
    "台账（基地名册所在，不存在则新建）。": "The ledger holding the register (created if missing).",
    "填好“核准结论”的全国汇总表：核准的申请列入名册。": (
        "The national roll-up with 核准结论 filled in: approved ones are recorded."
    ),
    "商务部公布的基地名单（.xlsx 或 .csv）：列入名册。": "The ministry's list of bases.",
    "认定日期，如 2006-05-31（名单中没有时必填）。": "Recognition date (if the list has none).",
    "认定的决定（决定单位和文件）。": "The recognising decision (body and document).",
    "批次，如 2006年第一批。": "Batch, e.g. 2006年第一批.",
    "认定年度（名单中没有时用）。": "Recognition year (if the list has none).",
    "导出后填写了调整、撤销的基地名册（.xlsx）：记入名册。": (
        "An exported register with new 调整 / 撤销 rows: record them."
    ),
    "只处理这个推荐单位的基地，如 四川省。": "Only this unit's bases, e.g. 四川省.",
    "按这一天的状态列出（默认今天）。": "Status as of this day (default: today).",
    "导出基地名册（.xlsx）。": "Export the register (.xlsx).",
    "写出下一年度申报用的参考数据（TOML）：--as-of 当天在册的基地作为既有基地。": (
        "Write a --reference file (TOML): the bases listed on --as-of as existing bases."
    ),
    "把名册写成 JSON（- 表示标准输出）。": "Write the register as JSON (- for stdout).",
    "评估年度，如 2007。": "The year to evaluate, e.g. 2007.",
    "台账（基地名册和季度、年度报表所在）。": "The ledger with the register and the reports.",
    "只评估这个推荐单位的基地，如 四川省。": "Only this unit's bases, e.g. 四川省.",
    "关注标准文件（TOML，每项标准写明理由）。": "Policy file (TOML): standards with reasons.",
    "评估日期（默认今天）：未到报送时限的报表不算缺报。": (
        "Evaluate as of this day (default: today): reports not yet due are not missing."
    ),
    "评估表（默认“<单位><年度>年定期评估.xlsx”）。": "The evaluation workbook.",
    "同时把评估结果写成 JSON。": "Also write the evaluation as JSON.",
    "报告期，如 2007Q2：台账中有基地名册时，名单为这一期在册的基地。": (
        "Period, e.g. 2007Q2: with a register, the bases listed in it."
    ),
    "只列这个推荐单位的基地，如 四川省。": "Only this unit's bases, e.g. 四川省.",
}


def english_help(app: typer.Typer) -> None:
    """`--lang en`: every command's and option's help in English."""
    apply_help(app, "en")
    param_help(OPTION_HELP_EN)
