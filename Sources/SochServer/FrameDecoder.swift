import NIOCore
import SochWire

/// One request frame as it came off the socket (not yet decoded).
struct RawFrame {
    let opcode: UInt8
    let payload: [UInt8]
}

/// Thrown by ``FrameDecoder`` when a header declares more than the cap; the
/// connection answers ERROR (702) and closes, since the rest of the stream
/// cannot be framed without reading the oversized payload.
struct FrameTooLarge: Error {
    let declared: UInt32
    let limit: Int
}

/// Splits the byte stream into frames. The declared length is checked
/// against the cap from the 5 header bytes alone, before a byte of the
/// payload is buffered for it.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = RawFrame
    let maxPayload: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard buffer.readableBytes >= FrameFormat.headerSize,
              let op = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
              let len = buffer.getInteger(at: buffer.readerIndex + 1, endianness: .little, as: UInt32.self)
        else { return .needMoreData }
        guard Int(len) <= maxPayload else { throw FrameTooLarge(declared: len, limit: maxPayload) }
        guard buffer.readableBytes >= FrameFormat.headerSize + Int(len) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: FrameFormat.headerSize)
        let payload = buffer.readBytes(length: Int(len))!
        context.fireChannelRead(wrapInboundOut(RawFrame(opcode: op, payload: payload)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A truncated frame at EOF is dropped: the peer is gone.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
