CREATE TABLE emp (id INTEGER PRIMARY KEY, dept TEXT, salary INT);
CREATE TABLE dept (name TEXT PRIMARY KEY, floor INT);
INSERT INTO emp VALUES (1, 'eng', 100), (2, 'eng', 120), (3, 'ops', 90), (4, 'hr', 70), (5, NULL, 60);
INSERT INTO dept VALUES ('eng', 3), ('ops', 1), ('sales', 2);
SELECT id FROM emp WHERE dept IN (SELECT name FROM dept WHERE floor > 1) ORDER BY id;
SELECT id FROM emp WHERE dept NOT IN (SELECT name FROM dept) ORDER BY id;
SELECT id, salary FROM emp WHERE salary > (SELECT avg(salary) FROM emp) ORDER BY id;
SELECT (SELECT count(*) FROM dept), (SELECT max(floor) FROM dept WHERE floor < 0), 1 + (SELECT min(salary) FROM emp);
SELECT name FROM dept WHERE EXISTS (SELECT 1 FROM emp WHERE dept = 'hr') ORDER BY name;
SELECT name FROM dept WHERE NOT EXISTS (SELECT 1 FROM emp WHERE salary > 1000) ORDER BY name;
SELECT dept, count(*) FROM emp GROUP BY dept HAVING count(*) >= (SELECT count(*) FROM dept WHERE floor = 3) ORDER BY dept;
-- uses the primary key: the subquery becomes an IN list
EXPLAIN SELECT * FROM dept WHERE name IN (SELECT dept FROM emp WHERE salary >= 100);
-- nested subqueries
SELECT id FROM emp WHERE dept IN (SELECT name FROM dept WHERE floor = (SELECT max(floor) FROM dept));
-- writes with subqueries: the subquery runs before the write
UPDATE emp SET salary = salary + (SELECT count(*) FROM dept) WHERE dept IN (SELECT name FROM dept WHERE floor = 1);
DELETE FROM emp WHERE salary < (SELECT avg(salary) FROM emp);
SELECT * FROM emp ORDER BY id;
INSERT INTO dept VALUES ((SELECT max(dept) FROM emp) || '2', (SELECT count(*) FROM emp));
SELECT * FROM dept ORDER BY name;
-- errors: correlated references, several columns
SELECT id FROM emp WHERE salary > (SELECT avg(salary) FROM dept WHERE name = emp.dept);
SELECT (SELECT name, floor FROM dept);
