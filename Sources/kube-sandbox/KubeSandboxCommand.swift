import ArgumentParser
import KubeSandbox

@main
struct KubeSandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube-sandbox",
        abstract: "A local stand-in for a Kubernetes cluster (API server and process kubelet) for tests and the demo.",
        discussion: "The API server and kubelet are not part of this build yet; this binary reports its version only.",
        version: KubeSandboxInfo.version
    )
}
