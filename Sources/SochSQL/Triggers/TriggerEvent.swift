/// When a trigger runs: before or after each row an INSERT, UPDATE or
/// DELETE writes, or once per statement (``onBatch``). The raw values are
/// the seed's spellings (`"BEFORE INSERT"`); docs/triggers.md has the model.
public enum TriggerEvent: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case beforeInsert = "BEFORE INSERT"
    case afterInsert = "AFTER INSERT"
    case beforeUpdate = "BEFORE UPDATE"
    case afterUpdate = "AFTER UPDATE"
    case beforeDelete = "BEFORE DELETE"
    case afterDelete = "AFTER DELETE"
    /// Once per INSERT, UPDATE or DELETE statement that touched at least one
    /// row, after its AFTER handlers, with every row it touched.
    case onBatch = "ON BATCH"

    public var description: String { rawValue }

    /// The event's bit in the C ABI's event mask (include/sochdb.h): 1 <<
    /// its position above.
    public var bit: UInt32 { 1 << UInt32(Self.allCases.firstIndex(of: self)!) }

    /// The events whose bits are set in `mask`; nil if it sets an unknown bit.
    public static func events(inMask mask: UInt32) -> [TriggerEvent]? {
        guard mask >> UInt32(allCases.count) == 0 else { return nil }
        return allCases.filter { mask & $0.bit != 0 }
    }
}

/// The kind of statement a trigger runs for.
public enum TriggerOperation: String, Sendable, Hashable, CustomStringConvertible {
    case insert = "INSERT"
    case update = "UPDATE"
    case delete = "DELETE"

    public var description: String { rawValue }

    var before: TriggerEvent {
        switch self {
        case .insert: return .beforeInsert
        case .update: return .beforeUpdate
        case .delete: return .beforeDelete
        }
    }

    var after: TriggerEvent {
        switch self {
        case .insert: return .afterInsert
        case .update: return .afterUpdate
        case .delete: return .afterDelete
        }
    }
}

/// Thrown by a trigger handler to refuse the statement: nothing of the
/// statement is written and the caller gets
/// ``SQLError/triggerAbort(trigger:message:code:)`` with this message and
/// code (the seed's `TriggerAbort("Invalid email format", code="INVALID_EMAIL")`).
public struct TriggerAbort: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// The handler's own code for the refusal (any text), or nil.
    public var code: String?

    public init(_ message: String, code: String? = nil) {
        self.message = message
        self.code = code
    }

    public init(message: String, code: String? = nil) { self.init(message, code: code) }

    public var description: String { code.map { "\(message) [\($0)]" } ?? message }
}
