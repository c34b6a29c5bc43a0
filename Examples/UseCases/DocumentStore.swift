import Foundation
import SochDB

/// The seed's document store: JSON documents under `doc:<collection>:<id>`,
/// listed by a prefix scan.
public struct DocumentStore: Sendable {
    public let db: Database
    public let collection: String

    public init(db: Database, collection: String) { self.db = db; self.collection = collection }

    var prefix: [UInt8] { Array("doc:\(collection):".utf8) }

    /// Stores `document` (any JSON object) and returns its id.
    @discardableResult
    public func insert(_ document: [String: String], id: String? = nil) throws -> String {
        let docID = id ?? String(UUID().uuidString.prefix(8)).lowercased()
        try db.put(prefix + Array(docID.utf8), Array(try JSONEncoder().encode(document)))
        return docID
    }

    public func find(_ id: String) throws -> [String: String]? {
        try db.get(prefix + Array(id.utf8)).map { try JSONDecoder().decode([String: String].self, from: Data($0)) }
    }

    /// Every document of the collection, in id order.
    public func findAll() throws -> [[String: String]] {
        try db.scanPrefix(prefix).map { try JSONDecoder().decode([String: String].self, from: Data($0.value)) }
    }
}
