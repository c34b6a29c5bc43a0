import Foundation
import SochDB

/// EXECUTE_SQL's JSON form (`{"columns", "rows", "rows_affected"}`) to and
/// from ``SQLResult``/``SQLValue``.
enum SQLResultJSON {
    private struct Wire: Decodable {
        var columns: [String]
        var rows: [[MetadataValue]]
        var rows_affected: Int
    }

    static func decode(_ text: String) throws(SochDBError) -> SQLResult {
        let w: Wire
        do { w = try JSONDecoder().decode(Wire.self, from: Data(text.utf8)) } catch {
            throw .protocol("EXECUTE_SQL reply is not the documented JSON: \(error)")
        }
        var rows: [[SQLValue]] = []
        for row in w.rows {
            var out: [SQLValue] = []
            for v in row {
                guard let value = SQLJSON.scalar(v) else { throw .protocol("EXECUTE_SQL reply holds a nested value") }
                out.append(value)
            }
            rows.append(out)
        }
        return SQLResult(columns: w.columns, rows: rows, rowsAffected: w.rows_affected)
    }
}
