-- ledger schema version 7: released, never edit (add a new version instead)
-- the register of recognised bases (formkit bases, formkit/bases/): one row per base the
-- ministry recognised, and its status history (认定 / 调整 / 撤销, each with its date,
-- decision and reason). A base's status on a day is read from its history, never stored.
    CREATE TABLE bases (
        base_id         TEXT PRIMARY KEY,         -- stable: recognition year, unit, name
        unit            TEXT NOT NULL,            -- the reporting unit, canonical
        unit_code       TEXT NOT NULL,
        name            TEXT NOT NULL,            -- as recognised, or as last adjusted
        name_key        TEXT NOT NULL,            -- for matching reports by name
        locality        TEXT,                     -- 所在地级市
        domain          TEXT,                     -- 重点领域
        recognition     TEXT NOT NULL CHECK (recognition IN ('新认定', '重新认定')),
        recertifies     TEXT,                     -- the national base a 重新认定 re-certifies
        year            INTEGER NOT NULL,         -- the round it was recognised in
        batch           TEXT,
        origin          TEXT,                     -- the 申报书's submission id, if known
        values_json     TEXT NOT NULL DEFAULT '{}',  -- the application's values the rosters use
        source          TEXT NOT NULL,            -- what it was built from (file)
        created         TEXT NOT NULL,
        updated         TEXT NOT NULL
    );
    CREATE INDEX bases_by_unit ON bases (unit_code, name_key);
    CREATE TABLE base_events (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        base_id         TEXT NOT NULL REFERENCES bases (base_id),
        kind            TEXT NOT NULL CHECK (kind IN ('认定', '调整', '撤销')),
        date            TEXT NOT NULL,            -- ISO date the decision takes effect
        decision        TEXT NOT NULL,            -- who decided, and its document
        reason          TEXT NOT NULL DEFAULT '',
        changes_json    TEXT NOT NULL DEFAULT '{}',  -- an 调整's new name / locality / field
        source          TEXT NOT NULL,            -- the file or command it came from
        recorded        TEXT NOT NULL
    );
    CREATE UNIQUE INDEX base_events_once ON base_events (base_id, kind, date, decision)
