import AsyncHTTPClient
import CNPGCore
import Foundation
import NIOCore
import NIOPosix

/// Runs readiness, liveness and startup probes as the kubelet does: HTTP(S) GET (certificates not
/// verified, 200-399 is success), TCP connect, or a command inside the container's namespaces.
struct Prober: Sendable {
    let http: HTTPClient
    let group: any EventLoopGroup
    /// Directory for exec probes' captured output.
    let scratchDirectory: String

    enum Outcome: Equatable {
        case success
        case failure(String)
    }

    /// The named or numbered port of a container.
    static func port(_ port: IntOrString, in container: Container) -> Int? {
        switch port {
        case .int(let number): return number
        case .string(let name):
            if let number = Int(name) { return number }
            return (container.ports ?? []).first { $0.name == name }.map { Int($0.containerPort) }
        }
    }

    func run(_ probe: Probe, container: Container, podIP: String, containerPID: Int32?, uid: Int64, gid: Int64) async -> Outcome {
        let timeout = Duration.seconds(Int64(max(1, probe.timeoutSeconds ?? 1)))
        if let action = probe.httpGet {
            guard let port = Self.port(action.port, in: container) else { return .failure("port \(action.port) not found") }
            let scheme = (action.scheme ?? "HTTP").lowercased()
            let host = action.host ?? podIP
            let path = action.path.map { $0.hasPrefix("/") ? $0 : "/" + $0 } ?? "/"
            var request = HTTPClientRequest(url: "\(scheme)://\(host):\(port)\(path)")
            request.headers.add(name: "User-Agent", value: "kube-probe/1.32")
            for header in action.httpHeaders ?? [] { request.headers.add(name: header.name, value: header.value) }
            do {
                let response = try await http.execute(request, timeout: .seconds(Int64(max(1, probe.timeoutSeconds ?? 1))))
                _ = try? await response.body.collect(upTo: 10 * 1024)
                let code = Int(response.status.code)
                return (200..<400).contains(code) ? .success : .failure("HTTP probe failed with statuscode: \(code)")
            } catch {
                return .failure("Get \"\(scheme)://\(host):\(port)\(path)\": \(error)")
            }
        }
        if let action = probe.tcpSocket {
            guard let port = Self.port(action.port, in: container) else { return .failure("port \(action.port) not found") }
            let host = action.host ?? podIP
            do {
                let channel = try await ClientBootstrap(group: group)
                    .connectTimeout(.seconds(Int64(max(1, probe.timeoutSeconds ?? 1))))
                    .connect(host: host, port: port).get()
                try? await channel.close()
                return .success
            } catch {
                return .failure("dial tcp \(host):\(port): \(error)")
            }
        }
        if let action = probe.exec, let command = action.command, !command.isEmpty {
            guard let containerPID else { return .failure("the container is not running") }
            let arguments =
                [
                    "--target", String(containerPID), "--mount", "--uts", "--pid", "--root", "--wd",
                    "--setuid", String(uid), "--setgid", String(gid), "--",
                ] + command
            do {
                let result = try await ChildProcess.run("/usr/bin/nsenter", arguments, timeout: timeout, scratchDirectory: scratchDirectory)
                return result.succeeded ? .success : .failure("command \(command) exited with \(result.termination): \(result.output)\(result.error)")
            } catch {
                return .failure("cannot run the exec probe: \(error)")
            }
        }
        return .failure("the probe has no action")
    }
}
