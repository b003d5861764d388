import Foundation

/// A ZIP archive of stored (uncompressed) files, as `kubectl cnpg report` writes: local headers,
/// data, then the central directory. Enough for any unzip; no compression, no ZIP64 (under 4 GiB).
public struct ZipWriter: Sendable {
    public struct TooLarge: Error, CustomStringConvertible {
        public var description: String { "the report is larger than a ZIP archive without ZIP64 can hold (4 GiB, 65535 files)" }
    }

    private var body: [UInt8] = []
    private var directory: [UInt8] = []
    private var count = 0
    private let time: UInt16
    private let date: UInt16

    /// Every entry carries `modified` (local time of day and date, as DOS stores them).
    public init(modified: Date = Date()) {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: .current, from: modified)
        time = UInt16(((parts.hour ?? 0) << 11) | ((parts.minute ?? 0) << 5) | ((parts.second ?? 0) / 2))
        date = UInt16((max((parts.year ?? 1980) - 1980, 0) << 9) | ((parts.month ?? 1) << 5) | (parts.day ?? 1))
    }

    public mutating func add(_ path: String, _ data: [UInt8]) throws(TooLarge) {
        let name = Array(path.utf8)
        guard body.count + data.count + name.count + 30 < Int(UInt32.max), count < 65_535 else { throw TooLarge() }
        let offset = UInt32(body.count)
        // The fields the local header and the central directory entry share, from "version needed" to "extra length".
        var shared: [UInt8] = []
        Self.append16(20, to: &shared)  // version needed
        Self.append16(0x0800, to: &shared)  // UTF-8 names
        Self.append16(0, to: &shared)  // stored
        Self.append16(time, to: &shared)
        Self.append16(date, to: &shared)
        Self.append32(Self.crc32(data), to: &shared)
        Self.append32(UInt32(data.count), to: &shared)  // compressed size
        Self.append32(UInt32(data.count), to: &shared)  // size
        Self.append16(UInt16(name.count), to: &shared)
        Self.append16(0, to: &shared)  // extra

        Self.append32(0x0403_4b50, to: &body)
        body += shared + name + data

        Self.append32(0x0201_4b50, to: &directory)
        Self.append16(0x0314, to: &directory)  // made by: Unix, 2.0
        directory += shared
        Self.append16(0, to: &directory)  // comment
        Self.append16(0, to: &directory)  // disk
        Self.append16(0, to: &directory)  // internal attributes
        Self.append32(UInt32(0o100644) << 16, to: &directory)  // -rw-r--r--
        Self.append32(offset, to: &directory)
        directory += name
        count += 1
    }

    /// The whole archive.
    public func finish() -> [UInt8] {
        var end: [UInt8] = []
        Self.append32(0x0605_4b50, to: &end)
        Self.append16(0, to: &end)
        Self.append16(0, to: &end)
        Self.append16(UInt16(count), to: &end)
        Self.append16(UInt16(count), to: &end)
        Self.append32(UInt32(directory.count), to: &end)
        Self.append32(UInt32(body.count), to: &end)
        Self.append16(0, to: &end)
        return body + directory + end
    }

    static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes += [UInt8(value & 0xFF), UInt8(value >> 8)]
    }

    static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }
}
