import GRPCCore
import SochDB
import SochVector

/// How an engine failure reaches a gRPC client: a status code chosen by the
/// error's stable SochDB code (docs/errors.md), the message, and the code
/// itself in the `sochdb-code` trailer so a client can tell cases apart that
/// share a status.
enum StatusMapping {
    static func status(forCode code: Int32) -> RPCError.Code {
        switch code {
        case 121, 400..<500: return .notFound
        case 122: return .alreadyExists
        case 103, 311, 601: return .failedPrecondition
        case 100..<200, 701, 800..<900: return code == 840 || code == 841 ? .aborted : .invalidArgument
        case 200..<300: return .dataLoss
        case 500..<600, 700: return .unavailable
        case 600: return .aborted
        case 702: return .resourceExhausted
        default: return .internalError
        }
    }

    static func rpcError(_ error: SochDBError) -> RPCError {
        let code = error.boundaryCode
        return RPCError(code: status(forCode: code), message: error.description,
                        metadata: ["sochdb-code": "\(code)"])
    }

    static func rpcError(_ error: SochVectorError) -> RPCError { rpcError(.vector(error)) }

    /// Any error a handler's work threw, as the status the client sees.
    static func rpcError(_ error: any Error) -> RPCError {
        switch error {
        case let e as RPCError: return e
        case let e as SochDBError: return rpcError(e)
        case let e as SochVectorError: return rpcError(e)
        case is CancellationError: return RPCError(code: .cancelled, message: "the call was cancelled")
        default: return RPCError(code: .internalError, message: "\(error)")
        }
    }

    static func invalid(_ why: String) -> RPCError {
        RPCError(code: .invalidArgument, message: why, metadata: ["sochdb-code": "120"])
    }
}
