-- ledger schema version 2: released, never edit (add a new version instead)
-- which file is current is formkit.supersession's decision over every file: it needs
-- each file's values digest (same values, same version) and, for a feedback copy,
-- the file it annotates. superseded_by stays, kept equal to the decision.
    ALTER TABLE files ADD COLUMN fingerprint TEXT;
    ALTER TABLE files ADD COLUMN annotates TEXT;
    
