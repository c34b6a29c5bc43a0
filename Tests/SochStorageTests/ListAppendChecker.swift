/// An Elle-style checker for list-append histories (Kingsbury & Alvaro,
/// "Elle: Inferring Isolation Anomalies from Experimental Observations").
///
/// Each transaction appends unique integers to some keys and reads the
/// lists of others. Because every element is unique and lists only grow, a
/// read names exactly which writes it saw, and the final list of each key
/// gives the version order. From that the checker infers dependencies
/// between committed transactions:
///
/// - ww: the writer of element i of a key's final list → the writer of element i+1;
/// - wr: the writer of the last element a read saw → the reader;
/// - rw: a reader → the writer of the first element its read did not see.
///
/// and reports the anomalies snapshot isolation forbids: G0 (a cycle of ww
/// edges), G1a (a read saw an aborted transaction's element), G1b (a read saw
/// a transaction's intermediate state of a key), G1c (a cycle of ww and wr
/// edges) and G-single (a cycle with exactly one rw edge). Cycles with two
/// or more rw edges (G2, write skew) are allowed under snapshot isolation
/// and not reported. Cycles are looked for only inside the strongly
/// connected components of the whole graph (Tarjan), so the check is linear
/// in the history plus the size of those components.
struct ListAppendChecker {
    enum Op: Equatable {
        case append(key: Int, value: Int)
        /// The list observed, nil if the read was not completed.
        case read(key: Int, observed: [Int]?)
    }

    struct Txn {
        var ops: [Op]
        var committed: Bool
    }

    enum Anomaly: Equatable, CustomStringConvertible {
        case g0([Int]), g1a(reader: Int, value: Int), g1b(reader: Int, key: Int), g1c([Int]), gSingle([Int])
        case incompatibleOrder(key: Int), internalInconsistency(txn: Int), lostAppend(txn: Int, value: Int)

        var description: String {
            switch self {
            case .g0(let c): return "G0 (write cycle) among transactions \(c)"
            case .g1a(let r, let v): return "G1a: transaction \(r) read \(v), written by an aborted transaction"
            case .g1b(let r, let k): return "G1b: transaction \(r) read an intermediate state of key \(k)"
            case .g1c(let c): return "G1c (cycle of write and read dependencies) among transactions \(c)"
            case .gSingle(let c): return "G-single (cycle with one anti-dependency) among transactions \(c)"
            case .incompatibleOrder(let k): return "key \(k): a read is not a prefix of the final list"
            case .internalInconsistency(let t): return "transaction \(t) did not read its own appends"
            case .lostAppend(let t, let v): return "committed transaction \(t)'s append of \(v) is missing from the final list (lost update)"
            }
        }
    }

    enum Edge: UInt8 { case ww, wr, rw }

    let txns: [Txn]
    /// The final list of every key (read after all transactions finished).
    let finalLists: [Int: [Int]]

    func check() -> [Anomaly] {
        var anomalies: [Anomaly] = []
        // Who wrote each element, and which elements were aborted.
        var writer: [Int: Int] = [:], aborted: Set<Int> = []
        var lastAppend: [Int: [Int: Int]] = [:]   // txn → key → its last appended value
        for (t, txn) in txns.enumerated() {
            for case .append(let key, let value) in txn.ops {
                if txn.committed { writer[value] = t; lastAppend[t, default: [:]][key] = value } else { aborted.insert(value) }
            }
        }
        for (key, list) in finalLists where list.contains(where: aborted.contains) {
            anomalies.append(.incompatibleOrder(key: key))
        }
        let final = Set(finalLists.values.joined())
        for (value, t) in writer where !final.contains(value) { anomalies.append(.lostAppend(txn: t, value: value)) }
        var edges: [[(Int, Edge)]] = Array(repeating: [], count: txns.count)
        func add(_ a: Int, _ b: Int, _ e: Edge) { if a != b { edges[a].append((b, e)) } }
        for (key, list) in finalLists {
            for i in 1..<max(list.count, 1) {
                if let a = writer[list[i - 1]], let b = writer[list[i]] { add(a, b, .ww) }
            }
            _ = key
        }
        for (r, txn) in txns.enumerated() where txn.committed {
            var ownAppends: [Int: [Int]] = [:]
            for op in txn.ops {
                switch op {
                case .append(let key, let value): ownAppends[key, default: []].append(value)
                case .read(let key, let observed?):
                    let final = finalLists[key] ?? []
                    let own = ownAppends[key] ?? []
                    // The part of the read from the snapshot: what is left once the
                    // transaction's own appends (at the end) are taken off.
                    guard observed.count >= own.count, Array(observed.suffix(own.count)) == own else {
                        anomalies.append(.internalInconsistency(txn: r)); continue
                    }
                    let seen = Array(observed.dropLast(own.count))
                    if let bad = seen.first(where: aborted.contains) { anomalies.append(.g1a(reader: r, value: bad)); continue }
                    guard seen.count <= final.count, Array(final.prefix(seen.count)) == seen else {
                        anomalies.append(.incompatibleOrder(key: key)); continue
                    }
                    if let last = seen.last, let w = writer[last] {
                        if w != r, lastAppend[w]?[key] != last { anomalies.append(.g1b(reader: r, key: key)) }
                        add(w, r, .wr)
                    }
                    if seen.count < final.count, let w = writer[final[seen.count]] { add(r, w, .rw) }
                case .read(_, nil): break
                }
            }
        }
        for component in stronglyConnectedComponents(edges) where component.count > 1 {
            anomalies.append(contentsOf: cycleAnomalies(in: component, edges))
        }
        return anomalies
    }

    /// G0, G1c and G-single cycles inside one strongly connected component.
    private func cycleAnomalies(in component: [Int], _ edges: [[(Int, Edge)]]) -> [Anomaly] {
        let members = Set(component)
        func reaches(from start: Int, to goal: Int, allowed: Set<Edge>) -> Bool {
            var stack = [start], seen: Set<Int> = [start]
            while let n = stack.popLast() {
                if n == goal { return true }
                for (m, e) in edges[n] where allowed.contains(e) && members.contains(m) && seen.insert(m).inserted { stack.append(m) }
            }
            return false
        }
        var found: [Anomaly] = []
        for a in component {
            for (b, e) in edges[a] where members.contains(b) {
                switch e {
                case .ww where reaches(from: b, to: a, allowed: [.ww]): found.append(.g0(component.sorted()))
                case .ww, .wr: if reaches(from: b, to: a, allowed: [.ww, .wr]) { found.append(.g1c(component.sorted())) }
                case .rw: if reaches(from: b, to: a, allowed: [.ww, .wr]) { found.append(.gSingle(component.sorted())) }
                }
                if !found.isEmpty { return found }
            }
        }
        return found
    }

    /// Tarjan's algorithm, iterative (histories have tens of thousands of nodes).
    private func stronglyConnectedComponents(_ edges: [[(Int, Edge)]]) -> [[Int]] {
        let n = edges.count
        var index = Array(repeating: -1, count: n), low = Array(repeating: 0, count: n)
        var onStack = Array(repeating: false, count: n), stack: [Int] = [], result: [[Int]] = []
        var counter = 0
        for root in 0..<n where index[root] < 0 {
            var work: [(node: Int, edge: Int)] = [(root, 0)]
            index[root] = counter; low[root] = counter; counter += 1
            stack.append(root); onStack[root] = true
            while let (v, i) = work.last {
                if i < edges[v].count {
                    work[work.count - 1].edge += 1
                    let w = edges[v][i].0
                    if index[w] < 0 {
                        index[w] = counter; low[w] = counter; counter += 1
                        stack.append(w); onStack[w] = true
                        work.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], index[w])
                    }
                } else {
                    work.removeLast()
                    if let parent = work.last?.node { low[parent] = min(low[parent], low[v]) }
                    if low[v] == index[v] {
                        var component: [Int] = []
                        while let w = stack.popLast() {
                            onStack[w] = false
                            component.append(w)
                            if w == v { break }
                        }
                        result.append(component)
                    }
                }
            }
        }
        return result
    }
}
