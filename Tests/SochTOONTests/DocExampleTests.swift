import Testing
@testable import SochTOON

/// The examples of docs/formats/toon.md: each decodes and re-encodes to
/// itself, so the page cannot drift from the code.
@Suite struct DocExampleTests {
    static let examples = [
        "users[2]{id,name,email}:1,Alice,alice@example.com;2,Bob,bob@example.com",
        "users[2]{id,name,email,age}:1,Alice,alice@example.com,30;2,Bob,bob@example.com,25",
        "users[2]{name,email}:Alice,alice@example.com;Bob,bob@example.com",
        "users[2]{age,email,id,name}:30,alice@example.com,1,Alice;25,bob@example.com,2,Bob",
        #"t[3]{a,b}:1,null;"",x;"null",null"#,
        "n[3]{i,d}:0,1.0;-1,-0.0;9223372036854775807,1e+300",
        #"docs[2]{id,tags,meta}:1,[a,b c,1,2.5,true,null],{z:1,k:{x:y}};2,[],{"1":one,"a:b":"c]d"}"#,
        #"p[1]{id,description}:3,"Finish home bag, with use a office ships perfect life.""#,
        "users[0]{id,name}:",
        "t[3]{}:;;",
    ]

    @Test(arguments: examples)
    func reencodesToItself(_ text: String) throws {
        #expect(try TOON.encode(TOON.decode(text)) == text)
    }

    @Test func valuesAreTyped() throws {
        let rows = try TOON.decode("n[3]{i,d}:0,1.0;-1,-0.0;9223372036854775807,1e+300").rows
        #expect(rows == [[0, 1.0], [-1, .double(-0.0)], [.int(.max), 1e300]])
        let mixed = try TOON.decode(#"t[3]{a,b}:1,null;"",x;"null",null"#).rows
        #expect(mixed == [[1, nil], ["", "x"], ["null", nil]])
    }
}
