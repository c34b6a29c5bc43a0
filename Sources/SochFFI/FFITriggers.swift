import CSochFFI
import SochDB

// sochdb_trigger_* (include/sochdb.h, "Triggers").

/// A trigger's C function and user data. The user data is released (by the
/// caller's `release`, if any) when the last reference goes: when the
/// trigger is unregistered, or the database freed, and no statement still
/// runs it.
private final class TriggerCallback: @unchecked Sendable {
    typealias Function = @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?) -> Int32
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
        let status = function(userData, pointer)
        call.isOpen = false
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
    /// The event as JSON, NUL-terminated (include/sochdb.h has its
    /// layout), and its length; freed with the call.
    let json: UnsafeMutablePointer<CChar>
    let jsonLength: Int
    var abort: TriggerAbort?
    var failure: String?
    var isOpen = true

    init(_ context: TriggerContext) {
        self.context = context
        let text = Self.describe(context)
        jsonLength = text.utf8.count
        json = .allocate(capacity: jsonLength + 1)
        text.withCString { json.initialize(from: $0, count: jsonLength + 1) }
    }

    deinit { json.deallocate() }

    static func describe(_ c: TriggerContext) -> String {
        func row(_ r: TriggerRow?) -> String { r.map { SQLJSON.object(columns: $0.columns, values: $0.values) } ?? "null" }
        let columns = (c.row ?? c.old ?? c.batch.first?.new ?? c.batch.first?.old)?.columns ?? []
        let batch = c.batch.map { "{\"old\":\(row($0.old)),\"new\":\(row($0.new))}" }.joined(separator: ",")
        return "{\"trigger\":\(JSONText.quoted(c.trigger)),\"event\":\(JSONText.quoted(c.event.rawValue)),"
            + "\"operation\":\(JSONText.quoted(c.operation.rawValue)),\"table\":\(JSONText.quoted(c.table)),"
            + "\"columns\":[\(columns.map(JSONText.quoted).joined(separator: ","))],"
            + "\"row\":\(row(c.row)),\"old\":\(row(c.old)),\"batch\":[\(batch)]}"
    }
}

private func call(_ pointer: OpaquePointer?) throws(SochDBError) -> TriggerCall {
    let call = try Handle.get(pointer, as: TriggerCall.self, "trigger call")
    guard call.isOpen else { throw SochDBError.sql(.transactionState("the trigger callback has returned; its call is closed")) }
    return call
}

@_cdecl("sochdb_trigger_register")
public func sochdb_trigger_register(_ db: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ table: UnsafePointer<CChar>?,
                                    _ events: UInt32,
                                    _ function: (@convention(c) (UnsafeMutableRawPointer?, OpaquePointer?) -> Int32)?,
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

@_cdecl("sochdb_trigger_call_json")
public func sochdb_trigger_call_json(_ pointer: OpaquePointer?, _ outJSON: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                     _ outLen: UnsafeMutablePointer<Int>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let c = try call(pointer), out = try required(outJSON, "out_json")
        out.pointee = UnsafePointer(c.json)
        outLen?.pointee = c.jsonLength
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
