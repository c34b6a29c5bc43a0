import Foundation
import SochDB

/// The seed's session cache: JSON session data under `session:<id>` with an
/// expiry time; an expired session reads as absent and is deleted.
public struct SessionCache: Sendable {
    public let db: Database
    public let timeToLive: TimeInterval
    /// The clock (injectable so a test can move time).
    public var now: @Sendable () -> Date = { Date() }

    public init(db: Database, timeToLive: TimeInterval = 24 * 3600) {
        self.db = db
        self.timeToLive = timeToLive
    }

    struct Entry: Codable { var data: [String: String]; var expires: Date }

    static func key(_ id: String) -> [UInt8] { Array("session:\(id)".utf8) }

    public func set(_ sessionID: String, _ userData: [String: String]) throws {
        let entry = Entry(data: userData, expires: now().addingTimeInterval(timeToLive))
        try db.put(Self.key(sessionID), Array(try JSONEncoder().encode(entry)))
    }

    public func get(_ sessionID: String) throws -> [String: String]? {
        guard let raw = try db.get(Self.key(sessionID)) else { return nil }
        let entry = try JSONDecoder().decode(Entry.self, from: Data(raw))
        if entry.expires < now() {
            try delete(sessionID)
            return nil
        }
        return entry.data
    }

    public func delete(_ sessionID: String) throws { try db.delete(Self.key(sessionID)) }
}
