import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The process kubelet through the real kubectl: pods as local processes, logs, probes,
/// volumes, Jobs, Services and cleanup. Needs root (mount namespaces), as CI runs.
@Suite("Sandbox kubelet", .serialized)
struct KubeletTests {
    /// A sandbox with a kubelet on its own address block, so suites running at once do not collide.
    static func startSandbox() throws -> RunningSandbox {
        try RunningSandbox(kubelet: true, extraArguments: ["--address-block", String(Int.random(in: 80...125) * 2)])
    }

    static func apply(_ sandbox: RunningSandbox, _ manifest: String) throws {
        let result = try sandbox.kubectl(["apply", "-f", "-"], stdin: manifest)
        guard result.status == 0 else { throw TestFailure("kubectl apply: \(result.error)") }
    }

    static func jsonpath(_ sandbox: RunningSandbox, _ object: String, _ path: String) -> String {
        (try? sandbox.kubectl(["get", object, "-o", "jsonpath={\(path)}"]).output) ?? ""
    }

    static func processExists(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

    /// Processes whose command line contains `marker`.
    static func processes(containing marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(marker)
        }
    }

    @Test("a pod runs as its user with its own IP, kubectl logs shows its output, deletion stops it")
    func podLifecycle() async throws {
        let sandbox = try Self.startSandbox()
        defer { _ = sandbox.stop() }
        let marker = "marker-\(UInt32.random(in: 100_000...999_999))"
        try Self.apply(
            sandbox,
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: hello}
            spec:
              terminationGracePeriodSeconds: 5
              securityContext: {runAsUser: 1000, runAsGroup: 1000}
              containers:
              - name: main
                image: debian:bookworm
                command: ["/bin/sh", "-c", "echo uid=$(id -u) ip=$MY_IP host=$(hostname) ns=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace); touch /tmp/ready-inside; trap 'echo stopping; exit 0' TERM; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done; echo \(marker)"]
                readinessProbe:
                  exec: {command: ["/bin/cat", "/tmp/ready-inside"]}
                  periodSeconds: 1
                env:
                - {name: MY_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
            """)
        let running = await Eventually.check(within: 30) { Self.jsonpath(sandbox, "pod/hello", ".status.phase") == "Running" }
        #expect(running, "pod phase: \(Self.jsonpath(sandbox, "pod/hello", ".status"))")
        let ip = Self.jsonpath(sandbox, "pod/hello", ".status.podIP")
        #expect(ip.hasPrefix("127.") && ip != "127.0.0.1")
        let expected = "uid=1000 ip=\(ip) host=hello ns=default"
        let logged = await Eventually.check(within: 60) { (try? sandbox.kubectl(["logs", "hello"]).output)?.contains(expected) == true }
        #expect(logged, "logs: \((try? sandbox.kubectl(["logs", "hello"]).output) ?? "")")
        let followed = try sandbox.kubectl(["logs", "hello", "-f", "--tail=1", "--pod-running-timeout=5s"], timeout: 4)
        let ticks = followed.output.split(separator: "\n").filter { $0.hasPrefix("tick ") }
        #expect(!followed.output.contains("uid=") && ticks.count >= 5, "follow with --tail=1: \(followed.output)")
        // Ready comes from the exec probe, which reads a file that exists only inside the container's root.
        #expect(!FileManager.default.fileExists(atPath: "/tmp/ready-inside"))
        let ready = await Eventually.check(within: 60) { Self.jsonpath(sandbox, "pod/hello", ".status.containerStatuses[0].ready") == "true" }
        #expect(ready)
        let table = try sandbox.kubectl(["get", "pods"]).output
        #expect(table.contains("1/1") && table.contains("Running"), "\(table)")
        let containerID = Self.jsonpath(sandbox, "pod/hello", ".status.containerStatuses[0].containerID")
        let pid = try #require(Int32(containerID.replacingOccurrences(of: "sandbox://", with: "")))
        #expect(Self.processExists(pid))
        #expect(!Self.processes(containing: marker).isEmpty)

        let deleted = try sandbox.kubectl(["delete", "pod", "hello", "--timeout=30s"])
        #expect(deleted.status == 0, "\(deleted.error)")
        #expect(!Self.processExists(pid), "the container's process survived the pod")
        #expect(Self.processes(containing: marker).isEmpty)
        let gone = try sandbox.kubectl(["get", "pod", "hello"])
        #expect(gone.status != 0 && gone.error.contains("NotFound"))
    }

    @Test("a failing liveness probe restarts the container, and --previous shows the last run")
    func livenessRestart() async throws {
        let sandbox = try Self.startSandbox()
        defer { _ = sandbox.stop() }
        try Self.apply(
            sandbox,
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: flaky}
            spec:
              containers:
              - name: main
                image: debian:bookworm
                command: ["/bin/sh", "-c", "echo run at $(date +%s%N); exec sleep 1000"]
                livenessProbe:
                  tcpSocket: {port: 9}
                  periodSeconds: 1
                  failureThreshold: 2
                  terminationGracePeriodSeconds: 1
            """)
        let restarted = await Eventually.check(within: 45) {
            (Int(Self.jsonpath(sandbox, "pod/flaky", ".status.containerStatuses[0].restartCount")) ?? 0) >= 1
        }
        #expect(restarted, "status: \(Self.jsonpath(sandbox, "pod/flaky", ".status"))")
        let previous = try sandbox.kubectl(["logs", "flaky", "--previous"])
        #expect(previous.status == 0 && previous.output.contains("run at"), "\(previous.output) \(previous.error)")
        #expect(Self.jsonpath(sandbox, "pod/flaky", ".status.containerStatuses[0].lastState.terminated.exitCode") == "137")
    }

    @Test("a PVC's data survives the pod, and a Job runs to Complete")
    func persistentVolumeAndJob() async throws {
        let sandbox = try Self.startSandbox()
        defer { _ = sandbox.stop() }
        let token = UUID().uuidString
        try Self.apply(
            sandbox,
            """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
            ---
            apiVersion: batch/v1
            kind: Job
            metadata: {name: writer}
            spec:
              backoffLimit: 1
              template:
                spec:
                  restartPolicy: Never
                  securityContext: {runAsUser: 1000, fsGroup: 1000}
                  containers:
                  - name: write
                    image: debian:bookworm
                    command: ["/bin/sh", "-c", "echo \(token) > /data/token && echo written"]
                    volumeMounts: [{name: data, mountPath: /data}]
                  volumes:
                  - {name: data, persistentVolumeClaim: {claimName: data}}
            """)
        let complete = await Eventually.check(within: 45) {
            Self.jsonpath(sandbox, "job/writer", ".status.conditions[?(@.type==\"Complete\")].status") == "True"
        }
        #expect(complete, "job: \(Self.jsonpath(sandbox, "job/writer", ".status"))")
        #expect(Self.jsonpath(sandbox, "pvc/data", ".status.phase") == "Bound")
        let podName = try sandbox.kubectl(["get", "pods", "-l", "job-name=writer", "-o", "jsonpath={.items[0].metadata.name}"]).output
        #expect(try sandbox.kubectl(["logs", podName]).output.contains("written"))
        #expect(try sandbox.kubectl(["delete", "job", "writer", "--cascade=foreground", "--timeout=30s"]).status == 0)

        try Self.apply(
            sandbox,
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: reader}
            spec:
              restartPolicy: Never
              securityContext: {runAsUser: 1000}
              containers:
              - name: read
                image: debian:bookworm
                command: ["/bin/cat", "/data/token"]
                volumeMounts: [{name: data, mountPath: /data}]
              volumes:
              - {name: data, persistentVolumeClaim: {claimName: data}}
            """)
        let succeeded = await Eventually.check(within: 30) { Self.jsonpath(sandbox, "pod/reader", ".status.phase") == "Succeeded" }
        #expect(succeeded, "reader: \(Self.jsonpath(sandbox, "pod/reader", ".status"))")
        #expect(try sandbox.kubectl(["logs", "reader"]).output.contains(token))
    }

    @Test("a Service's proxy follows its selector to the pod that now carries the label")
    func serviceFollowsLabels() async throws {
        let sandbox = try Self.startSandbox()
        defer { _ = sandbox.stop() }
        guard let curl = ExternalTool.find("curl") else { throw TestFailure("curl is not installed") }
        let pod = { (name: String, role: String) in
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: \(name), labels: {app: web, role: \(role)}}
            spec:
              terminationGracePeriodSeconds: 2
              securityContext: {runAsUser: 1000}
              containers:
              - name: web
                image: debian:bookworm
                command: ["/bin/sh", "-c", "mkdir -p /tmp/www && echo $POD_NAME > /tmp/www/index.html && cd /tmp/www && exec python3 -m http.server --bind $POD_IP 8080"]
                ports: [{name: http, containerPort: 8080}]
                readinessProbe: {tcpSocket: {port: http}, periodSeconds: 1}
                env:
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
            """
        }
        try Self.apply(
            sandbox,
            pod("alpha", "primary") + "\n---\n" + pod("beta", "replica") + """

                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web-rw}
                spec:
                  selector: {app: web, role: primary}
                  ports: [{port: 80, targetPort: http}]
                """)
        let address = await {
            var found = ""
            _ = await Eventually.check(within: 60) {
                found = Self.jsonpath(sandbox, "service/web-rw", ".spec.clusterIP")
                return !found.isEmpty
            }
            return found
        }()
        #expect(address.hasPrefix("127."))
        let fetch = {
            (try? ExternalTool.run(curl, ["-s", "-m", "2", "http://\(address):80/"], timeout: 10).output)?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        }
        let servedByAlpha = await Eventually.check(within: 30) { fetch() == "alpha" }
        #expect(servedByAlpha, "endpoints: \(Self.jsonpath(sandbox, "endpoints/web-rw", ".subsets"))")
        let endpointIP = Self.jsonpath(sandbox, "endpoints/web-rw", ".subsets[0].addresses[0].ip")
        #expect(endpointIP == Self.jsonpath(sandbox, "pod/alpha", ".status.podIP"))

        #expect(try sandbox.kubectl(["label", "pod", "alpha", "role=replica", "--overwrite"]).status == 0)
        #expect(try sandbox.kubectl(["label", "pod", "beta", "role=primary", "--overwrite"]).status == 0)
        let servedByBeta = await Eventually.check(within: 60) { fetch() == "beta" }
        #expect(servedByBeta)
        #expect(Self.jsonpath(sandbox, "endpointslice/web-rw-sandbox", ".endpoints[0].addresses[0]") == Self.jsonpath(sandbox, "pod/beta", ".status.podIP"))
    }

    @Test("PostgreSQL runs in a pod as uid 26 on the pod's address and answers through its Service")
    func postgresThroughService() async throws {
        let binaries = try PostgresServer.findBinaries()
        let sandbox = try Self.startSandbox()
        defer { _ = sandbox.stop() }
        let bin = binaries.path
        try Self.apply(
            sandbox,
            """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: pgdata}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: pg, labels: {app: pg}}
            spec:
              terminationGracePeriodSeconds: 10
              securityContext: {runAsUser: 26, runAsGroup: 26, fsGroup: 26, runAsNonRoot: true}
              containers:
              - name: postgres
                image: ghcr.io/cloudnative-pg/postgresql:16
                securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
                command: ["/bin/sh", "-c", "set -e; D=/var/lib/postgresql/data/pgdata; [ -f $D/PG_VERSION ] || \(bin)/initdb -D $D -A trust -U postgres >/dev/null; echo 'host all all 127.0.0.0/8 trust' >> $D/pg_hba.conf; echo user=$(id -un); exec \(bin)/postgres -D $D -c listen_addresses=$CNPG_LISTEN_ADDRESSES -c unix_socket_directories=/controller"]
                ports: [{name: postgresql, containerPort: 5432}]
                readinessProbe: {tcpSocket: {port: 5432}, periodSeconds: 1}
                volumeMounts:
                - {name: pgdata, mountPath: /var/lib/postgresql/data}
                - {name: scratch, mountPath: /controller}
              volumes:
              - {name: pgdata, persistentVolumeClaim: {claimName: pgdata}}
              - {name: scratch, emptyDir: {}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: pg-rw}
            spec:
              selector: {app: pg}
              ports: [{port: 5432, targetPort: postgresql}]
            """)
        let ready = await Eventually.check(within: 60) { Self.jsonpath(sandbox, "pod/pg", ".status.containerStatuses[0].ready") == "true" }
        #expect(ready, "pod: \(Self.jsonpath(sandbox, "pod/pg", ".status")) logs: \((try? sandbox.kubectl(["logs", "pg"]).output) ?? "")")
        #expect(try sandbox.kubectl(["logs", "pg"]).output.contains("user=postgres"))
        let address = Self.jsonpath(sandbox, "service/pg-rw", ".spec.clusterIP")
        let podIP = Self.jsonpath(sandbox, "pod/pg", ".status.podIP")
        let psql = binaries.appendingPathComponent("psql")
        let answered = try ExternalTool.run(
            psql,
            [
                "-h", address, "-p", "5432", "-U", "postgres", "-Atc",
                "select inet_server_addr()::text || ' ' || current_setting('listen_addresses')",
            ], timeout: 20)
        #expect(answered.status == 0, "\(answered.error)")
        #expect(answered.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(podIP)/32 \(podIP)")
    }

    @Test("after SIGTERM the sandbox leaves no process it started")
    func shutdownStopsEverything() async throws {
        let sandbox = try Self.startSandbox()
        let marker = String(UInt32.random(in: 100_000...999_999))
        try Self.apply(
            sandbox,
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: stubborn}
            spec:
              containers:
              - name: main
                image: debian:bookworm
                command: ["/bin/sh", "-c", "sleep \(marker) & sleep \(marker); wait"]
            """)
        let running = await Eventually.check(within: 30) { Self.processes(containing: "sleep \(marker)").count >= 3 }
        #expect(running)
        let containerID = Self.jsonpath(sandbox, "pod/stubborn", ".status.containerStatuses[0].containerID")
        let helper = Int32(containerID.replacingOccurrences(of: "sandbox://", with: ""))
        let status = sandbox.stop()
        #expect(status == 0)
        #expect(Self.processes(containing: "sleep \(marker)").isEmpty)
        if let helper { #expect(!Self.processExists(helper)) }
    }

    @Test("a sandbox killed outright stops the containers it left behind when it starts again")
    func leftoversAreStoppedOnRestart() async throws {
        let sandbox = try Self.startSandbox()
        defer { _ = sandbox.stop() }
        let marker = String(UInt32.random(in: 100_000...999_999))
        try Self.apply(
            sandbox,
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: orphan}
            spec:
              containers:
              - name: main
                image: debian:bookworm
                command: ["/bin/sleep", "\(marker)"]
            """)
        let running = await Eventually.check(within: 30) { Self.processes(containing: "sleep \(marker)").count >= 2 }
        #expect(running)
        sandbox.child.signal(SIGKILL)
        _ = await Eventually.check(within: 10) { !sandbox.isRunning }
        #expect(!Self.processes(containing: "sleep \(marker)").isEmpty, "the container should outlive a SIGKILLed sandbox")

        let again = try ChildProcess.spawn(
            try BuiltProducts.executable("kube-sandbox").path,
            ["up", "--dir", sandbox.stateDirectory.path, "--port", "0", "--address-block", "252"], stdout: .discard, stderr: .discard)
        let cleaned = await Eventually.check(within: 30) { Self.processes(containing: "sleep \(marker)").isEmpty }
        again.signal(SIGTERM)
        if await again.wait(timeout: .seconds(30)) == nil {
            again.signal(SIGKILL)
            _ = await again.wait()
        }
        #expect(cleaned)
        for pid in Self.processes(containing: "sleep \(marker)") { kill(pid, SIGKILL) }
    }
}
