import Foundation
import SochStorage
@testable import SochSQL

/// A temporary database with the SQL layer attached; `close()` removes it.
final class TestDatabase {
    let directory: String
    private(set) var storage: StorageEngine
    private(set) var engine: SQLEngine
    static let prefix: [UInt8] = [0xFF, UInt8(ascii: "s")]

    let options: StorageOptions

    init(_ tag: String = "sql", options: StorageOptions = StorageOptions()) throws {
        directory = NSTemporaryDirectory() + "sochsql-\(tag)-\(UUID().uuidString)"
        self.options = options
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        storage = try StorageEngine.open(path: directory, options: options)
        engine = try SQLEngine(storage: storage, keyPrefix: Self.prefix)
    }

    /// Closes the storage engine and opens the same directory again.
    func reopen() throws {
        try storage.close()
        storage = try StorageEngine.open(path: directory, options: options)
        engine = try SQLEngine(storage: storage, keyPrefix: Self.prefix)
    }

    func close() {
        try? storage.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a script in a fresh session.
    @discardableResult
    func run(_ script: String) throws -> [SQLResult] {
        try engine.makeSession().executeScript(script)
    }

    /// The rows of one query, each row's values as SQL literals joined by ", ".
    func rows(_ sql: String, _ parameters: [SQLValue] = []) throws -> [String] {
        try engine.makeSession().execute(sql, parameters: parameters).rows.map { row in
            row.map(\.sqlLiteral).joined(separator: ", ")
        }
    }
}
