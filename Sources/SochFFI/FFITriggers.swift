import CSochFFI
import SochDB

// sochdb_trigger_* (include/sochdb.h, "Triggers").

/// A trigger's C function and user data. The user data is released (by the
/// caller's `release`, if any) when the last reference goes: when the
/// trigger is unregistered, or the database freed, and no statement still
/// runs it.
private final class TriggerCallback: @unchecked Sendable {
    typealias Function = @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int) -> Int32
    typealias Release = @convention(c) (UnsafeMutableRawPointer?) -> Void
    let function: Function
    let userData: UnsafeMutableRawPointer?
    let release: Release?
    /// False when registering failed: the caller keeps the user data.
    var ownsUserData = true

    init(_ function: @escaping Function, _ userData: UnsafeMutableRawPointer?, _ release: Release?) {
        self.function = function
        self.userData = userData
        self.release = release
    }

    deinit { if ownsUserData { release?(userData) } }

    /// Calls the function for one event; throws what it asked for.
    func run(_ context: inout TriggerContext) throws {
        let call = TriggerCall(context)
        let pointer = Handle.make(call)
        let json = TriggerCall.describe(context)
        let status = json.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { function(userData, pointer, $0.baseAddress, $0.count - 1) }
        }
        Handle.release(pointer, as: TriggerCall.self)
        context = call.context
        guard status != 0 else { return }
        if let abort = call.abort { throw abort }
        throw CallbackFailure(message: call.failure ?? "the trigger callback returned \(status)")
    }
}

/// A callback's failure other than an abort: its message becomes the
/// statement's ``SQLError/triggerFailed(trigger:message:)``.
private struct CallbackFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// What a `sochdb_trigger_call *` points to: one event, valid only during
/// the callback, on its thread.
private final class TriggerCall {
    var context: TriggerContext
    var abort: TriggerAbort?
    var failure: String?

    init(_ context: TriggerContext) { self.context = context }

    /// The event as NUL-terminated JSON (include/sochdb.h has its layout).
    static func describe(_ c: TriggerContext) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func text(_ s: String) { JSONText.append(s, to: &out) }
        func raw(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        func row(_ r: TriggerRow?) {
            if let r { SQLJSON.appendObject(columns: r.columns, values: r.values, to: &out) } else { raw("null") }
        }
        raw("{\"trigger\":"); text(c.trigger)
        raw(",\"event\":"); text(c.event.rawValue)
        raw(",\"operation\":"); text(c.operation.rawValue)
        raw(",\"table\":"); text(c.table)
        raw(",\"columns\":[")
        for (i, name) in ((c.row ?? c.old ?? c.batch.first?.new ?? c.batch.first?.old)?.columns ?? []).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            text(name)
        }
        raw("],\"row\":"); row(c.row)
        raw(",\"old\":"); row(c.old)
        raw(",\"batch\":[")
        for (i, change) in c.batch.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            raw("{\"old\":"); row(change.old)
            raw(",\"new\":"); row(change.new)
            out.append(UInt8(ascii: "}"))
        }
        raw("]}")
        out.append(0)
        return out
    }
}

/// The call behind `pointer`: valid only while its trigger function runs
/// (the object is freed when it returns), which the header requires.
private func call(_ pointer: OpaquePointer?) throws(SochDBError) -> TriggerCall {
    try Handle.get(pointer, as: TriggerCall.self, "trigger call")
}

@_cdecl("sochdb_trigger_register")
public func sochdb_trigger_register(_ db: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ table: UnsafePointer<CChar>?,
                                    _ events: UInt32,
                                    _ function: (@convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int) -> Int32)?,
                                    _ userData: UnsafeMutableRawPointer?,
                                    _ release: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let d = try database(db)
        let n = try string(name, "name"), t = try string(table, "table")
        guard let function else { throw invalid("trigger function is NULL") }
        guard let list = TriggerEvent.events(inMask: events), !list.isEmpty else {
            throw invalid("events must be a non-empty mask of SOCHDB_TRIGGER_* bits, got \(events)")
        }
        let callback = TriggerCallback(function, userData, release)
        do throws(SochDBError) {
            try d.registerTrigger(name: n, table: t, events: list) { context in try callback.run(&context) }
        } catch {
            callback.ownsUserData = false
            throw error
        }
    }
}

@_cdecl("sochdb_trigger_unregister")
public func sochdb_trigger_unregister(_ db: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let d = try database(db)
        try d.unregisterTrigger(name: try string(name, "name"))
    }
}

@_cdecl("sochdb_trigger_list")
public func sochdb_trigger_list(_ db: OpaquePointer?, _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                _ outLen: UnsafeMutablePointer<Int>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let d = try database(db), out = try required(outJSON, "out_json")
        let items = d.triggers.map { t in
            "{\"name\":\(JSONText.quoted(t.name)),\"table\":\(JSONText.quoted(t.table)),"
                + "\"events\":[\(t.events.map { JSONText.quoted($0.rawValue) }.joined(separator: ","))]}"
        }
        let text = "[" + items.joined(separator: ",") + "]"
        out.pointee = try mallocString(text)
        outLen?.pointee = text.utf8.count
    }
}

@_cdecl("sochdb_trigger_call_txn")
public func sochdb_trigger_call_txn(_ pointer: OpaquePointer?, _ outTxn: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let c = try call(pointer), out = try required(outTxn, "out_txn")
        out.pointee = Handle.make(TransactionHandle(c.context.transaction))
    }
}

@_cdecl("sochdb_trigger_set_row")
public func sochdb_trigger_set_row(_ pointer: OpaquePointer?, _ rowJSON: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let c = try call(pointer)
        let fields = try SQLJSON.row(try string(rowJSON, length: length, "row_json"))
        guard c.context.event == .beforeInsert || c.context.event == .beforeUpdate, var row = c.context.row else {
            throw invalid("only BEFORE INSERT and BEFORE UPDATE handlers can change the row (this is \(c.context.event))")
        }
        // All or nothing: the row changes only if every column is known.
        for (column, value) in fields {
            do throws(SQLError) { try row.set(column, to: value) } catch { throw .sql(error) }
        }
        c.context.row = row
    }
}

@_cdecl("sochdb_trigger_abort")
public func sochdb_trigger_abort(_ pointer: OpaquePointer?, _ message: UnsafePointer<CChar>?,
                                 _ code: UnsafePointer<CChar>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let c = try call(pointer)
        c.abort = TriggerAbort(try optionalString(message, "message") ?? "aborted by trigger \(c.context.trigger)",
                               code: try optionalString(code, "code"))
    }
}

@_cdecl("sochdb_trigger_fail")
public func sochdb_trigger_fail(_ pointer: OpaquePointer?, _ message: UnsafePointer<CChar>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let c = try call(pointer)
        c.abort = nil
        c.failure = try string(message, "message")
    }
}
