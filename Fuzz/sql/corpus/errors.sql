CREATE TABLE e (id INTEGER PRIMARY KEY, name TEXT);
SELECT id FORM e;
SELECT * FROM e WHERE;
SELECT (1 + 2;
SELECT id
FROM e
WHERE id = = 3;
INSERT INTO e VALUES (1, 'x') garbage;
CREATE TABLE (a INT);
SELECT 12abc;
SELECT #;
DELETE e;
UPDATE e name = 1;
FROB;
SELECT * FROM e, e;
SELECT * FROM e JOIN e ON 1;
SELECT * FROM e UNION SELECT * FROM e;
SELECT id FROM e WHERE id IN (SELECT id, name FROM e);
SELECT (SELECT nope FROM e);
SELECT nope FROM e;
SELECT e.nope FROM e;
SELECT x.id FROM e;
SELECT x.id FROM e AS x;
SELECT * FROM nope;
SELECT 'a' + 1;
SELECT -'a';
SELECT 1 LIMIT 'x';
SELECT * LIMIT 1;
SELECT * FROM e WEHRE id = 1;
SELECT id, name nme FROM e;
-- an unterminated string swallows the rest of the script
SELECT 'unterminated;
