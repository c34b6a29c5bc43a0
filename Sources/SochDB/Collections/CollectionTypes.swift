import SochVector

/// What a collection is created with; stored under its config key and
/// fixed for its lifetime.
public struct CollectionConfig: Codable, Sendable, Equatable {
    public var name: String
    public var dimension: Int
    public var metric: Metric
    /// HNSW graph degree (links per node on upper levels; 2·m on level 0).
    public var m: Int
    public var efConstruction: Int
    /// Random per creation: names this incarnation's graph file, so a
    /// collection dropped and created again never opens its predecessor's.
    public var incarnation: UInt64

    var parameters: HNSWParameters { HNSWParameters(m: m, efConstruction: efConstruction, seed: incarnation | 1) }
}

/// One stored vector: its id, the vector as given, its metadata document.
public struct CollectionRecord: Sendable, Equatable {
    public var id: String
    public var vector: [Float]
    public var metadata: Metadata

    public init(id: String, vector: [Float], metadata: Metadata = [:]) {
        self.id = id; self.vector = vector; self.metadata = metadata
    }
}

/// One search hit: the id, its distance (as ``Metric`` defines it) and metadata.
public struct CollectionSearchResult: Sendable, Equatable {
    public var id: String
    public var distance: Float
    public var metadata: Metadata

    public init(id: String, distance: Float, metadata: Metadata) {
        self.id = id; self.distance = distance; self.metadata = metadata
    }
}

/// Counts and settings of a collection (``VectorCollection/info()``).
public struct CollectionInfo: Sendable, Equatable {
    public var config: CollectionConfig
    /// Live vectors (ids that can be fetched and found).
    public var count: Int
    /// Nodes in the in-memory graph, deleted and superseded ones included.
    public var graphNodes: Int
    /// Graph nodes that are deleted or superseded by a newer upsert.
    public var tombstones: Int
    /// Rebuilds run since the collection was opened.
    public var rebuilds: Int
    /// The graph file written at the last checkpoint, if any.
    public var graphFile: String?
}

/// One committed change, as the in-memory graph applies it.
enum CollectionChange {
    /// `id` now has vector `vector` at graph label `label`; `replaced` is the
    /// label it had before, if any.
    case upsert(id: String, label: Int64, vector: [Float], metadata: Metadata, replaced: Int64?)
    case delete(id: String, label: Int64)
}

extension CollectionInfo {
    /// `{"name", "dimension", "metric", "m", "ef_construction", "count",
    /// "graph_nodes", "tombstones", "rebuilds"}`: the IPC protocol's and the
    /// C ABI's form.
    public var json: String {
        let c = config
        let fields: Metadata = [
            "name": .string(c.name), "dimension": .int(Int64(c.dimension)), "metric": .string(c.metric.rawValue),
            "m": .int(Int64(c.m)), "ef_construction": .int(Int64(c.efConstruction)), "count": .int(Int64(count)),
            "graph_nodes": .int(Int64(graphNodes)), "tombstones": .int(Int64(tombstones)),
            "rebuilds": .int(Int64(rebuilds)),
        ]
        return MetadataValue.object(fields).json
    }
}
