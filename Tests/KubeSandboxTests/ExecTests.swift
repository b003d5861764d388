import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// `kubectl exec` against the sandbox through the real kubectl (WebSocket, v5.channel.k8s.io):
/// the command runs inside the container as its user with its environment, streams and exit code
/// come back, a terminal works, and refusals read as Kubernetes' own. Needs root, as CI runs.
@Suite("Sandbox kubectl exec", .serialized)
struct ExecTests {
    static let pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: box}
        spec:
          terminationGracePeriodSeconds: 2
          securityContext: {runAsUser: 1000, runAsGroup: 1000}
          containers:
          - name: main
            image: debian:bookworm
            workingDir: /tmp
            env: [{name: GREETING, value: from-the-pod-spec}]
            command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
          - name: side
            image: debian:bookworm
            command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
        """

    static func startWithPod() async throws -> RunningSandbox {
        let sandbox = try KubeletTests.startSandbox()
        try KubeletTests.apply(sandbox, pod)
        let running = await Eventually.check(within: 30) { KubeletTests.jsonpath(sandbox, "pod/box", ".status.phase") == "Running" }
        guard running else {
            _ = sandbox.stop()
            throw TestFailure("pod box did not run: \(KubeletTests.jsonpath(sandbox, "pod/box", ".status"))")
        }
        return sandbox
    }

    @Test("a command runs in the container as its user, with its environment, and returns output, errors and exit code")
    func commandInsideTheContainer() async throws {
        let sandbox = try await Self.startWithPod()
        defer { _ = sandbox.stop() }
        let result = try sandbox.kubectl([
            "exec", "box", "-c", "main", "--", "/bin/sh", "-c",
            "echo uid=$(id -u) gid=$(id -g) host=$(hostname) cwd=$(pwd) greeting=$GREETING; echo oops >&2; exit 3",
        ])
        #expect(result.output == "uid=1000 gid=1000 host=box cwd=/tmp greeting=from-the-pod-spec\n")
        #expect(result.error.contains("oops"))
        #expect(result.error.contains("command terminated with exit code 3"))
        #expect(result.status == 3)
        // The command sees the container's root, not the host's: the pod's service-account files are there.
        let namespace = try sandbox.kubectl(["exec", "box", "-c", "side", "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/namespace"])
        #expect(namespace.status == 0 && namespace.output == "default")

        // Standard input is carried whole (3 MB) and its end reaches the command.
        let input = (0..<200_000).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let counted = try sandbox.kubectl(["exec", "-i", "box", "-c", "main", "--", "sh", "-c", "wc -lc"], stdin: input)
        let fields = counted.output.split(separator: " ", omittingEmptySubsequences: true).map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(fields == ["200000", String(input.utf8.count)], "wc: \(counted.output) \(counted.error)")

        let missing = try sandbox.kubectl(["exec", "box", "-c", "main", "--", "/no/such/program"])
        #expect(missing.status == 127 && missing.error.contains("/no/such/program"))

        // The session was authorised as `create` on pods/exec and answered 101.
        let audit = try String(contentsOf: sandbox.stateDirectory.appendingPathComponent("audit.jsonl"), encoding: .utf8)
        #expect(
            audit.split(separator: "\n").contains {
                $0.contains("\"verb\":\"create\"") && $0.contains("\"subresource\":\"exec\"") && $0.contains("\"code\":101")
            })
    }

    @Test("with -t the command gets a terminal of the client's size, and input typed there reaches it")
    func terminal() async throws {
        guard let python = ExternalTool.find("python3"), let kubectl = ExternalTool.find("kubectl") else { throw TestFailure("python3 and kubectl are needed") }
        let sandbox = try await Self.startWithPod()
        defer { _ = sandbox.stop() }
        // kubectl only asks for a terminal when its own input is one: run it under a pseudo-terminal of 33x101.
        // The size is read after the typed line: kubectl sends it on the resize stream once connected,
        // and a command started first (a loaded machine) would see 0x0; input comes after it, in order.
        let script = """
            import os, pty, select, struct, sys, time, fcntl, termios
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], [sys.argv[1], "--kubeconfig", sys.argv[2], "exec", "-it", "box", "-c", "main", "--", "sh", "-c", "tty; read line; stty size; echo got:$line"])
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
            out, sent, deadline = b"", False, time.time() + 90
            while time.time() < deadline:
                ready, _, _ = select.select([fd], [], [], 0.2)
                if ready:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:
                        break
                    if not data:
                        break
                    out += data
                if b"/dev/pts/" in out and not sent:
                    os.write(fd, b"typed-here\\r")
                    sent = True
            done, status, end = 0, 0, time.time() + 10
            while done == 0 and time.time() < end:
                done, status = os.waitpid(pid, os.WNOHANG)
                time.sleep(0 if done else 0.1)
            if done == 0:
                os.kill(pid, 9)
                _, status = os.waitpid(pid, 0)
            print(repr(out.decode(errors="replace")), os.waitstatus_to_exitcode(status))
            """
        let result = try ExternalTool.run(python, ["-c", script, kubectl.path, sandbox.kubeconfig], timeout: 120)
        #expect(result.output.contains("/dev/pts/"), "\(result.output) \(result.error)")
        #expect(result.output.contains("33 101"))
        #expect(result.output.contains("got:typed-here"))
        #expect(result.output.hasSuffix(" 0\n"))
    }

    @Test("a command whose client went away is killed")
    func clientGoneKillsTheCommand() async throws {
        let sandbox = try await Self.startWithPod()
        defer { _ = sandbox.stop() }
        let marker = String(UInt32.random(in: 100_000...999_999))
        guard let kubectl = ExternalTool.find("kubectl") else { throw TestFailure("kubectl is not installed") }
        let client = try ChildProcess.spawn(
            kubectl.path, ["--kubeconfig", sandbox.kubeconfig, "exec", "box", "-c", "main", "--", "sleep", "6\(marker)"],
            stdout: .discard, stderr: .discard)
        let started = await Eventually.check(within: 60) { !KubeletTests.processes(containing: "sleep 6\(marker)").isEmpty }
        #expect(started)
        client.signal(SIGTERM)
        _ = await client.wait()
        let ended = await Eventually.check(within: 60) { KubeletTests.processes(containing: "sleep 6\(marker)").isEmpty }
        #expect(ended, "still running: \(KubeletTests.processes(containing: "sleep 6\(marker)"))")
    }

    @Test("refusals read as the API server's: unknown pod or container, no exec right, a plain request")
    func refusals() async throws {
        let sandbox = try await Self.startWithPod()
        defer { _ = sandbox.stop() }
        let noPod = try sandbox.kubectl(["exec", "nosuch", "--", "true"])
        #expect(noPod.status == 1 && noPod.error.contains("Error from server (NotFound): pods \"nosuch\" not found"), "\(noPod.error)")
        let noContainer = try sandbox.kubectl(["exec", "box", "-c", "nope", "--", "true"])
        #expect(noContainer.status == 1 && noContainer.error.contains("container nope is not valid for pod box"), "\(noContainer.error)")
        let ambiguous = try sandbox.kubectl(["exec", "box", "--", "true"])
        // kubectl picks the first container itself (and says so); the server is never asked to guess.
        #expect(ambiguous.status == 0, "\(ambiguous.error)")

        try KubeletTests.apply(
            sandbox,
            """
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: viewer}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: pod-reader}
            rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: pod-reader}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
            subjects: [{kind: ServiceAccount, name: viewer, namespace: default}]
            """)
        let token = try sandbox.kubectl(["create", "token", "viewer"])
        #expect(token.status == 0, "\(token.error)")
        let forbidden = try sandbox.kubectl(["--token", token.output, "exec", "box", "-c", "main", "--", "true"])
        #expect(forbidden.status == 1)
        #expect(
            forbidden.error.contains(
                "Error from server (Forbidden): pods \"box\" is forbidden: User \"system:serviceaccount:default:viewer\" cannot create resource \"pods/exec\""),
            "\(forbidden.error)")

        // Without an upgrade there is no session: 400 and a Status saying why.
        let plain = try sandbox.kubectl(
            ["create", "--raw", "/api/v1/namespaces/default/pods/box/exec?command=true&stdout=true&container=main", "-f", "-"], stdin: "{}")
        #expect(plain.status != 0 && plain.error.contains("Upgrade request required"), "\(plain.error)")
    }
}
