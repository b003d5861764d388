import ArgumentParser
import CNPGCore
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
            discussion: """
                Writes DIR/kubeconfig (admin credentials) and DIR/ca.crt once listening. Unless --no-kubelet is given, \
                a process kubelet runs the pods (as local processes in their own mount, PID and UTS namespaces, \
                each with a 127.0.x.y address) and Services get loopback addresses with a TCP proxy. \
                The kubelet needs root; container images map to local programs through --image-map.
                """
        )

        @Option(name: .long, help: "State directory (kubeconfig, CA).")
        var dir: String

        @Option(name: .long, help: "Port on 127.0.0.1 (0 picks a free one).")
        var port: Int = 0

        @Option(name: .long, help: "How many changes a watch can replay before older resourceVersions get 410 Gone.")
        var eventHistory: Int = 50_000

        @Flag(name: .long, help: "Serve the API only: pods stay Pending and services get no proxy.")
        var noKubelet = false

        @Option(name: .long, help: "YAML or JSON file mapping container images to local files, environment and users (default: CNPG's images).")
        var imageMap: String?

        @Option(name: .long, help: "Pods get 127.N.x.y and services 127.(N+1).x.y (N from 0 to 253), so sandboxes can share a machine.")
        var addressBlock: Int = 0

        @Option(name: .long, help: "Inject faults, e.g. \"seed=7,error=0.1:500/429/409,latency=0.2:150ms,drop-watch=0.5:2s\".")
        var faults: String?

        @Option(name: .long, help: "The longest wait before a crashed container restarts, e.g. 2s (default 60s; the wait doubles from 1s up to it).")
        var maxRestartBackoff: String?

        @Flag(
            name: .long,
            help: "Make each PersistentVolumeClaim's volume a tmpfs of the size it requests, so volumes fill up (ENOSPC) and grow when a claim is resized.")
        var limitVolumeCapacity = false

        func validate() throws {
            if let faults {
                do { _ = try FaultSpec(parsing: faults) } catch { throw ValidationError(error.description) }
            }
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            guard eventHistory > 0 else { throw ValidationError("--event-history must be positive") }
            guard (0...253).contains(addressBlock) else { throw ValidationError("--address-block must be between 0 and 253") }
            if let maxRestartBackoff, (GoDuration.seconds(maxRestartBackoff) ?? -1) <= 0 {
                throw ValidationError("--max-restart-backoff must be a positive duration such as 2s or 500ms")
            }
            if !noKubelet, geteuid() != 0 {
                throw ValidationError("the kubelet needs root (it creates mount namespaces for pods); run as root or pass --no-kubelet")
            }
            if limitVolumeCapacity, noKubelet {
                throw ValidationError("--limit-volume-capacity needs the kubelet (it mounts the volumes); drop --no-kubelet")
            }
            if let imageMap {
                do { _ = try ImageMap.load(path: imageMap) } catch { throw ValidationError("\(error)") }
            }
        }

        func run() async throws {
            let spec = try faults.map { text throws -> FaultSpec in try FaultSpec(parsing: text) }
            var kubelet: SandboxServer.KubeletSettings?
            if !noKubelet {
                let binaries = Self.binaryDirectory()
                let map =
                    try imageMap.map(ImageMap.load(path:))
                    ?? ImageMap.cnpgDefault(binaryDirectory: binaries, postgresBinDirectory: ImageMap.installedPostgresBinDirectory())
                kubelet = SandboxServer.KubeletSettings(
                    imageMap: map, helperPath: binaries + "/kube-sandbox-exec", addressBlock: addressBlock,
                    maximumRestartBackoff: maxRestartBackoff.flatMap(GoDuration.seconds)
                        .map { Duration.milliseconds(Int64($0 * 1000)) },
                    limitVolumeCapacity: limitVolumeCapacity)
            }
            try await SandboxServer(directory: URL(fileURLWithPath: dir), port: port, eventHistory: eventHistory, faults: spec, kubelet: kubelet).run()
        }

        /// The directory of this executable, where the other products of the package are built.
        static func binaryDirectory() -> String {
            let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            if let bundled = Bundle.main.executableURL?.resolvingSymlinksInPath() { return bundled.deletingLastPathComponent().path }
            return executable.deletingLastPathComponent().path
        }
    }
}
