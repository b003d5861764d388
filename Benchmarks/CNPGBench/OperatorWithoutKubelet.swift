import CNPGCore
import CNPGTestSupport
import Foundation

/// The sandbox API server without a kubelet (pods stay Pending), the operator on it with its
/// default resync period (10 s; the tests shorten it), and an admin client: where the scale and
/// memory benchmarks run. `stop()` ends all three.
struct OperatorWithoutKubelet {
    let sandbox: RunningSandbox
    let controller: OperatorProcess
    let admin: HTTPKubeClient

    static func start() async throws -> OperatorWithoutKubelet {
        let sandbox = try RunningSandbox(kubelet: false)
        do {
            let kubeconfig = try await OperatorInstallation.install(on: sandbox)
            let controller = try OperatorProcess(kubeconfig: kubeconfig, log: sandbox.directory.url.appendingPathComponent("operator.log").path,
                                                 extraArguments: ["--resync-seconds", "10"])
            let admin: HTTPKubeClient
            do {
                admin = try HTTPKubeClient(configuration: try KubeClientConfiguration.fromKubeconfig(path: sandbox.kubeconfig))
            } catch {
                controller.process.signal(SIGKILL)
                _ = controller.process.poll()
                throw error
            }
            return OperatorWithoutKubelet(sandbox: sandbox, controller: controller, admin: admin)
        } catch {
            _ = sandbox.stop()
            throw error
        }
    }

    /// Runs `body` on a new one and stops it afterwards, whatever happened.
    static func with<T>(_ body: (OperatorWithoutKubelet) async throws -> T) async throws -> T {
        let running = try await start()
        do {
            let result = try await body(running)
            await running.stop()
            return result
        } catch {
            await running.stop()
            throw error
        }
    }

    func stop() async {
        controller.process.signal(SIGKILL)
        _ = await controller.process.wait()
        try? await admin.shutdown()
        _ = sandbox.stop()
    }
}
