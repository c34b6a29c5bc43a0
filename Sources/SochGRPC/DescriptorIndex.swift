import Foundation
import SwiftProtobuf

/// The descriptors of every `.proto` file the server serves (the generated
/// DescriptorSet), indexed for the reflection service: by file name, and by
/// every fully qualified symbol (package, message, nested message, enum,
/// service, method) to the file that defines it.
struct DescriptorIndex: Sendable {
    /// Serialized FileDescriptorProto of each file, by name.
    let files: [String: Data]
    /// Each file's direct dependencies.
    let dependencies: [String: [String]]
    /// Symbol → defining file.
    let symbols: [String: String]
    /// Fully qualified names of the services, in file order.
    let services: [String]

    static let shared: DescriptorIndex = {
        guard let data = Data(base64Encoded: DescriptorSet.base64, options: .ignoreUnknownCharacters),
              let set = try? Google_Protobuf_FileDescriptorSet(serializedBytes: data) else {
            preconditionFailure("the generated DescriptorSet does not decode: run scripts/gen-proto.sh")
        }
        return DescriptorIndex(set)
    }()

    init(_ set: Google_Protobuf_FileDescriptorSet) {
        var files: [String: Data] = [:], dependencies: [String: [String]] = [:]
        var symbols: [String: String] = [:], services: [String] = []
        for file in set.file {
            files[file.name] = (try? file.serializedBytes()) ?? Data()
            dependencies[file.name] = file.dependency
            let prefix = file.package.isEmpty ? "" : file.package + "."
            func addMessages(_ messages: [Google_Protobuf_DescriptorProto], _ scope: String) {
                for m in messages {
                    let name = scope + m.name
                    symbols[name] = file.name
                    for e in m.enumType { symbols[name + "." + e.name] = file.name }
                    addMessages(m.nestedType, name + ".")
                }
            }
            addMessages(file.messageType, prefix)
            for e in file.enumType { symbols[prefix + e.name] = file.name }
            for s in file.service {
                let name = prefix + s.name
                symbols[name] = file.name
                services.append(name)
                for m in s.method { symbols[name + "." + m.name] = file.name }
            }
        }
        self.files = files; self.dependencies = dependencies; self.symbols = symbols; self.services = services
    }

    /// `name` and every file it imports, directly or not, each once, the
    /// file itself first.
    func fileWithDependencies(_ name: String) -> [Data]? {
        guard files[name] != nil else { return nil }
        var order: [String] = [], seen: Set<String> = [], stack = [name]
        while let next = stack.popLast() {
            guard seen.insert(next).inserted, let deps = dependencies[next] else { continue }
            order.append(next)
            stack.append(contentsOf: deps.reversed())
        }
        return order.compactMap { files[$0] }
    }

    /// The file defining `symbol` (a leading "." is ignored), with its
    /// dependencies.
    func fileContaining(symbol: String) -> [Data]? {
        let key = symbol.hasPrefix(".") ? String(symbol.dropFirst()) : symbol
        return symbols[key].flatMap(fileWithDependencies)
    }
}
