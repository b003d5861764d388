import Foundation

/// Atomic writes of the files the manager owns (temporary file + rename, mode set before the
/// rename), reporting whether anything changed so callers know when to reload.
enum ManagedFile {
    @discardableResult
    static func write(_ path: String, _ contents: String, mode: mode_t = 0o600) throws -> Bool {
        if let current = try? String(contentsOfFile: path, encoding: .utf8), current == contents {
            return false
        }
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(contents.utf8), attributes: [.posixPermissions: mode]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        chmod(temporary, mode)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot write \(path): \(reason)"])
        }
        return true
    }

    /// Creates or removes an empty marker file; true when that changed something.
    @discardableResult
    static func setMarker(_ path: String, present: Bool) throws -> Bool {
        let exists = FileManager.default.fileExists(atPath: path)
        if present, !exists { return try write(path, "") }
        if !present, exists {
            try FileManager.default.removeItem(atPath: path)
            return true
        }
        return false
    }
}
