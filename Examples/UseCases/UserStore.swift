import Foundation
import SochDB

/// The seed's user store with a unique index on email: the user record and
/// its `idx:email:<email>` entry are written in one transaction, and the
/// uniqueness check reads the index inside that transaction, so two
/// concurrent creations with one email cannot both succeed (the second
/// commit conflicts on the index key; the seed's check outside the
/// transaction had that race).
public struct UserStore: Sendable {
    public let db: Database

    public init(db: Database) { self.db = db }

    public struct User: Codable, Equatable {
        public var id: String
        public var email: String
        public var name: String
    }

    public enum Failure: Error, Equatable { case emailExists(String) }

    static func userKey(_ id: String) -> [UInt8] { Array("users:\(id)".utf8) }
    static func emailKey(_ email: String) -> [UInt8] { Array("idx:email:\(email.lowercased())".utf8) }

    /// Creates a user and returns its id; throws ``Failure/emailExists(_:)``
    /// if the email is taken (also by a concurrent creation that committed first).
    public func createUser(email: String, name: String) throws -> String {
        let id = "user_" + UUID().uuidString.prefix(8).lowercased()
        let user = User(id: id, email: email, name: name)
        do {
            try db.transaction { txn in
                guard try txn.get(Self.emailKey(email)) == nil else { throw Failure.emailExists(email) }
                try txn.put(Self.userKey(id), Array(try JSONEncoder().encode(user)))
                try txn.put(Self.emailKey(email), Array(id.utf8))
            }
        } catch SochDBError.transaction(.conflict) {
            throw Failure.emailExists(email)   // a concurrent creation took the email first
        }
        return id
    }

    public func user(byEmail email: String) throws -> User? {
        guard let id = try db.get(Self.emailKey(email)),
              let raw = try db.get(Self.userKey(String(decoding: id, as: UTF8.self))) else { return nil }
        return try JSONDecoder().decode(User.self, from: Data(raw))
    }
}
