/// Random INSERT, UPDATE and DELETE statements on the generator's tables,
/// in the subset where SochSQL and SQLite agree: values of each column's
/// own type, primary keys never updated (SQLite checks uniqueness row by
/// row during an UPDATE, SochSQL for the statement as a whole).
extension QueryGenerator {
    mutating func write() -> String {
        let table = pick(["t1", "t2"])
        switch int(0...9) {
        case 0...3:
            let rows = (0..<int(1...3)).map { _ -> String in
                let a = chance(0.15) ? "NULL" : String(int(-20...20))
                let b = chance(0.15) ? "NULL" : String(int(0...5))
                let r = chance(0.15) ? "NULL" : realLiteral(Double(int(-400...400)) / 8)
                let s = chance(0.15) ? "NULL" : "'\(pick(Self.words))'"
                return "(\(int(1...420)), \(a), \(b), \(r), \(s))"
            }
            let verb = pick(["INSERT", "INSERT", "INSERT OR IGNORE", "INSERT OR REPLACE", "REPLACE"])
            return "\(verb) INTO \(table) VALUES \(rows.joined(separator: ", "))"
        case 4...7:
            var sets: [String] = []
            for column in ["a", "b", "r", "s"].shuffled(using: &rng).prefix(int(1...3)) {
                switch column {
                case "r": sets.append("r = \(realExpression())")
                case "s": sets.append("s = \(textExpression())")
                default: sets.append("\(column) = \(intExpression())")
                }
            }
            return "UPDATE \(table) SET \(sets.joined(separator: ", ")) WHERE \(predicate())"
        default:
            return "DELETE FROM \(table) WHERE (\(predicate())) AND id % 7 = \(int(0...6))"
        }
    }

    /// Queries that read every row, and some through each index.
    mutating func checks() -> [String] {
        ["SELECT * FROM t1 ORDER BY id",
         "SELECT * FROM t2 ORDER BY id, a, b, r, s",
         "SELECT id FROM t1 WHERE a = \(int(-20...20)) ORDER BY id",
         "SELECT id, s FROM t1 WHERE s = '\(pick(Self.words))' ORDER BY id",
         "SELECT id FROM t2 WHERE a BETWEEN \(int(-20...0)) AND \(int(0...20)) ORDER BY id, b, r, s"]
    }
}
