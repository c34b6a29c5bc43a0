import Foundation
import GRPCCore

/// grpc.reflection (both `v1` and the older `v1alpha` that many tools still
/// ask first): lists the services and hands out their descriptors, so that
/// grpcurl and similar tools can call the server without the `.proto` files.
/// The two versions share messages field for field; one answer type serves
/// both. This server registers no extensions, so extension queries get
/// NOT_FOUND in an error response.
enum ReflectionAnswer {
    case files([Data])
    case services([String])
    case error(code: Int32, message: String)

    static func answer(fileByFilename name: String?, symbol: String?, listServices: Bool,
                       extensionQuery: String?, index: DescriptorIndex = .shared) -> ReflectionAnswer {
        if let name {
            return index.fileWithDependencies(name).map(ReflectionAnswer.files)
                ?? .error(code: Int32(RPCError.Code.notFound.rawValue), message: "no file \"\(name)\"")
        }
        if let symbol {
            return index.fileContaining(symbol: symbol).map(ReflectionAnswer.files)
                ?? .error(code: Int32(RPCError.Code.notFound.rawValue), message: "no symbol \"\(symbol)\"")
        }
        if listServices { return .services(index.services) }
        if let extensionQuery {
            return .error(code: Int32(RPCError.Code.notFound.rawValue), message: "no extensions of \"\(extensionQuery)\"")
        }
        return .error(code: Int32(RPCError.Code.invalidArgument.rawValue), message: "the request names no query")
    }
}

struct ReflectionServiceV1: Grpc_Reflection_V1_ServerReflection.SimpleServiceProtocol {
    func serverReflectionInfo(request: RPCAsyncSequence<Grpc_Reflection_V1_ServerReflectionRequest, any Error>,
                              response: RPCWriter<Grpc_Reflection_V1_ServerReflectionResponse>,
                              context: ServerContext) async throws {
        for try await r in request { try await response.write(Self.respond(to: r)) }
    }

    static func respond(to r: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse {
        let answer: ReflectionAnswer
        switch r.messageRequest {
        case .fileByFilename(let n)?: answer = .answer(fileByFilename: n, symbol: nil, listServices: false, extensionQuery: nil)
        case .fileContainingSymbol(let s)?: answer = .answer(fileByFilename: nil, symbol: s, listServices: false, extensionQuery: nil)
        case .listServices?: answer = .answer(fileByFilename: nil, symbol: nil, listServices: true, extensionQuery: nil)
        case .fileContainingExtension(let e)?:
            answer = .answer(fileByFilename: nil, symbol: nil, listServices: false, extensionQuery: e.containingType)
        case .allExtensionNumbersOfType(let t)?: answer = .answer(fileByFilename: nil, symbol: nil, listServices: false, extensionQuery: t)
        case nil: answer = .answer(fileByFilename: nil, symbol: nil, listServices: false, extensionQuery: nil)
        }
        var out = Grpc_Reflection_V1_ServerReflectionResponse()
        out.validHost = r.host
        out.originalRequest = r
        switch answer {
        case .files(let f): out.fileDescriptorResponse = .with { $0.fileDescriptorProto = f }
        case .services(let s): out.listServicesResponse = .with { $0.service = s.map { n in .with { $0.name = n } } }
        case let .error(code, message): out.errorResponse = .with { $0.errorCode = code; $0.errorMessage = message }
        }
        return out
    }
}

/// v1alpha's messages are v1's with another package name and the same
/// field numbers, so a request is read as v1 from its bytes and the answer
/// written back the same way.
struct ReflectionServiceV1Alpha: Grpc_Reflection_V1alpha_ServerReflection.SimpleServiceProtocol {
    func serverReflectionInfo(request: RPCAsyncSequence<Grpc_Reflection_V1alpha_ServerReflectionRequest, any Error>,
                              response: RPCWriter<Grpc_Reflection_V1alpha_ServerReflectionResponse>,
                              context: ServerContext) async throws {
        for try await r in request {
            let v1 = try Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: try r.serializedBytes() as [UInt8])
            let answer = ReflectionServiceV1.respond(to: v1)
            try await response.write(try Grpc_Reflection_V1alpha_ServerReflectionResponse(serializedBytes: try answer.serializedBytes() as [UInt8]))
        }
    }
}
