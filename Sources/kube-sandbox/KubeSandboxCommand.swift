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

        func run() async throws {
            try await SandboxServer(directory: URL(fileURLWithPath: dir), port: port).run()
        }
    }
}
