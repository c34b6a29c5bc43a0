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
import FuzzSupport
@testable import SochStorage

@_cdecl("fuzz_manifest_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(inputBytes(data), size) }
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
        fatalError("non-StorageError \(error)")
    }
    require(m.levels.count == Manifest.maxLevels, "decoded \(m.levels.count) levels")
    for level in m.levels {
        for t in level {
            require(InternalKey.isValid(t.smallest) && InternalKey.isValid(t.largest), "invalid key decoded")
            require(t.number < m.nextFileNumber, "table number not below nextFileNumber")
        }
    }
    let encoded = m.encode()
    // Varints may be non-minimal in the input, so only the size can shrink, never grow.
    require(encoded.count <= bytes.count, "re-encoding grew from \(bytes.count) to \(encoded.count) bytes")
    let again: Manifest
    do { again = try Manifest.decode(encoded, path: "/fuzz/MANIFEST") } catch {
        fatalError("re-encoded manifest does not decode: \(error)")
    }
    require(again == m, "round trip changed the manifest")
    require(again.encode() == encoded, "encoding is not stable")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkAsGivenAndRepaired(data, size, repair: repaired, check: check)
    return 0
}
