/// Leveled compaction (LevelDB's): level 0 is compacted into level 1 once it
/// holds `l0CompactionTrigger` tables; level n ≥ 1 into n + 1 once it holds
/// more than `level1MaxBytes × multiplier^(n-1)` bytes. A table with nothing
/// beneath it to merge with is moved down without being rewritten.
extension EngineCore {
    struct CompactionPlan {
        var level: Int
        var inputs: [TableFile]       // from `level`
        var below: [TableFile]        // overlapping tables of `outputLevel` (none when it is `level`)

        /// The next level; the bottom level compacts into itself.
        var outputLevel: Int { min(level + 1, Manifest.maxLevels - 1) }
    }

    func maxBytes(level: Int) -> Double {
        var bytes = Double(options.level1MaxBytes)
        for _ in 1..<max(level, 1) { bytes *= Double(options.levelSizeMultiplier) }
        return bytes
    }

    /// How urgently each level needs compacting (≥ 1: needs it).
    func score(_ version: Version, level: Int) -> Double {
        if level == 0 { return Double(version.levels[0].count) / Double(options.l0CompactionTrigger) }
        return Double(version.bytes(level: level)) / maxBytes(level: level)
    }

    func needsCompaction(_ version: Version) -> Bool {
        (0..<(Manifest.maxLevels - 1)).contains { score(version, level: $0) >= 1 }
    }

    /// Runs the most urgent compaction, if any; true if one ran.
    func compactOnce() throws -> Bool {
        workLock.lock(); defer { workLock.unlock() }
        let version = mutex.withLock { current }
        let scores = (0..<(Manifest.maxLevels - 1)).map { score(version, level: $0) }
        guard let best = scores.indices.max(by: { scores[$0] < scores[$1] }), scores[best] >= 1 else { return false }
        try run(plan(version, level: best, all: false))
        return true
    }

    /// Compacts every level into the next, then rewrites the bottom level,
    /// so all data ends in the deepest level with every shadowed version and
    /// tombstone no snapshot needs dropped (tests, `sochdb compact`).
    public func compactAll() throws {
        try flushMemtable()
        workLock.lock(); defer { workLock.unlock() }
        for level in 0..<Manifest.maxLevels {
            let version = mutex.withLock { current }
            guard !version.levels[level].isEmpty else { continue }
            try run(plan(version, level: level, all: true))
        }
    }

    /// Picks the inputs: all of level 0, or the next table of level n after
    /// the last compacted key (round robin), plus what they overlap below.
    func plan(_ version: Version, level: Int, all: Bool) -> CompactionPlan {
        var inputs: [TableFile]
        if level == 0 || all {
            inputs = version.levels[level]
        } else {
            let tables = version.levels[level]
            let pointer = compactPointer[level]
            inputs = [tables.first { pointer.isEmpty || InternalKey.compare($0.meta.largest, pointer) > 0 } ?? tables[0]]
        }
        let smallest = inputs.map(\.smallestUserKey).min { compareBytes($0, $1) < 0 }!
        let largest = inputs.map(\.largestUserKey).max { compareBytes($0, $1) < 0 }!
        let below = level + 1 < Manifest.maxLevels ? version.overlapping(level: level + 1, smallest, largest) : []
        return CompactionPlan(level: level, inputs: inputs, below: below)
    }

    func run(_ plan: CompactionPlan) throws {
        if plan.level > 0, plan.level < plan.outputLevel, plan.inputs.count == 1, plan.below.isEmpty {
            // A trivial move: the same file (and TableFile) on the next level.
            compactPointer[plan.level] = plan.inputs[0].meta.largest
            try install(removed: plan.inputs, added: [(plan.outputLevel, plan.inputs[0])])
            return
        }
        let outputs = try merge(plan)
        if let last = plan.inputs.last, plan.level > 0 { compactPointer[plan.level] = last.meta.largest }
        try install(removed: plan.inputs + plan.below, added: outputs.map { (plan.outputLevel, $0) })
        counters.compactions.add(1)
    }

    /// Merges the plan's tables into new tables for `level + 1`, cut at the
    /// target size on user-key boundaries. Keeps, for each user key, the
    /// newest version plus every older one a live snapshot can still see;
    /// drops a tombstone when no snapshot needs it and no deeper level can
    /// hold an older value of its key.
    private func merge(_ plan: CompactionPlan) throws -> [TableFile] {
        let oldestSnapshot = mutex.withLock { oldestLiveSnapshot }
        let version = mutex.withLock { current }
        // Compaction reads every block once: it uses cached blocks but does not
        // push the readers' hot blocks out with its own.
        var children: [InternalIterator] = plan.level == 0
            ? plan.inputs.map { $0.reader.makeIterator(fillCache: false) }
            : [RunIterator(tables: plan.inputs.map(\.reader), fillCache: false)]
        children.append(RunIterator(tables: plan.below.map(\.reader), fillCache: false))
        let input = MergingIterator(children)
        try input.seekToFirst()

        var outputs: [TableFile] = []
        var builder: (TableBuilder, UInt64)? = nil
        var currentUser: [UInt8] = []    // reused in place
        var hasUser = false
        var newerSequence = SequenceNumber.max     // sequence of the previous entry of the same user key
        var bytesIn = 0
        do {
            var sinceFlushCheck = 0
            while input.isValid {
                sinceFlushCheck += 1
                if sinceFlushCheck == 1024 {   // a full memtable must not wait out a long compaction
                    sinceFlushCheck = 0
                    if mutex.withLock({ imm != nil }) { try flushImmutableLocked() }
                }
                let key = input.keyView
                let userCount = key.count - InternalKey.trailerSize
                let user = UnsafeRawBufferPointer(rebasing: key[0..<userCount])
                let trailer = loadFixed64(key.baseAddress! + userCount)
                let seq = trailer >> 8
                if !hasUser || currentUser.withUnsafeBytes({ compareBytes($0, user) }) != 0 {
                    if let (b, _) = builder, b.estimatedFileSize >= UInt64(options.targetFileSizeBytes) {
                        outputs.append(try finishOutput(&builder))
                    }
                    currentUser.removeAll(keepingCapacity: true)
                    currentUser.append(contentsOf: user)
                    hasUser = true
                    newerSequence = .max
                }
                var drop = false
                if newerSequence <= oldestSnapshot {
                    drop = true   // a newer version of this key is visible to every reader
                } else if UInt8(truncatingIfNeeded: trailer) == EntryKind.deletion.rawValue, seq <= oldestSnapshot,
                          isBaseLevel(for: currentUser, below: plan.outputLevel, in: version) {
                    drop = true
                }
                newerSequence = seq
                let value = input.valueView
                bytesIn += key.count + value.count
                if !drop {
                    if builder == nil {
                        let number = mutex.withLock { defer { nextFileNumber += 1 }; return nextFileNumber }
                        let file = try fs.openForAppend(tablePath(number), truncate: true)
                        builder = (TableBuilder(file: file, options: TableWriting.tableOptions(options), counters: counters), number)
                    }
                    try builder!.0.add(key, value)
                }
                try input.next()
            }
            if builder != nil { outputs.append(try finishOutput(&builder)) }
        } catch {
            if let (b, n) = builder { b.abandon(); try? fs.remove(tablePath(n)) }
            for t in outputs { t.markObsolete() }
            throw error
        }
        counters.compactionBytesRead.add(bytesIn)
        return outputs
    }

    private func finishOutput(_ builder: inout (TableBuilder, UInt64)?) throws -> TableFile {
        let (b, number) = builder!
        builder = nil
        let props = try b.finish()
        counters.compactionBytesWritten.add(Int(props.fileSize))
        return try openTable(Manifest.TableMeta(number: number, size: props.fileSize, entries: props.entries,
                                                deletions: props.deletions, smallest: props.smallest, largest: props.largest))
    }

    /// True if no level deeper than `level` has a table whose range holds `userKey`.
    private func isBaseLevel(for userKey: [UInt8], below level: Int, in version: Version) -> Bool {
        for l in (level + 1)..<Manifest.maxLevels where version.levels[l].contains(where: { $0.covers(userKey) }) {
            return false
        }
        return true
    }
}
