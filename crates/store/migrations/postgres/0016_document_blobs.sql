-- Issue 7: the documents of step 3 are stored once per content. The general conditions are the
-- same PDF for every holder of a language; kept per renewal they were a third of the bytes a
-- renewal writes. A renewal's document row now names its content by SHA-256.
CREATE TABLE document_blobs (
    sha256 BYTEA PRIMARY KEY,
    pdf    BYTEA NOT NULL
);
INSERT INTO document_blobs (sha256, pdf) SELECT sha256, pdf FROM renewal_documents WHERE true
    ON CONFLICT (sha256) DO NOTHING;
ALTER TABLE renewal_documents DROP COLUMN pdf;
-- PDFs are compressed already: stored out of line without another try at compressing them
-- (pglz spent ~1.5 % of the CPU of a renewal failing to shrink them).
ALTER TABLE document_blobs ALTER COLUMN pdf SET STORAGE EXTERNAL;
ALTER TABLE signed_forms ALTER COLUMN pdf SET STORAGE EXTERNAL;
