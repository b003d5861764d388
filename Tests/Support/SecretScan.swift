import Foundation

/// No password, private key or token may reach a log, an event or a status. Every sandbox a test
/// starts is scanned when it stops (`RunningSandbox.stop()`): the secret values of every Secret it
/// holds, and its admin token, are looked for in its own log, the operator's, every pod's, the
/// audit log, the Events and the CNPG objects. A finding is printed and written to
/// `$CNPG_SECRET_SCAN_DIR`, which `make test` checks after the run (so the whole run is covered).
public enum SecretScan {
    /// A value to look for, and where it came from (never the value itself in a report).
    public struct Needle: Equatable, Sendable {
        public let origin: String
        public let value: String
    }

    /// The secret values of a `kubectl get secrets -o json` list: passwords, tokens, private keys
    /// (the first line of each key's body is enough to find it), URIs with credentials. Public
    /// certificates and short or non-secret fields (user names, host names, ports) are left out.
    public static func needles(secretList: Data) -> [Needle] {
        guard let list = try? JSONSerialization.jsonObject(with: secretList) as? [String: Any],
            let items = list["items"] as? [[String: Any]]
        else { return [] }
        var needles: [Needle] = []
        for item in items {
            let metadata = item["metadata"] as? [String: Any] ?? [:]
            let origin = "\(metadata["namespace"] as? String ?? "")/\(metadata["name"] as? String ?? "")"
            for (key, encoded) in item["data"] as? [String: String] ?? [:] {
                guard isSecretKey(key), let data = Data(base64Encoded: encoded) else { continue }
                let text = String(decoding: data, as: UTF8.self)
                for value in secretParts(of: text) { needles.append(Needle(origin: "\(origin) \(key)", value: value)) }
            }
        }
        return needles
    }

    static func isSecretKey(_ key: String) -> Bool {
        let lowered = key.lowercased()
        if lowered.hasSuffix(".crt") || lowered.hasSuffix(".pem") && !lowered.contains("key") { return false }
        return ["password", "key", "token", "pgpass", "uri", "secret"].contains { lowered.contains($0) }
    }

    /// The parts of a value worth looking for: a private key's first body line, or the value
    /// itself when it is long enough not to occur by chance.
    static func secretParts(of text: String) -> [String] {
        if text.contains("PRIVATE KEY-----") {
            let lines = text.split(separator: "\n").map(String.init)
            return lines.enumerated().compactMap { index, line in
                line.contains("BEGIN") && line.contains("PRIVATE KEY") && index + 1 < lines.count ? lines[index + 1] : nil
            }.filter { $0.count >= 40 }
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count >= 16 && !trimmed.contains("\n") ? [trimmed] : []
    }

    /// Which haystacks contain which needles: "<haystack> contains <origin>".
    public static func findings(needles: [Needle], haystacks: [(name: String, text: String)]) -> [String] {
        var found: [String] = []
        for (name, text) in haystacks {
            for needle in needles where text.contains(needle.value) {
                found.append("\(name) contains the value of \(needle.origin)")
            }
        }
        return found
    }

    /// The log files under a sandbox test directory: `*.log`, the audit log, the pods' logs.
    public static func logFiles(under root: URL) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var files: [URL] = []
        for case let url as URL in walker {
            let path = url.path
            let isLog = path.hasSuffix(".log") || path.hasSuffix("audit.jsonl") || path.contains("/kubelet/logs/")
            guard isLog, (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            files.append(url)
        }
        return files
    }

    /// Reports findings: stderr, and a file in `$CNPG_SECRET_SCAN_DIR` when set.
    public static func report(_ findings: [String], context: String) {
        guard !findings.isEmpty else { return }
        let text = "secret scan of \(context):\n" + findings.map { "  \($0)\n" }.joined()
        FileHandle.standardError.write(Data(text.utf8))
        guard let directory = ProcessInfo.processInfo.environment["CNPG_SECRET_SCAN_DIR"], !directory.isEmpty else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = URL(fileURLWithPath: directory).appendingPathComponent("finding-\(UUID().uuidString).txt")
        try? text.write(to: file, atomically: true, encoding: .utf8)
    }
}
