"""The use cases of a collection round, written once for the command line and the web page.

Each module is one thing a province does, built from the stages below it (read and
validate, supersession, the ledger, the summary, feedback):

- `check`: check a batch of returned files; which of them counts for each subject;
- `ingest`: record received files in the ledger, with their issues across periods;
- `summary`: the provincial summary from a folder of files or from the ledger;
- `recommend`: the recommendation (通知六(三)) and its 推荐文件 and 报部名单;
- `status`: the rounds a ledger holds and who has sent what;
- `feedback`: the annotated copies, for files or the ledger's files with issues;
- `report`: the findings as `--json` and the pages' issue lists give them.

`formkit/cli/` and `formkit/web/` parse, call one of these, and render what it returns.
"""
