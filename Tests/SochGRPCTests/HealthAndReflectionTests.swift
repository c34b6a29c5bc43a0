import Foundation
import GRPCCore
import SochDB
@testable import SochGRPC
import SwiftProtobuf
import Testing

@Suite struct HealthAndReflectionTests {
    @Test func healthCheckAndWatchUntilShutdown() async throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try await SochGRPCServer.start(testConfiguration(dir, database: true))
        try await withGRPCClient(transport: try clientTransport(port: server.port)) { client in
            let health = Grpc_Health_V1_Health.Client(wrapping: client)
            for service in ["", "sochdb.v1.VectorService", "sochdb.v1.CollectionService", "grpc.health.v1.Health"] {
                let status = try await health.check(.with { $0.service = service }).status
                #expect(status == .serving, "\(service)")
            }
            await expectStatus(.notFound, "unknown service") { _ = try await health.check(.with { $0.service = "no.Such" }) }
            // A watcher sees SERVING, then NOT_SERVING when shutdown begins, and its call ends.
            let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
            async let seen: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = health.watch(.with { $0.service = "" }) { response in
                var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                for try await m in response.messages {
                    statuses.append(m.status)
                    startedContinuation.yield()
                }
                return statuses
            }
            for await _ in started { break }
            await server.shutdown()
            let statuses = try await seen
            #expect(statuses == [.serving, .notServing])
        }
    }

    @Test func reflectionListsServicesAndServesDescriptors() async throws {
        try await withServer { f in
            let v1 = Grpc_Reflection_V1_ServerReflection.Client(wrapping: f.client)
            let requests: [Grpc_Reflection_V1_ServerReflectionRequest] = [
                .with { $0.listServices = "*" },
                .with { $0.fileContainingSymbol = "sochdb.v1.VectorService" },
                .with { $0.fileContainingSymbol = "sochdb.v1.VectorSearchRequest" },
                .with { $0.fileContainingSymbol = "sochdb.v1.VectorService.Search" },
                .with { $0.fileByFilename = "grpc/health/v1/health.proto" },
                .with { $0.fileContainingSymbol = "no.such.Thing" },
            ]
            let answers = try await v1.serverReflectionInfo(request: StreamingClientRequest(producer: { writer in
                for r in requests { try await writer.write(r) }
            })) { response in
                var all: [Grpc_Reflection_V1_ServerReflectionResponse] = []
                for try await m in response.messages { all.append(m) }
                return all
            }
            #expect(answers.count == requests.count)
            let services = Set(answers[0].listServicesResponse.service.map(\.name))
            #expect(services == ["sochdb.v1.VectorService", "sochdb.v1.CollectionService", "grpc.health.v1.Health",
                                 "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"])
            for answer in answers[1...3] {
                let files = try answer.fileDescriptorResponse.fileDescriptorProto.map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0) }
                #expect(files.first?.name == "sochdb/v1/sochdb.proto")
                #expect(files.first?.service.map(\.name).contains("VectorService") == true)
            }
            let health = try answers[4].fileDescriptorResponse.fileDescriptorProto.map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0) }
            #expect(health.map(\.name) == ["grpc/health/v1/health.proto"])
            #expect(answers[5].errorResponse.errorCode == Int32(RPCError.Code.notFound.rawValue))

            // v1alpha, which older tools ask first, answers the same.
            let alpha = Grpc_Reflection_V1alpha_ServerReflection.Client(wrapping: f.client)
            let listed = try await alpha.serverReflectionInfo(request: StreamingClientRequest(producer: { writer in
                try await writer.write(.with { $0.listServices = "" })
            })) { response in
                var names: [String] = []
                for try await m in response.messages { names += m.listServicesResponse.service.map(\.name) }
                return names
            }
            #expect(Set(listed) == services)
        }
    }

    @Test func configurationIsValidated() async throws {
        var c = GRPCServerConfiguration()
        c.port = 70_000
        #expect(throws: SochDBError.self) { try c.validate() }
        c = GRPCServerConfiguration(); c.maxMessageBytes = 10
        #expect(throws: SochDBError.self) { try c.validate() }
        c = GRPCServerConfiguration(); c.indexDirectory = "/nonexistent/folder"; c.port = 0
        await #expect(throws: (any Error).self) { _ = try await SochGRPCServer.start(c) }
    }
}
