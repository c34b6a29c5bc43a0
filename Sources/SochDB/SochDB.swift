// SochDB: the public Swift API. The vector engine's types (HNSWIndex,
// FlatIndex, VectorMatrix, VectorFile, Metric, SochVectorError, …) are
// re-exported, and so are the storage engine's (StorageEngine, WriteBatch,
// Snapshot, ScanCursor, StorageError, …), so `import SochDB` is all an
// application needs.
@_exported import SochVector
@_exported import SochStorage
@_exported import SochTOON
@_exported import SochSQL
