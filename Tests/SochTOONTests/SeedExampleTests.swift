import Testing
@testable import SochTOON

/// The examples of the product's README, verbatim.
@Suite struct SeedExampleTests {
    static let users: [[String: TOONValue]] = [
        ["id": 1, "name": "Alice", "email": "alice@example.com", "age": 30],
        ["id": 2, "name": "Bob", "email": "bob@example.com", "age": 25],
    ]

    @Test func encodesIdNameEmail() throws {
        #expect(try TOON.encode(table: "users", records: Self.users, fields: ["id", "name", "email"])
            == "users[2]{id,name,email}:1,Alice,alice@example.com;2,Bob,bob@example.com")
    }

    @Test func fieldListSelectsAndOrders() throws {
        #expect(try TOON.encode(table: "users", records: Self.users, fields: ["name", "email"])
            == "users[2]{name,email}:Alice,alice@example.com;Bob,bob@example.com")
        #expect(try TOON.encode(table: "users", records: Self.users, fields: ["email", "id"])
            == "users[2]{email,id}:alice@example.com,1;bob@example.com,2")
    }

    @Test func withoutFieldListColumnsAreSortedKeys() throws {
        #expect(try TOON.encode(table: "users", records: Self.users)
            == "users[2]{age,email,id,name}:30,alice@example.com,1,Alice;25,bob@example.com,2,Bob")
    }

    @Test func columnsAndRowsKeepTheCallersOrder() throws {
        let text = try TOON.encode(table: "users", columns: ["id", "name", "email", "age"], rows: [
            [1, "Alice", "alice@example.com", 30],
            [2, "Bob", "bob@example.com", 25],
        ])
        #expect(text == "users[2]{id,name,email,age}:1,Alice,alice@example.com,30;2,Bob,bob@example.com,25")
    }

    @Test func decodesTheReadmeExample() throws {
        let table = try TOON.decode("users[2]{name,email}:Alice,alice@ex.com;Bob,bob@ex.com")
        #expect(table.name == "users")
        #expect(table.fields == ["name", "email"])
        #expect(table.records == [
            ["name": "Alice", "email": "alice@ex.com"],
            ["name": "Bob", "email": "bob@ex.com"],
        ])
        #expect(table.rows == [["Alice", "alice@ex.com"], ["Bob", "bob@ex.com"]])
    }

    @Test func missingFieldEncodesAsNullAndDecodesAsNull() throws {
        let text = try TOON.encode(table: "t", records: [["a": 1], ["b": "x"]])
        #expect(text == "t[2]{a,b}:1,null;null,x")
        #expect(try TOON.decode(text).records == [["a": 1, "b": nil], ["a": nil, "b": "x"]])
    }

    @Test func emptyTables() throws {
        #expect(try TOON.encode(table: "t", records: []) == "t[0]{}:")
        #expect(try TOON.encode(table: "t", records: [], fields: ["a"]) == "t[0]{a}:")
        #expect(try TOON.decode("t[0]{a}:") == TOONTable(name: "t", fields: ["a"], records: []))
        #expect(try TOON.decode("t[3]{}:;;") == TOONTable(name: "t", fields: [], records: [[:], [:], [:]]))
        #expect(try TOON.decode("t[1]{}:") == TOONTable(name: "t", fields: [], records: [[:]]))
    }
}
