-- ledger schema version 8: released, never edit (add a new version instead)
-- each file's supersession decision (formkit.supersession) is stored with the links it was
-- found by, so a new file re-decides only its neighbourhood (the files sharing its
-- application identity or its name link), not every file in the ledger. The values of
-- files recorded before this version are filled in when the ledger is opened
ALTER TABLE files ADD COLUMN app_key TEXT;        -- supersession.links: the application identity
ALTER TABLE files ADD COLUMN name_link TEXT;      -- supersession.links: name key and period
ALTER TABLE files ADD COLUMN disposition TEXT;    -- current / same_version / superseded / rejected
ALTER TABLE files ADD COLUMN decision_key TEXT;   -- the application it was decided in
ALTER TABLE files ADD COLUMN reason TEXT;         -- why another file counts instead (Chinese)
ALTER TABLE files ADD COLUMN conflicts TEXT;      -- JSON: other versions with the same 填报日期
CREATE INDEX files_by_app ON files (form_id, app_key);
CREATE INDEX files_by_name_link ON files (form_id, name_link);
