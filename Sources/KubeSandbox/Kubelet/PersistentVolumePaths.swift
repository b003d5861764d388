import CNPGCore
import Foundation

/// Where persistent volumes live: one directory per bound PVC, kept until the PVC is deleted.
/// With `limitCapacity` each directory is a tmpfs of the size the claim requests, so a volume
/// fills up as a real one does (ENOSPC) and grows when the claim is resized.
struct PersistentVolumePaths: Sendable {
    let root: URL
    var limitCapacity = false

    func directory(namespace: String, claim: String, uid: String) -> URL {
        root.appendingPathComponent(namespace).appendingPathComponent("\(claim)-\(uid)")
    }

    /// Where the copy behind a VolumeSnapshotContent lives (beside the volumes, outside any tmpfs).
    func snapshotDirectory(content: String) -> URL {
        root.deletingLastPathComponent().appendingPathComponent("volume-snapshots").appendingPathComponent(content)
    }

    /// Copies everything in `source` into `destination` (`cp -a`: ownership, modes and links kept);
    /// the copy's error output when it fails.
    static func copyContents(of source: URL, into destination: URL) async throws -> String? {
        let result = try await ChildProcess.run("/bin/cp", ["-a", source.path + "/.", destination.path + "/"], timeout: .seconds(600))
        return result.succeeded ? nil : result.error.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct MountError: Error, CustomStringConvertible {
        let description: String
    }

    /// Makes `directory` a volume of `bytes` (a new tmpfs, or the existing one resized).
    func provide(_ directory: URL, bytes: UInt64) throws(MountError) {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard limitCapacity else { return }
        let options = "size=\(bytes),mode=0777"
        let remount = Self.isMountPoint(directory.path)
        let flags = UInt(MS_NOSUID | MS_NODEV) | (remount ? UInt(MS_REMOUNT) : 0)
        guard mount("tmpfs", directory.path, "tmpfs", flags, options) == 0 else {
            let reason = String(cString: strerror(errno))
            throw MountError(description: "cannot \(remount ? "resize" : "mount") a \(bytes)-byte tmpfs on \(directory.path): \(reason)")
        }
    }

    /// Removes a volume (unmounting its tmpfs first).
    func remove(_ directory: URL) {
        if Self.isMountPoint(directory.path) { umount2(directory.path, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Unmounts every volume under `root` (the sandbox stops, or starts over a killed run's state).
    @discardableResult
    func unmountAll() -> [String] {
        let mounted = Self.mountPoints().filter { $0.hasPrefix(root.path + "/") }
        for path in mounted.sorted(by: >) { umount2(path, Int32(MNT_DETACH)) }
        return mounted
    }

    static func isMountPoint(_ path: String) -> Bool { mountPoints().contains(path) }

    /// Mount points of this mount namespace, from /proc/self/mountinfo (field 5, octal escapes decoded).
    static func mountPoints() -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 ? decodeOctalEscapes(String(fields[4])) : nil
        }
    }

    static func decodeOctalEscapes(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var bytes: [UInt8] = []
        var characters = Array(text.utf8)[...]
        while let byte = characters.popFirst() {
            if byte == UInt8(ascii: "\\"), characters.count >= 3,
                let value = UInt8(String(decoding: characters.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                characters = characters.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The claim's requested size in bytes (what its volume holds), nil when missing or unusable.
    static func requestedBytes(_ claim: JSONValue) -> UInt64? {
        guard let text = claim["spec"]?["resources"]?["requests"]?["storage"]?.stringValue,
            let quantity = try? Quantity(text), quantity.value > 0
        else { return nil }
        return UInt64(truncating: NSDecimalNumber(decimal: quantity.value))
    }
}
