// Fuzz target: the TOON decoder (SochTOON.TOON.decode) on arbitrary text.
// Checks beyond "no crash": a table that decodes encodes again, the
// encoding decodes to the same table, and encoding is stable (encoding the
// re-decoded table gives the same text).
import FuzzSupport
import SochTOON

@_cdecl("fuzz_toon_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzTOON(inputBytes(data), size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let table = try? TOON.decode(text) else { return 0 }
    let encoded: String
    do { encoded = try TOON.encode(table) } catch {
        // Only values the decoder cannot produce may fail to encode.
        fatalError("decoded table does not encode: \(error)\n\(text.debugDescription)")
    }
    guard let again = try? TOON.decode(encoded) else {
        fatalError("encoding of a decoded table does not decode:\n\(encoded.debugDescription)")
    }
    require(again == table, "round trip changed the table:\n\(text.debugDescription)\n\(encoded.debugDescription)")
    require((try? TOON.encode(again)) == encoded, "encoding is not stable:\n\(encoded.debugDescription)")
    return 0
}
