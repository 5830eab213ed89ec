-- version 6: the audit trail's client column is named for what it holds (the client's IP
-- address), not a word a form uses for a field
ALTER TABLE web_audit RENAME COLUMN address TO client;
