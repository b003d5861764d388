import CNPGCore
import Foundation
import Synchronization

/// One value of a Secret as it is now, re-read every `period` through the API (what a client
/// mounting the secret sees once the kubelet refreshes it). `stop()` ends the polling.
public final class FollowedSecretValue: Sendable {
    private let latest = Mutex("")
    private let polling = Mutex<Task<Void, Never>?>(nil)

    public init(_ sandbox: RunningSandbox, secret: String, key: String, namespace: String = "default", period: Duration = .seconds(1)) throws {
        let initial = sandbox.secretValue(secret, key.replacingOccurrences(of: ".", with: "\\."), namespace: namespace)
        latest.withLock { $0 = initial }
        let client = try HTTPKubeClient(configuration: try KubeClientConfiguration.fromKubeconfig(path: sandbox.kubeconfig))
        let task = Task { [weak self] in
            while !Task.isCancelled, let self {
                if let object = try? await client.get(.secrets, namespace: namespace, name: secret),
                    let encoded = object["data"]?[key]?.stringValue, let data = Data(base64Encoded: encoded)
                {
                    self.latest.withLock { $0 = String(decoding: data, as: UTF8.self) }
                }
                try? await Task.sleep(for: period)
            }
            try? await client.shutdown()
        }
        polling.withLock { $0 = task }
    }

    public var value: String { latest.withLock { $0 } }

    public func stop() async {
        let task = polling.withLock { $0 }
        task?.cancel()
        await task?.value
    }
}
