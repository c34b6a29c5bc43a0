CREATE TABLE s (id INTEGER PRIMARY KEY, dept TEXT, salary INT, bonus REAL);
SELECT count(*), count(salary), sum(salary), avg(salary), min(salary), max(salary), total(salary) FROM s;
SELECT dept, count(*) FROM s GROUP BY dept;
INSERT INTO s VALUES (1, 'eng', 100, 1.5), (2, 'eng', 120, NULL), (3, 'ops', 90, 0.5), (4, NULL, 80, 2.0),
  (5, 'ops', NULL, NULL), (6, NULL, 70, 1.0), (7, 'eng', 100, 3.0);
SELECT count(*), count(salary), count(bonus), sum(salary), avg(salary), min(salary), max(salary) FROM s;
SELECT sum(bonus), avg(bonus), total(bonus), min(bonus), max(bonus) FROM s;
SELECT count(DISTINCT salary), sum(DISTINCT salary), avg(DISTINCT salary), count(DISTINCT dept) FROM s;
SELECT dept, count(*), sum(salary), max(bonus) FROM s GROUP BY dept ORDER BY dept;
SELECT dept, count(*) AS n FROM s GROUP BY dept HAVING count(*) > 1 ORDER BY n DESC, dept;
SELECT dept, avg(salary) FROM s GROUP BY 1 HAVING avg(salary) > 95 ORDER BY 1;
SELECT salary > 90 AS high, count(*) FROM s GROUP BY salary > 90 ORDER BY high;
SELECT dept, sum(salary) * 2 + 1, count(*) - count(bonus) FROM s GROUP BY dept ORDER BY sum(salary) DESC;
SELECT max(salary) - min(salary) FROM s WHERE dept = 'eng';
SELECT count(*) FROM s WHERE salary > 1000;
SELECT sum(salary), avg(salary), max(dept) FROM s WHERE salary > 1000;
SELECT count(*) FROM s HAVING count(*) > 100;
SELECT dept FROM s GROUP BY dept ORDER BY dept LIMIT 1 OFFSET 1;
-- misuse
SELECT id FROM s WHERE count(*) > 1;
SELECT sum(count(*)) FROM s;
SELECT dept FROM s GROUP BY count(*);
SELECT sum(dept) FROM s;
SELECT nosuch(1);
SELECT count(1, 2) FROM s;
