import Synchronization

/// The triggers of one open database, in registration order. Registering
/// and unregistering may race with statements: each statement works with
/// the set registered when it started.
final class TriggerRegistry: Sendable {
    struct Entry: Sendable {
        let info: TriggerInfo
        let events: Set<TriggerEvent>
        let handler: TriggerHandler
    }

    private let entries = Mutex<[Entry]>([])
    /// Mirrors `entries.isEmpty`, so a statement with no triggers anywhere
    /// takes no lock.
    private let count = Atomic<Int>(0)

    func register(_ entry: Entry) throws(SQLError) {
        try entries.withLock { list throws(SQLError) in
            guard !list.contains(where: { $0.info.name == entry.info.name }) else {
                throw SQLError.triggerExists(entry.info.name)
            }
            list.append(entry)
            count.store(list.count, ordering: .releasing)
        }
    }

    func unregister(_ name: String) throws(SQLError) {
        let removed = try entries.withLock { list throws(SQLError) -> Entry in
            guard let i = list.firstIndex(where: { $0.info.name == name }) else { throw SQLError.unknownTrigger(name) }
            count.store(list.count - 1, ordering: .releasing)
            return list.remove(at: i)
        }
        // Dropped here, outside the lock: the last reference may run a C
        // caller's release function, which may call back into the engine.
        _ = consume removed
    }

    var all: [TriggerInfo] { entries.withLock { $0.map(\.info) } }

    /// The triggers bound to `table` (lowercased), in registration order;
    /// empty when there are none.
    func bound(to table: String) -> [Entry] {
        if count.load(ordering: .acquiring) == 0 { return [] }
        return entries.withLock { $0.filter { $0.info.table == table } }
    }
}

extension SQLEngine {
    /// Statements run by triggers nest at most this deep; a deeper one fails
    /// with ``SQLError/triggerFailed(trigger:message:)``.
    public static let maxTriggerDepth = 16

    /// Binds `handler` to `events` on `table` (which need not exist yet;
    /// names are case-insensitive) under the unique `name`. The engine runs
    /// it on every INSERT, UPDATE and DELETE of the table that starts after
    /// this call, through any path that runs SQL. Throws
    /// ``SQLError/triggerExists(_:)`` for a taken name and
    /// ``SQLError/invalidStatement(_:)`` for an empty name, table or event list.
    public func registerTrigger(name: String, table: String, events: [TriggerEvent],
                                handler: @escaping TriggerHandler) throws(SQLError) {
        guard !name.isEmpty else { throw SQLError.invalidStatement("a trigger needs a name") }
        guard !table.isEmpty else { throw SQLError.invalidStatement("trigger \(name) needs a table") }
        guard !events.isEmpty else { throw SQLError.invalidStatement("trigger \(name) needs at least one event") }
        let set = Set(events)
        let info = TriggerInfo(name: name, table: table.lowercased(), events: TriggerEvent.allCases.filter(set.contains))
        try triggerRegistry.register(.init(info: info, events: set, handler: handler))
    }

    /// Removes the trigger `name` (statements already running keep it);
    /// ``SQLError/unknownTrigger(_:)`` if there is none.
    public func unregisterTrigger(name: String) throws(SQLError) {
        try triggerRegistry.unregister(name)
    }

    /// The registered triggers, in registration (and firing) order.
    public var triggers: [TriggerInfo] { triggerRegistry.all }
}
