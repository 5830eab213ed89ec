-- ledger schema version 3: released, never edit (add a new version instead)
-- formkit serve (formkit/web): upload links, the province's password and sessions,
-- uploaded bytes and the audit trail.  Secrets are stored only as hashes.
    CREATE TABLE web_settings (
        key             TEXT PRIMARY KEY,         -- password (scrypt hash) / secret (CSRF key)
        value           TEXT NOT NULL,
        updated         TEXT NOT NULL
    );
    CREATE TABLE web_tokens (
        submission_id   TEXT PRIMARY KEY REFERENCES roster (submission_id),
        token_hash      TEXT NOT NULL UNIQUE,     -- SHA-256 of the link's token
        created         TEXT NOT NULL
    );
    CREATE TABLE web_sessions (
        session_hash    TEXT PRIMARY KEY,         -- SHA-256 of the province's cookie
        created         TEXT NOT NULL,
        expires         TEXT NOT NULL
    );
    CREATE TABLE web_uploads (
        sha256          TEXT PRIMARY KEY,         -- the name it is stored under
        submission_id   TEXT NOT NULL,            -- the link it came through
        original_name   TEXT NOT NULL,            -- as the browser sent it: display only
        size            INTEGER NOT NULL,
        received_at     TEXT NOT NULL,
        data            BLOB NOT NULL
    );
    CREATE INDEX web_uploads_by_entry ON web_uploads (submission_id, received_at);
    CREATE TABLE web_audit (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        at              TEXT NOT NULL,
        kind            TEXT NOT NULL,            -- upload / refused / download / login / ...
        actor           TEXT,                     -- city:<submission id> / province / cli
        address         TEXT,
        sha256          TEXT,
        status          INTEGER,                  -- the HTTP status answered
        detail          TEXT
    );
    
