-- podsift warehouse: what the last read of each feed had to forgive or could not read.
-- NULL when the document was read as it stands; otherwise `feed URL: ...`, naming each repair
-- (blank space before the XML declaration, undeclared namespace prefixes, unknown entities,
-- a bare `&`, text after the end) and, for a document cut short, that the feed is partial.
ALTER TABLE feeds ADD COLUMN last_warning VARCHAR;
