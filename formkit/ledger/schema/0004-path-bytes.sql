-- ledger schema version 4: released, never edit (add a new version instead)
-- the path's own bytes: a name that is not UTF-8 (a GBK folder or file name) is shown
-- decoded in `path`, and found again only by these
    ALTER TABLE files ADD COLUMN path_bytes BLOB;
    
