-- DEFAULT values
CREATE TABLE d (id INTEGER PRIMARY KEY, name TEXT DEFAULT 'anon', score REAL DEFAULT 1, on_off BOOLEAN NOT NULL DEFAULT FALSE, n INT DEFAULT -5);
INSERT INTO d (id) VALUES (1);
INSERT INTO d (id, name, n) VALUES (2, NULL, 7);
SELECT * FROM d ORDER BY id;
CREATE TABLE bad (a INT DEFAULT 'x');
CREATE TABLE bad (a INT DEFAULT (1 + 2));
-- ADD COLUMN: existing rows read the default
ALTER TABLE d ADD COLUMN note TEXT;
ALTER TABLE d ADD tag TEXT NOT NULL DEFAULT 'none';
SELECT id, note, tag FROM d ORDER BY id;
INSERT INTO d (id, note) VALUES (3, 'third');
SELECT id, note, tag FROM d ORDER BY id;
CREATE INDEX d_tag ON d (tag);
SELECT id FROM d WHERE tag = 'none' ORDER BY id;
EXPLAIN SELECT id FROM d WHERE tag = 'none';
ALTER TABLE d ADD COLUMN tag TEXT;
ALTER TABLE d ADD COLUMN strict INT NOT NULL;
ALTER TABLE d ADD COLUMN k INT PRIMARY KEY;
ALTER TABLE d ADD COLUMN wrong INT DEFAULT 'x';
-- RENAME
ALTER TABLE d RENAME COLUMN note TO Remark;
SELECT id, remark FROM d WHERE id = 3;
ALTER TABLE d RENAME COLUMN nope TO x;
ALTER TABLE d RENAME COLUMN name TO tag;
ALTER TABLE d RENAME TO people;
SELECT * FROM d;
SELECT id, name, remark FROM people ORDER BY id;
SELECT id FROM people WHERE tag = 'none' ORDER BY id;
CREATE TABLE other (x INT);
ALTER TABLE people RENAME TO other;
ALTER TABLE people DROP COLUMN remark;
ALTER TABLE nope ADD COLUMN x INT;
-- the renamed table survives as itself: rows, index and rowid counter
DROP INDEX d_tag;
CREATE TABLE log (m TEXT);
INSERT INTO log VALUES ('a');
ALTER TABLE log RENAME TO journal;
INSERT INTO journal VALUES ('b');
ALTER TABLE journal ADD COLUMN level INT DEFAULT 3;
SELECT rowid, m, level FROM journal ORDER BY rowid;
