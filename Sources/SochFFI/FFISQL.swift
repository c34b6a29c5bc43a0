import CSochFFI
import Foundation
import SochDB

// sochdb_execute, sochdb_txn_execute, sochdb_toon_encode, sochdb_toon_decode.

/// SOCHDB_FORMAT_JSON (0) or SOCHDB_FORMAT_TOON (1), checked before the
/// statement runs so a bad format never executes a write.
private func checkFormat(_ format: Int32) throws(SochDBError) {
    if format != 0 && format != 1 { throw invalid("format must be 0 (JSON) or 1 (TOON), got \(format)") }
}

/// A statement's result in its checked format.
private func render(_ result: SQLResult, format: Int32) throws(SochDBError) -> String {
    if format == 0 { return SQLJSON.result(result, blobs: .tagged) }
    do { return try result.toTOON(table: "result") } catch { throw SochDBError(wrapping: error) }
}

private func writeText(_ text: String, _ outText: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                       _ outLen: UnsafeMutablePointer<Int>?) throws(SochDBError) {
    outText.pointee = try mallocString(text)
    outLen?.pointee = text.utf8.count
}

@_cdecl("sochdb_execute")
public func sochdb_execute(_ db: OpaquePointer?, _ sql: UnsafePointer<CChar>?, _ paramsJSON: UnsafePointer<CChar>?,
                           _ format: Int32, _ outText: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                           _ outLen: UnsafeMutablePointer<Int>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let d = try database(db), out = try required(outText, "out_text")
        let statement = try string(sql, "sql")
        let params = try SQLJSON.parameters(try optionalString(paramsJSON, "params_json") ?? "")
        try checkFormat(format)
        let result = try d.executeSQL(statement, parameters: params)
        try writeText(try render(result, format: format), out, outLen)
    }
}

@_cdecl("sochdb_txn_execute")
public func sochdb_txn_execute(_ txn: OpaquePointer?, _ sql: UnsafePointer<CChar>?, _ paramsJSON: UnsafePointer<CChar>?,
                               _ format: Int32, _ outText: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                               _ outLen: UnsafeMutablePointer<Int>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let out = try required(outText, "out_text")
        let statement = try string(sql, "sql")
        let params = try SQLJSON.parameters(try optionalString(paramsJSON, "params_json") ?? "")
        try checkFormat(format)
        let result = try transaction(txn) { t throws(SochDBError) in try t.execute(statement, parameters: params) }
        try writeText(try render(result, format: format), out, outLen)
    }
}

/// A TOON value as JSON text.
func json(_ value: TOONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .double(let d): return MetadataValue.double(d).json
    case .string(let s): return MetadataValue.string(s).json
    case .list(let l): return "[" + l.map(json).joined(separator: ",") + "]"
    case .object(let o):
        return "{" + o.map { MetadataValue.string($0.0).json + ":" + json($0.1) }.joined(separator: ",") + "}"
    }
}

@_cdecl("sochdb_toon_encode")
public func sochdb_toon_encode(_ table: UnsafePointer<CChar>?, _ recordsJSON: UnsafePointer<CChar>?,
                               _ fieldsJSON: UnsafePointer<CChar>?,
                               _ outText: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let out = try required(outText, "out_text")
        let name = try string(table, "table")
        guard case .list(let items) = try parseJSON(try string(recordsJSON, "records_json"), "records_json") else {
            throw invalid("records_json must be a JSON array of objects")
        }
        var records: [[String: TOONValue]] = []
        records.reserveCapacity(items.count)
        for item in items {
            guard case .object(let o) = item else { throw invalid("records_json must be a JSON array of objects") }
            records.append(o.mapValues(\.toonValue))
        }
        var fields: [String]?
        if let text = try optionalString(fieldsJSON, "fields_json") {
            guard case .list(let names) = try parseJSON(text, "fields_json") else {
                throw invalid("fields_json must be a JSON array of strings")
            }
            fields = try names.map { n throws(SochDBError) in
                guard case .string(let s) = n else { throw invalid("fields_json must be a JSON array of strings") }
                return s
            }
        }
        let text: String
        do throws(TOONError) { text = try Database.toTOON(table: name, records: records, fields: fields) } catch { throw .toon(error) }
        out.pointee = try mallocString(text)
    }
}

@_cdecl("sochdb_toon_decode")
public func sochdb_toon_decode(_ text: UnsafePointer<CChar>?,
                               _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let out = try required(outJSON, "out_json")
        let t: (table: String, fields: [String], records: [[String: TOONValue]])
        let input = try string(text, "text")
        do throws(TOONError) { t = try Database.fromTOON(input) } catch { throw .toon(error) }
        let fields = t.fields.map { MetadataValue.string($0).json }.joined(separator: ",")
        let records = t.records.map { r in
            "{" + t.fields.compactMap { f in r[f].map { MetadataValue.string(f).json + ":" + json($0) } }
                .joined(separator: ",") + "}"
        }.joined(separator: ",")
        out.pointee = try mallocString("{\"table\":\(MetadataValue.string(t.table).json),\"fields\":[\(fields)],\"records\":[\(records)]}")
    }
}
