import CNPGTestSupport
import Foundation
import Testing

/// The whole-run secret scan (run on every sandbox as it stops) finds what it must and only that.
@Suite struct SecretScanTests {
    static func list(_ data: [String: String], name: String = "pg-app") -> Data {
        let encoded = data.mapValues { Data($0.utf8).base64EncodedString() }
        let object: [String: Any] = ["items": [["metadata": ["namespace": "default", "name": name], "data": encoded]]]
        return try! JSONSerialization.data(withJSONObject: object)
    }

    @Test("passwords, tokens and private keys are looked for; certificates, user names and short values are not")
    func needles() {
        let keyBody = String(repeating: "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg", count: 2).prefix(64)
        let secret = Self.list([
            "password": String(repeating: "p4ssw0rd", count: 8), "username": "app", "token": "short",
            "tls.key": "-----BEGIN PRIVATE KEY-----\n\(keyBody)\nAAAA\n-----END PRIVATE KEY-----\n",
            "tls.crt": "-----BEGIN CERTIFICATE-----\n\(String(repeating: "C", count: 64))\n-----END CERTIFICATE-----\n",
            "uri": "postgresql://app:\(String(repeating: "p4ssw0rd", count: 8))@pg-rw:5432/app",
        ])
        let needles = SecretScan.needles(secretList: secret)
        #expect(Set(needles.map(\.origin)) == ["default/pg-app password", "default/pg-app tls.key", "default/pg-app uri"], "\(needles.map(\.origin))")
        #expect(needles.contains { $0.value == String(keyBody) }, "a private key is found by its first body line")
    }

    @Test("a value in a log is reported by where it came from, never by itself")
    func findings() {
        let password = String(repeating: "s3cr3t-", count: 4)
        let needles = SecretScan.needles(secretList: Self.list(["password": password]))
        let found = SecretScan.findings(needles: needles, haystacks: [("pod.log", "connecting with password=\(password)"), ("clean.log", "nothing here")])
        #expect(found == ["pod.log contains the value of default/pg-app password"])
        #expect(!found.joined().contains(password))
    }

    @Test("a password leaked into an Event of a real sandbox is found; the sandbox's own state is clean")
    func sandboxScan() throws {
        let sandbox = try RunningSandbox()
        defer { _ = sandbox.stop(scanForSecrets: false) }
        #expect(sandbox.secretFindings().isEmpty, "a fresh sandbox leaks nothing")
        let password = "leaked-" + UUID().uuidString.lowercased()
        let created = try sandbox.kubectl(["create", "secret", "generic", "pg-app", "--from-literal=password=\(password)"])
        #expect(created.status == 0, "\(created.error)")
        let event = try sandbox.kubectl(
            ["apply", "-f", "-"],
            stdin: """
                apiVersion: v1
                kind: Event
                metadata: {name: careless}
                involvedObject: {kind: Secret, name: pg-app, namespace: default}
                reason: Oops
                message: "connecting with password=\(password)"
                type: Warning
                """)
        #expect(event.status == 0, "\(event.error)")
        let findings = sandbox.secretFindings()
        #expect(findings.contains("events contains the value of default/pg-app password"), "\(findings)")
        #expect(!findings.joined().contains(password), "reports never repeat the value")
    }
}
