import CNPGCore
import Foundation

/// What most end-to-end tests start from: a sandbox with its kubelet, on a random block of loopback
/// addresses, and the operator installed on it with its webhooks. The test defers `tearDown()`,
/// which kills the operator unless it already ended and stops the sandbox.
public final class OperatorOnSandbox: @unchecked Sendable {
    public let sandbox: RunningSandbox
    /// The running operator (`restartOperator` replaces it).
    public private(set) var controller: OperatorProcess

    private init(sandbox: RunningSandbox, controller: OperatorProcess) {
        self.sandbox = sandbox
        self.controller = controller
    }

    public static func start(
        addressBlocks: ClosedRange<Int> = 64...79, sandboxArguments: [String] = [], environment: [String: String] = [:],
        managingNetworkPolicies: Bool = false
    ) async throws -> OperatorOnSandbox {
        let sandbox = try RunningSandbox(
            kubelet: true, extraArguments: ["--address-block", String(Int.random(in: addressBlocks) * 2)] + sandboxArguments)
        do {
            let controller = try await OperatorProcess.installedWithWebhooks(
                on: sandbox, environment: environment, managingNetworkPolicies: managingNetworkPolicies)
            return OperatorOnSandbox(sandbox: sandbox, controller: controller)
        } catch {
            _ = sandbox.stop()
            throw error
        }
    }

    /// Kills the running operator outright and installs a new one (an operator crash and restart).
    public func restartOperator(environment: [String: String] = [:]) async throws {
        await controller.kill()
        controller = try await OperatorProcess.installedWithWebhooks(on: sandbox, environment: environment)
    }

    public func tearDown() {
        controller.killIfRunning()
        _ = sandbox.stop()
    }
}

extension OperatorProcess {
    /// SIGKILL and wait for the end.
    public func kill() async {
        process.signal(SIGKILL)
        _ = await process.wait()
    }

    /// SIGKILL unless it already ended, and reap it (within 5 s; a zombie would hold its pid).
    public func killIfRunning() {
        guard process.poll() == nil else { return }
        process.signal(SIGKILL)
        for _ in 0..<500 where process.poll() == nil { usleep(10_000) }
    }
}
