import Crypto
import Foundation

/// Lowercase hexadecimal rendering of bytes (digests, fingerprints, tokens).
extension Sequence where Element == UInt8 {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A random bearer token: 32 bytes from the system generator, hex-encoded.
public func randomHexToken(bytes: Int = 32) -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
}

/// Lowercase hex SHA-256 of bytes (executable hashes, configuration hashes).
public func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).hexString
}

/// SHA-256 over bytes that arrive in pieces (an upload, a file read in chunks).
public struct SHA256Stream: Sendable {
    private var hasher = SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    public func finalizeHex() -> String { hasher.finalize().hexString }
}

/// Lowercase hex SHA-256 of a file, read in 1 MiB chunks (executables are large); nil when unreadable.
public func sha256Hex(fileAtPath path: String) -> String? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var stream = SHA256Stream()
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 1)
    defer { buffer.deallocate() }
    while true {
        let count = read(descriptor, buffer.baseAddress, buffer.count)
        if count < 0, errno == EINTR { continue }
        guard count >= 0 else { return nil }
        if count == 0 { return stream.finalizeHex() }
        stream.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
}
