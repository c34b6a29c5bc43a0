import Foundation
import SochDB
import SochWire

/// EXECUTE_SQL (0x0F): one statement, with `?` parameters from a JSON array
/// (null, booleans, integers, reals, strings; `{"$blob": "hex"}` for a blob),
/// inside the connection's transaction if one is open. The reply is TOON
/// (`result[N]{col,…}:…`) or ``SQLJSON``'s JSON with blobs as hex strings.
enum SQLRunner {
    static func run(_ sql: String, format: Request.ResultFormat, parametersJSON: String,
                    database: Database, transaction: DatabaseTransaction?) throws(SochDBError) -> String {
        let params = try SQLJSON.parameters(parametersJSON)
        let result = if let transaction { try transaction.execute(sql, parameters: params) }
            else { try database.executeSQL(sql, parameters: params) }
        switch format {
        case .toon:
            do { return try result.toTOON(table: "result") } catch {
                throw .invalidArgument("result does not encode as TOON: \(error)")
            }
        case .json: return SQLJSON.result(result, blobs: .hexString)
        }
    }
}
