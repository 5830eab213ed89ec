"""`formkit serve`: the collection round as a web page (Starlette, Jinja2, uvicorn).

Each roster entry has a private upload link; a city uploads its 申报书 there and sees at
once the verdict and every issue with its sheet and cell, downloads the annotated copy
and its history. The province logs in with a password and watches the round's status.
The work is the library's: uploads go through `Ledger.ingest` (gate, isolated worker,
supersession), the annotated copy through `formkit.feedback`, the summary through
`formkit.summary`, the 推荐文件 and 报部名单 through `formkit.forms.shenbaoshu.recommend` and
`formkit.forms.shenbaoshu.letters` (as `formkit recommend --db`).

Modules: `auth` (tokens, password hash, CSRF; stdlib only, also used by `distribute`
and `serve --set-password`), `limits` (rate limiting), `service` (the blocking work, run
in threads), `app` (routes and pages; imports Starlette, so only `serve` loads it).
"""
