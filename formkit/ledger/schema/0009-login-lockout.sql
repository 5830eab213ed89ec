-- ledger schema version 9: released, never edit (add a new version instead)
-- the province's password, locked after repeated failures (formkit.web.logins): the count
-- of failures in a row and until when the account is locked, kept across a restart
CREATE TABLE web_login_failures (
    account      TEXT PRIMARY KEY,   -- "office": the provincial office, the one account
    failures     INTEGER NOT NULL,   -- wrong passwords since the last correct one
    last_failed  TEXT NOT NULL,      -- ISO time of the last failure
    locked_until TEXT                -- ISO time, NULL when not locked
);
