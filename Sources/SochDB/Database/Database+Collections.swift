import Foundation
import SochStorage
import SochVector
import Synchronization

/// The open collections of one database: one ``VectorCollection`` object
/// per name, opened on first use.
final class CollectionRegistry: Sendable {
    let open = Mutex<[String: VectorCollection]>([:])
}

extension Database {
    /// Creates a vector collection. Throws `.alreadyExists` if the name is
    /// taken. `m` and `efConstruction` are the HNSW build parameters.
    @discardableResult
    public func createCollection(_ name: String, dimension: Int, metric: Metric = .l2,
                                 m: Int = 16, efConstruction: Int = 100) throws(SochDBError) -> VectorCollection {
        try CollectionKeys.checkName(name)
        let config = CollectionConfig(name: name, dimension: dimension, metric: metric, m: m,
                                      efConstruction: efConstruction, incarnation: UInt64.random(in: 1...UInt64.max))
        // Validates the dimension and parameters before anything is stored.
        let index = try SochDBError.wrap {
            try HNSWIndex(dimension: dimension, metric: metric, parameters: config.parameters)
        }
        return try collections.open.withLock { open throws(SochDBError) in
            let key = CollectionKeys.config(name)
            let txn = beginTransaction()
            if try SochDBError.wrap({ try txn.txn.get(key) }) != nil {
                txn.abort()
                throw .alreadyExists("collection \"\(name)\"")
            }
            let bytes = try SochDBError.wrap { Array(try JSONEncoder().encode(config)) }
            try SochDBError.wrap { try txn.txn.put(key, bytes) }
            try txn.commit()
            let collection = VectorCollection(config: config, engine: engine, graphPath: graphPath(config),
                                              state: .init(index: index), nextLabel: 0)
            open[name] = collection
            return collection
        }
    }

    /// The collection named `name`, opened (and recovered) on first use.
    public func collection(_ name: String) throws(SochDBError) -> VectorCollection {
        try CollectionKeys.checkName(name)
        return try collections.open.withLock { open throws(SochDBError) in
            if let c = open[name] { return c }
            guard let config = try readConfig(name) else { throw .notFound("collection \"\(name)\"") }
            let c = try VectorCollection.open(config: config, engine: engine, graphPath: graphPath(config))
            open[name] = c
            return c
        }
    }

    /// Deletes a collection's records, vectors and graph file. Throws
    /// `.notFound` if there is none by that name.
    public func dropCollection(_ name: String) throws(SochDBError) {
        try CollectionKeys.checkName(name)
        try collections.open.withLock { open throws(SochDBError) in
            guard let config = try readConfig(name) else { throw .notFound("collection \"\(name)\"") }
            if let c = open.removeValue(forKey: name) {
                c.waitForMaintenance()
                // Under the apply lock: a graph save in progress finishes
                // first, and none starts after (it checks `dropped`).
                c.applyLock.lock()
                c.state.withLock { $0.dropped = true }
                c.applyLock.unlock()
            }
            try SochDBError.wrap {
                var batch = WriteBatch()
                batch.delete(CollectionKeys.config(name))
                for prefix in [CollectionKeys.recordPrefix(config.incarnation), CollectionKeys.vectorPrefix(config.incarnation)] {
                    try engine.scan(prefix: prefix).forEach { k, _ in batch.delete(k) }
                }
                try engine.write(batch)
            }
            try? FileManager.default.removeItem(atPath: graphPath(config))
        }
    }

    /// The names of every collection, in byte order.
    public func listCollections() throws(SochDBError) -> [String] {
        try SochDBError.wrap {
            var names: [String] = []
            try engine.scan(prefix: CollectionKeys.configPrefix).forEach { k, _ in
                names.append(String(decoding: k[CollectionKeys.configPrefix.count...], as: UTF8.self))
            }
            return names
        }
    }

    /// Saves the graph of every open collection (part of ``checkpoint()``).
    func saveCollectionGraphs() throws(SochDBError) {
        let open = collections.open.withLock { Array($0.values) }
        for c in open {
            c.waitForMaintenance()
            try c.saveGraph()
        }
    }

    private func readConfig(_ name: String) throws(SochDBError) -> CollectionConfig? {
        guard let bytes = try SochDBError.wrap({ try engine.get(CollectionKeys.config(name)) }) else { return nil }
        do { return try JSONDecoder().decode(CollectionConfig.self, from: Data(bytes)) } catch {
            throw .database(.corruption(path: "collection \(name)", reason: "config is not valid JSON: \(error)"))
        }
    }

    private func graphPath(_ config: CollectionConfig) -> String {
        "\(path)/collections/\(String(config.incarnation, radix: 16)).hnsw"
    }
}
