import Foundation
import Synchronization
import Testing
@testable import SochDB
import SochDBExamples

/// Each seed use case under Examples/, exercised.
struct ExamplesTests {
    let dir = NSTemporaryDirectory() + "sochdb-examples-\(UUID().uuidString)"

    @Test func sessionCacheExpiresSessions() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(dir)
        let clock = Mutex(Date(timeIntervalSince1970: 1_000_000))
        var cache = SessionCache(db: db, timeToLive: 60)
        cache.now = { clock.withLock { $0 } }
        try cache.set("s1", ["user": "alice"])
        #expect(try cache.get("s1") == ["user": "alice"])
        clock.withLock { $0 += 61 }
        #expect(try cache.get("s1") == nil)
        #expect(try db.get(Array("session:s1".utf8)) == nil)   // expired sessions are deleted on read
        try db.close()
    }

    @Test func userStoreKeepsEmailsUniqueEvenUnderConcurrency() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(dir)
        let users = UserStore(db: db)
        let id = try users.createUser(email: "alice@example.com", name: "Alice")
        #expect(try users.user(byEmail: "alice@example.com")?.id == id)
        #expect(throws: UserStore.Failure.emailExists("alice@example.com")) {
            try users.createUser(email: "alice@example.com", name: "Again")
        }
        // Eight threads race for one email: exactly one wins.
        let winners = Mutex(0)
        runOnThreads(8) { i in
            if (try? users.createUser(email: "bob@example.com", name: "Bob \(i)")) != nil { winners.withLock { $0 += 1 } }
        }
        #expect(winners.withLock { $0 } == 1)
        #expect(try db.scanPrefix(Array("users:".utf8)).count == 2)
        try db.close()
    }

    @Test func documentStoreListsItsCollectionOnly() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(dir)
        let articles = DocumentStore(db: db, collection: "articles"), notes = DocumentStore(db: db, collection: "notes")
        try articles.insert(["title": "B"], id: "2")
        try articles.insert(["title": "A"], id: "1")
        try notes.insert(["title": "N"])
        #expect(try articles.findAll().map { $0["title"]! } == ["A", "B"])
        #expect(try articles.find("2")?["title"] == "B")
        #expect(try notes.findAll().count == 1)
        try db.close()
    }

    @Test func featureFlagsPerEnvironment() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(dir)
        let prod = FeatureFlags(db: db, environment: "production"), staging = FeatureFlags(db: db, environment: "staging")
        try prod.set("dark_mode", enabled: true)
        try prod.set("beta", enabled: false)
        try staging.set("beta", enabled: true)
        #expect(try prod.isEnabled("dark_mode") && !prod.isEnabled("beta") && !prod.isEnabled("unknown"))
        #expect(try staging.isEnabled("beta"))
        #expect(try prod.all() == ["dark_mode": true, "beta": false])
        try db.close()
    }
}
