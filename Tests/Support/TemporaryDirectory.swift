import Foundation

/// A directory under /tmp removed when the test is done with it.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init(prefix: String = "cnpg-test") throws {
        url = URL(fileURLWithPath: "/tmp").appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes a file (mode 0600 by default, as key files need) and returns its path.
    @discardableResult
    public func write(_ name: String, _ contents: String, mode: Int = 0o600) throws -> String {
        let file = url.appendingPathComponent(name)
        try contents.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
        return file.path
    }

    /// CNPG_KEEP_TEST_DIRECTORY=1 keeps it for a post-mortem (logs, audit, data).
    deinit {
        if ProcessInfo.processInfo.environment["CNPG_KEEP_TEST_DIRECTORY"] == "1" { return }
        try? FileManager.default.removeItem(at: url)
    }
}

/// The system `openssl`, for checking what our PKI produces with an independent implementation.
public enum OpenSSL {
    public static func run(_ arguments: [String], stdin: String? = nil) throws -> ExternalTool.Result {
        guard let tool = ExternalTool.find("openssl") else {
            throw PostgresServer.Failure(description: "openssl is not installed: run scripts/install-test-deps.sh")
        }
        return try ExternalTool.run(tool, arguments, stdin: stdin, timeout: 60)
    }
}
