// SochDB: the public Swift API. The vector engine's types (HNSWIndex,
// FlatIndex, VectorMatrix, VectorFile, Metric, SochVectorError, …) are
// re-exported, so `import SochDB` is all an application needs.
@_exported import SochVector
