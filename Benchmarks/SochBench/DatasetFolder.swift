import Foundation
import SochDB

/// A dataset folder of Datasets/ (meta.json, base.npy, queries.npy, gt.npy).
struct DatasetFolder {
    let url: URL
    let name: String
    let metricName: String
    let metric: Metric
    let base: VectorMatrix
    let queries: VectorMatrix

    init(_ path: String) throws {
        url = URL(fileURLWithPath: path)
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: url.appendingPathComponent("meta.json"))) as? [String: Any] ?? [:]
        metricName = meta["metric"] as? String ?? "l2"
        metric = Metric(name: metricName) ?? .l2
        name = meta["name"] as? String ?? url.lastPathComponent
        base = try VectorFile.read(path: url.appendingPathComponent("base.npy").path)
        queries = try VectorFile.read(path: url.appendingPathComponent("queries.npy").path)
    }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }
}
