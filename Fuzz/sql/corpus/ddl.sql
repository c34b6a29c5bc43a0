-- CREATE TABLE with every type spelling and constraint
CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, score DOUBLE, active BOOL, photo BLOB);
CREATE TABLE Users (x INT);
CREATE TABLE IF NOT EXISTS users (x INT);
CREATE TABLE pairs (a INT, b TEXT, c FLOAT, PRIMARY KEY (a, b));
CREATE TABLE plain (v TEXT);
CREATE TABLE bad (a INT, a TEXT);
CREATE TABLE bad (a INT PRIMARY KEY, b INT PRIMARY KEY);
CREATE TABLE bad (a INT, PRIMARY KEY (z));
CREATE TABLE bad (a DATETIME);
CREATE TABLE "Quoted Name" ("Select" TEXT, n INT);
INSERT INTO "quoted name" VALUES ('kw', 1);
SELECT "select", N FROM "QUOTED NAME";
-- indexes
CREATE INDEX users_name ON users (name);
CREATE UNIQUE INDEX users_name_score ON users (name, score);
CREATE INDEX users_name ON users (score);
CREATE INDEX IF NOT EXISTS users_name ON users (score);
CREATE INDEX nope ON missing (a);
CREATE INDEX nope ON users (missing);
DROP INDEX users_name_score;
DROP INDEX users_name_score;
DROP INDEX IF EXISTS users_name_score;
-- DROP TABLE removes rows and indexes
INSERT INTO plain VALUES ('a'), ('b');
CREATE INDEX plain_v ON plain (v);
DROP TABLE plain;
SELECT * FROM plain;
DROP INDEX plain_v;
CREATE TABLE plain (v TEXT, w INT);
SELECT * FROM plain;
CREATE INDEX plain_v ON plain (v);
DROP TABLE IF EXISTS plain;
DROP TABLE IF EXISTS plain;
DROP TABLE plain;
CREATE TABLE t (rowid INT);
