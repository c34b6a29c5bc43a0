/// A decoded request: one case per request opcode, with its payload's
/// fields (layouts byte by byte in docs/protocol/ipc.md). Keys and values
/// are raw bytes; metadata, filters and query parameters are JSON text the
/// server parses.
public enum Request: Sendable, Equatable {
    case put(key: [UInt8], value: [UInt8])
    case get(key: [UInt8])
    case delete(key: [UInt8])
    case beginTxn
    case commitTxn(id: UInt64)
    case abortTxn(id: UInt64)
    /// `json`: `{"prefix": "users/", "limit": 10, "offset": 0, "columns": ["name"]}`.
    case query(json: String)
    case createTable
    case putPath(segments: [String], value: [UInt8])
    case getPath(segments: [String])
    case deletePath(segments: [String])
    /// Pairs whose key starts with `prefix`, streamed in batches of at most
    /// `batchSize` pairs (0: the server's default).
    case scan(prefix: [UInt8], batchSize: UInt32)
    case checkpoint
    case stats
    case ping
    case executeSQL(sql: String, format: ResultFormat, parametersJSON: String)
    case collectionCreate(CollectionSpec)
    case collectionUpsert(collection: String, records: [WireRecord])
    case collectionGet(collection: String, id: String)
    case collectionDelete(collection: String, id: String)
    case collectionSearch(WireSearch)
    case collectionInfo(collection: String)
    case collectionList
    case collectionDrop(collection: String)

    /// How EXECUTE_SQL's rows come back.
    public enum ResultFormat: UInt8, Sendable { case json = 0, toon = 1 }

    public var opcode: Opcode {
        switch self {
        case .put: .put
        case .get: .get
        case .delete: .delete
        case .beginTxn: .beginTxn
        case .commitTxn: .commitTxn
        case .abortTxn: .abortTxn
        case .query: .query
        case .createTable: .createTable
        case .putPath: .putPath
        case .getPath: .getPath
        case .deletePath: .deletePath
        case .scan: .scan
        case .checkpoint: .checkpoint
        case .stats: .stats
        case .ping: .ping
        case .executeSQL: .executeSQL
        case .collectionCreate: .collectionCreate
        case .collectionUpsert: .collectionUpsert
        case .collectionGet: .collectionGet
        case .collectionDelete: .collectionDelete
        case .collectionSearch: .collectionSearch
        case .collectionInfo: .collectionInfo
        case .collectionList: .collectionList
        case .collectionDrop: .collectionDrop
        }
    }
}

/// COLLECTION_CREATE's fields.
public struct CollectionSpec: Sendable, Equatable {
    public var name: String
    public var dimension: UInt32
    /// `l2`, `ip` or `cosine`.
    public var metric: String
    public var m: UInt16
    public var efConstruction: UInt16

    public init(name: String, dimension: UInt32, metric: String, m: UInt16 = 16, efConstruction: UInt16 = 100) {
        self.name = name; self.dimension = dimension; self.metric = metric; self.m = m; self.efConstruction = efConstruction
    }
}

/// One record of COLLECTION_UPSERT or a COLLECTION_GET reply.
public struct WireRecord: Sendable, Equatable {
    public var id: String
    public var vector: [Float]
    /// A JSON object (`{}` for none).
    public var metadataJSON: String

    public init(id: String, vector: [Float], metadataJSON: String = "{}") {
        self.id = id; self.vector = vector; self.metadataJSON = metadataJSON
    }
}

/// COLLECTION_SEARCH's fields.
public struct WireSearch: Sendable, Equatable {
    public var collection: String
    public var k: UInt32
    /// 0: the collection's default.
    public var ef: UInt32
    /// The JSON filter language (docs/filters.md); empty for none.
    public var filterJSON: String
    public var vector: [Float]

    public init(collection: String, k: UInt32, ef: UInt32 = 0, filterJSON: String = "", vector: [Float]) {
        self.collection = collection; self.k = k; self.ef = ef; self.filterJSON = filterJSON; self.vector = vector
    }
}

/// One hit of a SEARCH_RESULTS reply.
public struct WireHit: Sendable, Equatable {
    public var id: String
    public var distance: Float
    public var metadataJSON: String

    public init(id: String, distance: Float, metadataJSON: String) {
        self.id = id; self.distance = distance; self.metadataJSON = metadataJSON
    }
}
