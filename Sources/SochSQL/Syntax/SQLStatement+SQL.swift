/// SQL text for parsed queries and writes, which parses back to the same
/// tree: every operator is parenthesised, every name is a quoted
/// identifier, a select item keeps the text it was written as (it names the
/// result column). The fuzz target of the SQL parser checks the round trip
/// (docs/fuzzing.md); DDL and transaction control print nothing (nil).
///
/// Parameters print as `?`, so a statement whose parameters the parser
/// numbered out of text order (`LIMIT ?, ?` puts the offset first)
/// reparses with them renumbered; the check skips statements with
/// parameters.
extension SQLStatement {
    var sql: String? {
        switch self {
        case .select(let s): return s.sql
        case .insert(let s): return s.sql
        case .update(let s):
            let sets = s.assignments.map { SQLText.name($0.column) + " = " + $0.value.sql }.joined(separator: ", ")
            return "UPDATE " + SQLText.name(s.table) + " SET " + sets + (s.whereClause.map { " WHERE " + $0.sql } ?? "")
        case .delete(let s):
            return "DELETE FROM " + SQLText.name(s.table) + (s.whereClause.map { " WHERE " + $0.sql } ?? "")
        case .explain(let inner): return inner.sql.map { "EXPLAIN " + $0 }
        case .createTable, .dropTable, .alterTable, .createIndex, .dropIndex, .begin, .commit, .rollback: return nil
        }
    }
}

extension InsertStatement {
    var sql: String {
        let verb = switch onConflict {
        case .abort: "INSERT INTO "
        case .ignore: "INSERT OR IGNORE INTO "
        case .replace: "INSERT OR REPLACE INTO "
        }
        var out = verb + SQLText.name(table)
        if let columns { out += " (" + columns.map(SQLText.name).joined(separator: ", ") + ")" }
        switch source {
        case .select(let s): out += " " + s.sql
        case .values(let rows):
            out += " VALUES " + rows.map { "(" + $0.map(\.sql).joined(separator: ", ") + ")" }.joined(separator: ", ")
        }
        return out
    }
}

extension SelectStatement {
    var sql: String {
        var out = "SELECT " + (distinct ? "DISTINCT " : "")
        out += items.map { item in
            switch item {
            case .star: return "*"
            case .tableStar(let t): return SQLText.name(t) + ".*"
            // A newline ends a `--` comment the written text may end with.
            case let .expression(_, alias, text): return text + "\n" + (alias.map { " AS " + SQLText.name($0) } ?? "")
            }
        }.joined(separator: ", ")
        if let from {
            out += " FROM " + SQLText.name(from.name) + (from.alias.map { " AS " + SQLText.name($0) } ?? "")
        }
        if let whereClause { out += " WHERE " + whereClause.sql }
        if !groupBy.isEmpty { out += " GROUP BY " + groupBy.map(\.sql).joined(separator: ", ") }
        if let having { out += " HAVING " + having.sql }
        if !orderBy.isEmpty {
            out += " ORDER BY " + orderBy.map { term in
                term.expression.sql + (term.descending ? " DESC" : " ASC")
                    + (term.nullsFirst.map { $0 ? " NULLS FIRST" : " NULLS LAST" } ?? "")
            }.joined(separator: ", ")
        }
        if let limit { out += " LIMIT " + limit.sql }
        if let offset {
            // OFFSET without LIMIT is not in the grammar; the parser never builds it.
            out += (limit == nil ? " LIMIT -1" : "") + " OFFSET " + offset.sql
        }
        return out
    }
}

extension SQLExpression {
    var sql: String {
        switch self {
        case .literal(let v): return SQLText.literal(v)
        case .parameter: return "?"
        case let .column(table, name): return (table.map { SQLText.name($0) + "." } ?? "") + SQLText.name(name)
        case let .unary(op, e):
            return op == .not ? "(NOT " + e.sql + ")" : "(" + op.rawValue + e.sql + ")"
        case let .binary(op, a, b): return "(" + a.sql + " " + op.rawValue + " " + b.sql + ")"
        case let .isNull(e, negated): return "(" + e.sql + (negated ? " IS NOT NULL)" : " IS NULL)")
        case let .isSame(a, b, negated): return "(" + a.sql + (negated ? " IS NOT " : " IS ") + b.sql + ")"
        case let .inList(e, list, negated):
            return "(" + e.sql + (negated ? " NOT IN (" : " IN (") + list.map(\.sql).joined(separator: ", ") + "))"
        case let .between(a, low, high, negated):
            return "(" + a.sql + (negated ? " NOT BETWEEN " : " BETWEEN ") + low.sql + " AND " + high.sql + ")"
        case let .like(a, pattern, escape, negated):
            return "(" + a.sql + (negated ? " NOT LIKE " : " LIKE ") + pattern.sql + (escape.map { " ESCAPE " + $0.sql } ?? "") + ")"
        case let .function(name, arguments, distinct, star):
            if star { return name + "(*)" }
            return name + "(" + (distinct ? "DISTINCT " : "") + arguments.map(\.sql).joined(separator: ", ") + ")"
        case let .caseWhen(base, branches, otherwise):
            var out = "CASE" + (base.map { " " + $0.sql } ?? "")
            for b in branches { out += " WHEN " + b.condition.sql + " THEN " + b.result.sql }
            return out + (otherwise.map { " ELSE " + $0.sql } ?? "") + " END"
        case let .cast(e, type): return "CAST(" + e.sql + " AS " + type.rawValue + ")"
        case .subquery(let s): return "(" + s.sql + ")"
        case let .inSubquery(e, s, negated): return "(" + e.sql + (negated ? " NOT IN (" : " IN (") + s.sql + "))"
        case .exists(let s): return "EXISTS (" + s.sql + ")"
        }
    }
}

enum SQLText {
    /// A quoted identifier (names are stored lowercased or as written;
    /// quoting keeps either and allows reserved words).
    static func name(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// A literal that lexes and folds back to `v`: negative numbers in
    /// parentheses (so no `--` can form), reals with a decimal point or
    /// exponent, infinities as an overflowing exponent.
    static func literal(_ v: SQLValue) -> String {
        switch v {
        case .integer(let i): return i < 0 ? "(" + String(i) + ")" : String(i)
        case .real(let d):
            if d.isInfinite { return d < 0 ? "(-1e999)" : "1e999" }
            var text = String(d.magnitude)
            if !text.contains(".") && !text.contains("e") { text += ".0" }
            return d.sign == .minus ? "(-" + text + ")" : text
        default: return v.sqlLiteral
        }
    }
}
