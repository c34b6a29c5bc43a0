/// What ``Recovery`` hands the engine.
struct Recovered {
    var manifest: Manifest
    var version: Version
    var wal: WALWriter
    var cache: BlockCache?
    var counters: EngineCounters
}

/// Opening a database directory: read the manifest, open its tables, replay
/// the WAL segments not yet flushed, write what they held to a level-0 table,
/// start a new segment, and delete files nothing refers to any more.
///
/// Every step that changes the directory is ordered so that a crash at any
/// point leaves a directory this same procedure opens: the new table is
/// synced before the manifest names it, the manifest is replaced atomically,
/// and only files the durable manifest no longer needs are deleted.
struct Recovery {
    let path: String
    let options: StorageOptions
    var fs: FileSystem { options.fileSystem }

    func run() throws -> Recovered {
        let counters = EngineCounters()
        let cache: BlockCache? = options.blockCacheBytes > 0 ? BlockCache(capacityBytes: options.blockCacheBytes, counters: counters) : nil
        var manifest: Manifest
        if let m = try Manifest.load(directory: path, fileSystem: fs, counters: counters) {
            manifest = m
        } else {
            // No manifest: a new database, unless tables exist, which only a
            // manifest can name. Starting afresh would delete them as
            // obsolete: refuse instead.
            let tables = try fs.children(of: path).filter { if case .table? = DatabaseFile(name: $0) { return true }; return false }
            if !tables.isEmpty {
                throw StorageError.corruption(path: Path.join(path, Manifest.fileName),
                                              reason: "missing, but the directory holds \(tables.count) table files")
            }
            manifest = Manifest()
            manifest.logNumber = 1
        }
        var levels: [[TableFile]] = []
        for metas in manifest.levels {
            levels.append(try metas.map { try openTable($0, cache: cache, counters: counters) })
        }
        var version = Version(levels: levels).applying(removed: [], added: [])

        let names = try fs.children(of: path)
        let logs = names.compactMap { name -> UInt64? in
            if case .log(let n)? = DatabaseFile(name: name), n >= manifest.logNumber { return n }
            return nil
        }.sorted()
        let mem = Memtable()
        var maxSequence = manifest.lastSequence
        replay: for (i, number) in logs.enumerated() {
            let logPath = Path.join(path, DatabaseFile.log(number).name)
            let report = try WALReader.read(fileSystem: fs, path: logPath, isLastSegment: i == logs.count - 1,
                                            mode: options.walRecovery, counters: counters) { payload, offset in
                let batch = WriteBatch(representation: Array(payload))
                guard payload.count >= WriteBatch.headerSize else {
                    throw StorageError.walCorruption(segment: logPath, offset: offset, reason: "record too short for a write batch")
                }
                // A record whose checksums pass can still carry numbers no
                // writer produces (the WAL fuzz target made one): its entries
                // must be numbered within the 56-bit LSN space.
                let (end, overflow) = batch.sequence.addingReportingOverflow(UInt64(max(batch.count, 1)) - 1)
                guard !overflow, end <= maxSequenceNumber else {
                    throw StorageError.walCorruption(segment: logPath, offset: offset,
                                                     reason: "batch numbered from \(batch.sequence) with \(batch.count) entries passes the largest sequence number")
                }
                try mem.add(batch)
                if batch.count > 0 { maxSequence = max(maxSequence, end) }
            }
            if report.corruption != nil { break replay }
            if report.tornTailBytes > 0 || report.validEnd < report.fileSize {
                try trimTornTail(logPath, to: report.validEnd)
            }
        }

        // Past every number in the directory, orphans of a crash included.
        let highest = names.compactMap { name -> UInt64? in
            switch DatabaseFile(name: name) {
            case .log(let n)?, .table(let n)?: return n
            default: return nil
            }
        }.max() ?? 0
        var nextFile = max(manifest.nextFileNumber, highest + 1)
        if !mem.isEmpty {
            let number = nextFile; nextFile += 1
            let meta = try TableWriting.write(iterator: mem.makeIterator(), number: number, directory: path, options: options,
                                              counters: counters)
            if let meta {
                let table = try openTable(meta, cache: cache, counters: counters)
                version = version.applying(removed: [], added: [(0, table)])
            }
        }
        let newLog = nextFile; nextFile += 1
        manifest.nextFileNumber = nextFile
        manifest.logNumber = newLog
        manifest.lastSequence = maxSequence
        manifest.levels = version.tableMetas
        // The manifest first: once it names `newLog`, every older segment is
        // obsolete, so a crash before the new segment exists loses nothing
        // and never leaves a torn segment followed by a newer one.
        try manifest.store(directory: path, fileSystem: fs, counters: counters)
        let wal = try WALWriter(fileSystem: fs, path: Path.join(path, DatabaseFile.log(newLog).name), counters: counters,
                                preallocate: options.syncMode == .full)
        try wal.sync()
        try deleteObsoleteFiles(names: names, manifest: manifest)
        return Recovered(manifest: manifest, version: version, wal: wal, cache: cache, counters: counters)
    }

    /// Cuts a torn tail off durably (a second crash must not bring it back),
    /// or removes a segment that holds no intact record at all.
    private func trimTornTail(_ logPath: String, to validEnd: UInt64) throws {
        if validEnd <= UInt64(WALFormat.segmentHeaderSize) {
            try fs.remove(logPath)
            try fs.syncDirectory(path)
            return
        }
        try fs.truncate(logPath, to: validEnd)
        let file = try fs.openForAppend(logPath, truncate: false)
        try file.sync()
        try file.close()
    }

    private func openTable(_ meta: Manifest.TableMeta, cache: BlockCache?, counters: EngineCounters) throws -> TableFile {
        let tablePath = Path.join(path, DatabaseFile.table(meta.number).name)
        guard fs.fileExists(tablePath) else {
            throw StorageError.corruption(path: tablePath, reason: "table named by the manifest is missing")
        }
        let reader = try TableReader.open(file: try fs.openForReading(tablePath), fileNumber: meta.number, cache: cache, counters: counters)
        return TableFile(meta: meta, reader: reader, path: tablePath, fileSystem: fs, cache: cache)
    }

    /// Removes WAL segments before `manifest.logNumber`, tables the manifest
    /// does not list, and a leftover `MANIFEST.tmp`.
    private func deleteObsoleteFiles(names: [String], manifest: Manifest) throws {
        let live = Set(manifest.levels.joined().map(\.number))
        for name in names {
            switch DatabaseFile(name: name) {
            case .log(let n)? where n < manifest.logNumber: try fs.remove(Path.join(path, name))
            case .table(let n)? where !live.contains(n): try fs.remove(Path.join(path, name))
            case .manifestTemp?: try fs.remove(Path.join(path, name))
            default: break
            }
        }
        try fs.syncDirectory(path)
    }
}

/// Writes one sorted stream of entries to table files.
enum TableWriting {
    /// Writes every entry of `iterator` (from its first) into table `number`;
    /// nil if there was nothing to write. The table is synced and closed.
    static func write(iterator: InternalIterator, number: UInt64, directory: String, options: StorageOptions,
                      counters: EngineCounters) throws -> Manifest.TableMeta? {
        try iterator.seekToFirst()
        guard iterator.isValid else { return nil }
        let tablePath = Path.join(directory, DatabaseFile.table(number).name)
        let builder = TableBuilder(file: try options.fileSystem.openForAppend(tablePath, truncate: true),
                                   options: tableOptions(options), counters: counters)
        do {
            while iterator.isValid {
                try builder.add(iterator.keyView, iterator.valueView)
                try iterator.next()
            }
            let props = try builder.finish()
            return Manifest.TableMeta(number: number, size: props.fileSize, entries: props.entries, deletions: props.deletions,
                                      smallest: props.smallest, largest: props.largest)
        } catch {
            builder.abandon()
            try? options.fileSystem.remove(tablePath)
            throw error
        }
    }

    static func tableOptions(_ options: StorageOptions) -> TableOptions {
        var t = TableOptions()
        t.blockSize = options.blockSize
        t.bloomBitsPerKey = options.bloomBitsPerKey
        return t
    }
}
