// sochdb-examples: runs the seed's use cases (Examples/UseCases) against a
// fresh database and prints what each does: `swift run sochdb-examples [DIR]`.
import Foundation
import SochDB
import SochDBExamples

let dir = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : NSTemporaryDirectory() + "sochdb-examples-\(getpid())"
do {
    let db = try Database.open(dir)
    let sessions = SessionCache(db: db, timeToLive: 3600)
    try sessions.set("abc123", ["user": "alice", "role": "admin"])
    print("session abc123:", try sessions.get("abc123") ?? [:])

    let users = UserStore(db: db)
    let id = try users.createUser(email: "alice@example.com", name: "Alice")
    print("created \(id); by email:", try users.user(byEmail: "alice@example.com").map(\.name) ?? "-")
    do { _ = try users.createUser(email: "alice@example.com", name: "Impostor") } catch {
        print("second alice@example.com refused:", error)
    }

    let docs = DocumentStore(db: db, collection: "articles")
    try docs.insert(["title": "Hello", "body": "First post"], id: "a1")
    try docs.insert(["title": "Again", "body": "Second post"], id: "a2")
    print("articles:", try docs.findAll().map { $0["title"] ?? "" })

    let flags = FeatureFlags(db: db, environment: "production")
    try flags.set("dark_mode", enabled: true)
    try flags.set("beta_search", enabled: false)
    print("production flags:", try flags.all().sorted { $0.key < $1.key })
    print("checkpoint at LSN", try db.checkpoint())
    try db.close()
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
