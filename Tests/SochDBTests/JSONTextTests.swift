import Foundation
import Testing
@testable import SochDB

/// The hand-written JSON writer against Foundation's decoder: whatever it
/// writes reads back as the same value.
struct JSONTextTests {
    @Test func stringsReadBackUnchanged() throws {
        var samples = ["", "plain", "quote \" and \\ backslash", "tab\tnew\nline\rcr", "ünïcødé 🚀 中文", "/slash/",
                       String(decoding: (0..<32).map { UInt8($0) }, as: UTF8.self), "\u{7F}\u{2028}"]
        var rng = SplitMix64(seed: 3)
        for _ in 0..<200 {
            let scalars = (0..<Int(rng.next() % 12)).compactMap { _ in Unicode.Scalar(UInt32(rng.next() % 0x3000)) }
            samples.append(String(String.UnicodeScalarView(scalars)))
        }
        for s in samples {
            let text = JSONText.quoted(s)
            #expect(try JSONDecoder().decode(String.self, from: Data(text.utf8)) == s, "\(Array(s.utf8))")
        }
    }

    @Test func metadataReadsBackUnchanged() throws {
        let values: [MetadataValue] = [
            .null, true, false, 0, -42, .int(.max), .int(.min), 1.5, -0.25, 1e-5, 1e300, 5.0,
            ["a", 1, [true, .null]], ["z": 1, "a": ["nested": "x\"y"], "": .double(2.5)],
        ]
        for v in values {
            var out = [UInt8]()
            JSONText.append(v, to: &out)
            let back = try JSONDecoder().decode(MetadataValue.self, from: Data(out))
            #expect(back.matches(v) || back == v, "\(String(decoding: out, as: UTF8.self))")
        }
        var out = [UInt8]()
        JSONText.append(["b": 1, "a": 2], to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"{"a":2,"b":1}"#)
    }
}
