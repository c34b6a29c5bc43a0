CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, ok BOOLEAN, data BLOB);
INSERT INTO t VALUES (1, 'one', 1.5, TRUE, X'00ff');
INSERT INTO t (name, id) VALUES ('two', 2), ('three', 3);
-- integers go into REAL columns as reals, 0/1 into BOOLEAN columns
INSERT INTO t VALUES (4, 'four', 4, 0, NULL);
SELECT * FROM t ORDER BY id;
-- type errors
INSERT INTO t VALUES (5, 'five', 'high', NULL, NULL);
INSERT INTO t VALUES ('6', 'six', NULL, NULL, NULL);
INSERT INTO t VALUES (7, 7, NULL, NULL, NULL);
INSERT INTO t VALUES (8, 'eight', NULL, 2, NULL);
INSERT INTO t VALUES (9, 'nine', NULL, NULL, 'text');
INSERT INTO t VALUES (10, 'ten', 1.5e0 * 2, NULL, NULL);
-- constraints
INSERT INTO t (id) VALUES (11);
-- NULL into an INTEGER PRIMARY KEY assigns the next free key
INSERT INTO t VALUES (NULL, 'auto', NULL, NULL, NULL), (NULL, 'auto2', NULL, NULL, NULL);
SELECT id, name FROM t WHERE name LIKE 'auto%' ORDER BY id;
UPDATE t SET id = NULL WHERE name = 'auto';
INSERT INTO t VALUES (1, 'duplicate', NULL, NULL, NULL);
-- a failing multi-row insert leaves nothing
INSERT INTO t (id, name) VALUES (20, 'a'), (21, 'b'), (20, 'c');
SELECT count(*) FROM t WHERE id >= 20;
INSERT INTO t (id, name) VALUES (22, 'a'), (23, NULL);
SELECT count(*) FROM t WHERE id >= 20;
-- shape errors
INSERT INTO t (id, name) VALUES (30);
INSERT INTO t (id, nope) VALUES (30, 'x');
INSERT INTO t (id, id) VALUES (30, 31);
INSERT INTO missing VALUES (1);
INSERT INTO t VALUES (31, 'x' || 'y', 2.0 / 4, 1 = 1, NULL);
SELECT * FROM t WHERE id = 31;
-- a table without a primary key gets a hidden rowid
CREATE TABLE log (msg TEXT);
INSERT INTO log VALUES ('a'), ('b');
INSERT INTO log VALUES ('c');
SELECT rowid, msg FROM log ORDER BY rowid;
SELECT * FROM log;
-- unique index
CREATE UNIQUE INDEX t_name ON t (name);
INSERT INTO t (id, name) VALUES (40, 'one');
INSERT INTO t (id, name) VALUES (40, 'forty');
-- NULL never collides in a unique index
CREATE TABLE u (a INT, b TEXT);
CREATE UNIQUE INDEX u_b ON u (b);
INSERT INTO u VALUES (1, NULL), (2, NULL), (3, 'x');
INSERT INTO u VALUES (4, 'x');
SELECT * FROM u ORDER BY a;
-- back-filling a unique index over duplicates fails
CREATE TABLE dup (v INT);
INSERT INTO dup VALUES (1), (1);
CREATE UNIQUE INDEX dup_v ON dup (v);
-- INSERT … SELECT
CREATE TABLE src (k INT, v TEXT);
INSERT INTO src VALUES (1, 'a'), (2, 'b'), (3, NULL);
CREATE TABLE dst (id INTEGER PRIMARY KEY, label TEXT NOT NULL DEFAULT '?');
INSERT INTO dst (id, label) SELECT k * 10, upper(v) FROM src WHERE v IS NOT NULL;
INSERT INTO dst (id) SELECT k FROM src ORDER BY k DESC LIMIT 2;
INSERT INTO dst SELECT id + 1, label FROM dst;
INSERT INTO dst SELECT max(id) + 1, 'max' FROM dst;
INSERT INTO dst (id) SELECT k, v FROM src;
INSERT INTO dst SELECT k, v FROM src WHERE k = 3;
SELECT * FROM dst ORDER BY id;
-- conflict policies
CREATE TABLE cp (id INT PRIMARY KEY, email TEXT, n INT);
CREATE UNIQUE INDEX cp_email ON cp (email);
INSERT INTO cp VALUES (1, 'a@x', 1), (2, 'b@x', 2);
INSERT OR IGNORE INTO cp VALUES (1, 'new@x', 10), (3, 'a@x', 30), (4, 'd@x', 40);
SELECT * FROM cp ORDER BY id;
INSERT OR REPLACE INTO cp VALUES (2, 'e@x', 20);
REPLACE INTO cp VALUES (5, 'a@x', 50);
INSERT OR REPLACE INTO cp VALUES (4, 'e@x', 44);
SELECT * FROM cp ORDER BY id;
SELECT id FROM cp WHERE email = 'a@x';
SELECT id FROM cp WHERE email = 'b@x';
INSERT OR ABORT INTO cp VALUES (5, 'z@x', 0);
INSERT OR FAIL INTO cp VALUES (6, 'z@x', 0);
