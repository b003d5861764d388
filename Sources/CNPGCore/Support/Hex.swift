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
