-- ledger schema version 1: released, never edit (add a new version instead)
    CREATE TABLE roster (
        submission_id   TEXT PRIMARY KEY,
        year            INTEGER NOT NULL,
        province        TEXT NOT NULL,
        province_code   TEXT NOT NULL,
        city            TEXT NOT NULL,
        applicant_name  TEXT NOT NULL,
        applicant_key   TEXT NOT NULL,
        contact_person  TEXT,
        contact_phone   TEXT,
        contact_email   TEXT,
        roster_row      INTEGER,
        created         TEXT NOT NULL,
        updated         TEXT NOT NULL
    );
    CREATE INDEX roster_by_name ON roster (province, applicant_key);

    CREATE TABLE files (
        sha256          TEXT PRIMARY KEY,
        seq             INTEGER NOT NULL UNIQUE,  -- received order
        original_name   TEXT NOT NULL,
        path            TEXT NOT NULL,
        received_at     TEXT NOT NULL,
        submission_id   TEXT,                     -- as stamped in the file
        roster_id       TEXT REFERENCES roster (submission_id),  -- matched entry, or NULL
        match_key       TEXT,                     -- files with one key supersede each other
        province        TEXT,
        applicant       TEXT,
        fill_date       TEXT,
        status          TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
        verdict         TEXT,
        errors          INTEGER NOT NULL,
        data_errors     INTEGER NOT NULL,         -- errors other than failed eligibility
        warnings        INTEGER NOT NULL,
        problem         TEXT,                     -- rejection reason or first errors
        submission_json TEXT NOT NULL,            -- Submission.to_json()
        superseded_by   TEXT REFERENCES files (sha256)
    );
    CREATE INDEX files_by_key ON files (match_key, seq);
    CREATE INDEX files_by_roster ON files (roster_id, seq);

    CREATE TABLE events (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        at              TEXT NOT NULL,
        kind            TEXT NOT NULL,            -- roster / received / superseded / relinked
        submission_id   TEXT,
        sha256          TEXT,
        detail          TEXT
    );
    
