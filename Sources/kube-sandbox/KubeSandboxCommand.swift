import ArgumentParser
import Foundation
import KubeSandbox

@main
struct KubeSandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube-sandbox",
        abstract: "A local stand-in for a Kubernetes cluster (API server and process kubelet) for tests and the demo.",
        version: KubeSandboxInfo.version,
        subcommands: [Up.self]
    )

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the Kubernetes API over HTTPS on 127.0.0.1 until SIGTERM or SIGINT.",
            discussion: "Writes DIR/kubeconfig (admin credentials) and DIR/ca.crt once listening. The process kubelet is not part of this build yet."
        )

        @Option(name: .long, help: "State directory (kubeconfig, CA).")
        var dir: String

        @Option(name: .long, help: "Port on 127.0.0.1 (0 picks a free one).")
        var port: Int = 0

        @Option(name: .long, help: "How many changes a watch can replay before older resourceVersions get 410 Gone.")
        var eventHistory: Int = 50_000

        @Option(name: .long, help: "Inject faults, e.g. \"seed=7,error=0.1:500/429/409,latency=0.2:150ms,drop-watch=0.5:2s\".")
        var faults: String?

        func validate() throws {
            if let faults {
                do { _ = try FaultSpec(parsing: faults) } catch { throw ValidationError(error.description) }
            }
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            guard eventHistory > 0 else { throw ValidationError("--event-history must be positive") }
        }

        func run() async throws {
            let spec = try faults.map { text throws -> FaultSpec in try FaultSpec(parsing: text) }
            try await SandboxServer(directory: URL(fileURLWithPath: dir), port: port, eventHistory: eventHistory, faults: spec).run()
        }
    }
}
