// Fuzz target `manifest`: the MANIFEST file (docs/formats/manifest.md).
//
// Feeds: the input to Manifest.decode (in memory, the function
// Manifest.load calls on the file's bytes). Each input is decoded as given
// and, if it is long enough, with its payload length and CRC repaired, so
// mutations of the payload get past the checksum.
//
// Checks, beyond "no trap / no out-of-bounds read": errors are StorageError;
// a manifest that decodes has 7 levels of valid internal keys with table
// numbers below nextFileNumber, re-encodes to bytes that decode to the same
// value, and that encoding is stable (encode(decode(encode(m))) = encode(m)).
import CFuzzing
@testable import SochStorage

@_cdecl("fuzz_manifest_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv = Optional(argv)
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data ?? UnsafePointer(bitPattern: 1)!, size) }
}

/// The input with its payload length (bytes 12..<16) and trailing CRC made right.
func repaired(_ input: [UInt8]) -> [UInt8] {
    guard input.count >= 20 else { return input }
    var b = input
    b.setFixed32(UInt32(b.count - 20), at: 12)
    b.setFixed32(Checksum.crc32c(b[0..<(b.count - 4)]), at: b.count - 4)
    return b
}

func check(_ bytes: [UInt8]) {
    let m: Manifest
    do {
        m = try Manifest.decode(bytes, path: "/fuzz/MANIFEST")
    } catch is StorageError {
        return
    } catch {
        preconditionFailure("non-StorageError \(error)")
    }
    precondition(m.levels.count == Manifest.maxLevels, "decoded \(m.levels.count) levels")
    for level in m.levels {
        for t in level {
            precondition(InternalKey.isValid(t.smallest) && InternalKey.isValid(t.largest), "invalid key decoded")
            precondition(t.number < m.nextFileNumber, "table number not below nextFileNumber")
        }
    }
    let encoded = m.encode()
    // Varints may be non-minimal in the input, so only the size can shrink, never grow.
    precondition(encoded.count <= bytes.count, "re-encoding grew from \(bytes.count) to \(encoded.count) bytes")
    let again: Manifest
    do { again = try Manifest.decode(encoded, path: "/fuzz/MANIFEST") } catch {
        preconditionFailure("re-encoded manifest does not decode: \(error)")
    }
    precondition(again == m, "round trip changed the manifest")
    precondition(again.encode() == encoded, "encoding is not stable")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    check(input)
    let fixed = repaired(input)
    if fixed != input { check(fixed) }
    return 0
}
