import SochDB
import SochWire

/// The wire codes of errors (docs/errors.md): a ``SochDBError``'s own code,
/// except that a conflict has one code whichever API raised it.
enum ErrorCodes {
    static func code(of error: SochDBError) -> Int32 { error.boundaryCode }

    static func response(_ error: SochDBError) -> Response {
        .error(code: code(of: error), message: error.description)
    }

    static func response(_ error: WireError) -> Response {
        response(.protocol(error.description))
    }
}
