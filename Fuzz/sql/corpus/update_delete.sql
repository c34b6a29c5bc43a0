CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT NOT NULL, n INT);
CREATE INDEX k_n ON k (n);
INSERT INTO k VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30), (4, 'd', NULL);
UPDATE k SET n = n + 1 WHERE id <= 2;
SELECT * FROM k ORDER BY id;
UPDATE k SET v = v || '!', n = 0 WHERE n IS NULL;
SELECT * FROM k WHERE n = 0;
UPDATE k SET n = 99 WHERE id = 42;
-- an update sees the old row on its right-hand side
UPDATE k SET n = id, id = n WHERE id = 3;
SELECT * FROM k ORDER BY id;
-- keys may be traded within one statement
UPDATE k SET id = 5 - id WHERE id IN (1, 4);
SELECT * FROM k ORDER BY id;
UPDATE k SET id = 2 WHERE id = 1;
UPDATE k SET v = NULL WHERE id = 1;
UPDATE k SET n = 'x' WHERE id = 1;
UPDATE k SET nope = 1;
UPDATE nope SET n = 1;
-- the index follows updates
SELECT id FROM k WHERE n = 21;
SELECT id FROM k WHERE n = 11;
SELECT id FROM k WHERE n BETWEEN 0 AND 25 ORDER BY id;
DELETE FROM k WHERE n > 20;
SELECT * FROM k ORDER BY id;
SELECT id FROM k WHERE n = 21;
DELETE FROM k WHERE id = 100;
DELETE FROM k;
SELECT count(*) FROM k;
SELECT count(*) FROM k WHERE n >= 0;
DELETE FROM nope;
