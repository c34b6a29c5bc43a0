import SochDB

/// The seed's fluent query over IPC: values under a key prefix as a TOON
/// table (`client.query("users/").limit(10).offset(0).select(["name", "email"]).execute()`).
/// A value type: each modifier returns a new query.
public struct IpcQuery {
    let client: IpcClient
    public private(set) var prefix: String
    public private(set) var limitCount: Int?
    public private(set) var offsetCount: Int?
    public private(set) var columns: [String]?

    init(client: IpcClient, prefix: String) { self.client = client; self.prefix = prefix }

    public func limit(_ n: Int) -> IpcQuery { var q = self; q.limitCount = n; return q }

    public func offset(_ n: Int) -> IpcQuery { var q = self; q.offsetCount = n; return q }

    public func select(_ columns: [String]) -> IpcQuery { var q = self; q.columns = columns; return q }

    /// The QUERY parameters as sent (docs/protocol/ipc.md).
    public var parametersJSON: String {
        var fields: Metadata = ["prefix": .string(prefix)]
        if let limitCount { fields["limit"] = .int(Int64(limitCount)) }
        if let offsetCount { fields["offset"] = .int(Int64(offsetCount)) }
        if let columns { fields["columns"] = .list(columns.map { .string($0) }) }
        return MetadataValue.object(fields).json
    }

    /// The TOON text.
    public func execute() throws(SochDBError) -> String { try client.runQuery(json: parametersJSON) }

    /// The rows as typed records.
    public func toList() throws(SochDBError) -> [[String: TOONValue]] {
        let text = try execute()
        do { return try Database.fromTOON(text).records } catch {
            throw .protocol("QUERY reply is not TOON: \(error)")
        }
    }
}
