import SochDB

/// The seed's feature flags: `features/<environment>/<feature>` paths
/// holding `true` or `false`; one environment's flags list by a path scan.
public struct FeatureFlags: Sendable {
    public let db: Database
    public let environment: String

    public init(db: Database, environment: String) { self.db = db; self.environment = environment }

    func path(_ feature: String) -> String { "features/\(environment)/\(feature)" }

    public func set(_ feature: String, enabled: Bool) throws {
        try db.putPath(path(feature), Array((enabled ? "true" : "false").utf8))
    }

    public func isEnabled(_ feature: String) throws -> Bool {
        try db.getPath(path(feature)).map { String(decoding: $0, as: UTF8.self).lowercased() == "true" } ?? false
    }

    /// Every flag of this environment with its state, by feature name.
    public func all() throws -> [String: Bool] {
        var flags: [String: Bool] = [:]
        for (p, v) in try db.scanPath("features/\(environment)") {
            flags[String(p.split(separator: "/").last!)] = String(decoding: v, as: UTF8.self) == "true"
        }
        return flags
    }
}
