"""`formkit serve`: the collection round as a web page (Starlette, Jinja2, uvicorn).

Each roster entry has a private upload link; a city uploads its 申报书 there and sees at
once the verdict and every issue with its sheet and cell, downloads the annotated copy
and its history. The province logs in with a password and watches the round's status.
The work is the use cases' (formkit/rounds/), as the command line calls them: an upload is
read once by a reading worker as `formkit check` reads it and recorded as `formkit ingest`
records a file (`Ledger.record_checked`: supersession), the annotated copy made
by `rounds.feedback`, the summary by `rounds.summary`, the 推荐文件 and 报部名单 by
`rounds.recommend` (as `formkit recommend --db`).

Modules: `auth` (tokens, password hash, CSRF; stdlib only, also used by `distribute` and
`serve --set-password`), `limits` (rate limiting), `store` (the web's own records in the
ledger's file), `service` (the blocking work, run in threads), `http` (responses),
`middleware`, `hosts` (`--base-url`: links and the Host header), `logins` (bounded password
checks, the lockout), `queue` (uploads waiting for a reading worker), `reading` (what a
worker runs), `problems` (the status page's problems), `pages`, `city`, `province`,
`downloads`, `bases_page` (the handlers), `app` (the routes), `server` (uvicorn), `warm`
and `steady` (loaded by the workers' forkserver). Starlette, Jinja2 and uvicorn are
imported inside the functions that use them, so the command line, which imports this
package, loads none of them.
"""
