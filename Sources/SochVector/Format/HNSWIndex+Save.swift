extension HNSWIndex {
    /// Writes the index to `path` in the `.hnsw` format (docs/formats/hnsw.md),
    /// atomically: a temporary file is written, synced and renamed, so a
    /// failure leaves any earlier file at `path` untouched. Searches may run
    /// meanwhile; `add` waits. Returns the file size in bytes. O(file size).
    @discardableResult
    public func save(to path: String) throws -> Int {
        try rwLock.read {
            let g = layout
            let n = g.count
            let sections: [(HNSWFileFormat.Section, UnsafeRawPointer, Int)] = [
                (.vectors, UnsafeRawPointer(g.vectors), n * dimension * 4),
                (.level0Links, UnsafeRawPointer(g.level0), n * (parameters.m0 + 1) * 4),
                (.levels, UnsafeRawPointer(g.levels), n),
                (.upperOffsets, UnsafeRawPointer(g.upperOffsets), n * 4),
                (.upperLinks, UnsafeRawPointer(g.upperLinks), g.upperLength * 4),
                (.externalIDs, UnsafeRawPointer(g.externalIDs), n * 8),
                (.tombstones, UnsafeRawPointer(g.tombstones), (n + 63) / 64 * 8),
            ]
            let writer = try AtomicFileWriter(path: path)
            let tableSize = sections.count * HNSWFileFormat.sectionEntrySize
            try writer.write([UInt8](repeating: 0, count: HNSWFileFormat.headerSize + tableSize))
            var table = [UInt8](repeating: 0, count: tableSize)
            for (i, (kind, bytes, length)) in sections.enumerated() {
                try writer.pad(toMultipleOf: HNSWFileFormat.alignment)
                let e = i * HNSWFileFormat.sectionEntrySize
                table.put(kind.rawValue, at: e)
                table.put(UInt64(writer.offset), at: e + 8)
                table.put(UInt64(length), at: e + 16)
                table.put(CRC32C.checksum(bytes, count: length), at: e + 24)
                try writer.write(UnsafeRawBufferPointer(start: bytes, count: length))
            }
            let header = makeHeader(sectionCount: sections.count, table: table)
            try writer.overwrite(header + table, at: 0)
            let size = writer.offset
            try writer.commit()
            fileSizeBytes.store(size, ordering: .relaxed)
            return size
        }
    }

    private func makeHeader(sectionCount: Int, table: [UInt8]) -> [UInt8] {
        typealias F = HNSWFileFormat.Field
        var h = [UInt8](repeating: 0, count: HNSWFileFormat.headerSize)
        for (i, b) in HNSWFileFormat.magic.enumerated() { h[i] = b }
        h.put(HNSWFileFormat.version, at: F.version)
        h.put(UInt32(HNSWFileFormat.headerSize), at: F.headerSize)
        h.put(metric.formatCode, at: F.metric)
        h.put(UInt32(dimension), at: F.dimension)
        h.put(UInt32(parameters.m), at: F.m)
        h.put(UInt32(parameters.efConstruction), at: F.efConstruction)
        h.put(UInt64(layout.count), at: F.count)
        h.put(entryPoint, at: F.entryPoint)
        h.put(maxLevel < 0 ? UInt32.max : UInt32(maxLevel), at: F.maxLevel)
        h.put(UInt32(sectionCount), at: F.sectionCount)
        h.put(identityIDs ? HNSWFileFormat.flagIdentityIDs : 0, at: F.flags)
        h.put(UInt32(deletedCount), at: F.deletedCount)
        let crc = CRC32C.checksum(Array(h[0..<F.headerCRC]) + table)
        h.put(crc, at: F.headerCRC)
        return h
    }
}
