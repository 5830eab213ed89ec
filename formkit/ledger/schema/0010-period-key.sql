-- ledger schema version 10: released, never edit (add a new version instead)
-- the period each file reports on as text that sorts in time order (formkit.period's
-- Period.sortable, "2007-02", NULL for a form filed once a round, or a file that does not say
-- its whole period), any status: a periodic form's summary reads the files of the periods it
-- shows and compares, and only counts the others. The values of files recorded before this
-- version are filled in when the ledger is opened
ALTER TABLE files ADD COLUMN period_key TEXT;
CREATE INDEX files_by_period_key ON files (form_id, period_key);
