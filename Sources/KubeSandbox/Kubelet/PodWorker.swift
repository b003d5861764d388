import CNPGCore
import Foundation
import Logging

/// Runs one pod: volumes, init containers in order, then its containers with probes and restarts,
/// reporting status to the API; stops everything it started when the pod is deleted.
actor PodWorker {
    let context: KubeletContext
    let namespace: String
    let name: String
    let uid: String
    let spec: PodSpec
    private(set) var pod: JSONValue
    let podIP: String
    let logger: Logger
    var report: PodStatusReport
    var processes: [String: ChildProcess] = [:]
    var containerPIDs: [String: Int32] = [:]
    var lifecycle: Task<Void, Never>?
    var terminating = false
    var lastPublished: JSONValue?
    var publishing = false
    var publishAgain = false
    var podFiles: ContainerLaunchPlan.PodFiles?
    /// Volume name -> host directory, from the pod's start; content volumes are rewritten on restarts.
    var volumeDirectories: [String: String] = [:]
    let subscription = UUID()

    init(context: KubeletContext, pod: JSONValue, spec: PodSpec, podIP: String, logger: Logger) {
        self.context = context
        self.pod = pod
        self.spec = spec
        self.namespace = pod["metadata"]?["namespace"]?.stringValue ?? "default"
        self.name = pod["metadata"]?["name"]?.stringValue ?? ""
        self.uid = pod["metadata"]?["uid"]?.stringValue ?? ""
        self.podIP = podIP
        var logger = logger
        logger[metadataKey: "pod"] = "\(namespace)/\(name)"
        self.logger = logger
        var report = PodStatusReport(startTime: Date())
        report.podIP = podIP
        report.qosClass = PodStatusReport.qosClass(of: spec.containers ?? [])
        report.initContainers = (spec.initContainers ?? []).map { ContainerRecord(name: $0.name, image: $0.image ?? "") }
        report.containers = (spec.containers ?? []).map { ContainerRecord(name: $0.name, image: $0.image ?? "") }
        report.initialized = (spec.initContainers ?? []).isEmpty
        if !report.initContainers.isEmpty {
            report.containers = report.containers.map {
                var record = $0
                record.state = .waiting(reason: "PodInitializing", message: nil)
                return record
            }
        }
        self.report = report
    }

    var directory: URL { context.podDirectory(uid: uid) }

    func start() {
        lifecycle = Task { await self.live() }
    }

    func observe(_ latest: JSONValue) { pod = latest }

    // MARK: lifecycle

    func live() async {
        await publish()
        guard let volumes = await prepareVolumes() else { return }
        volumeDirectories = volumes
        await writePodFiles()
        await context.names.subscribe(subscription) { [weak self] in await self?.writeHostsFile() }
        for (index, container) in (spec.initContainers ?? []).enumerated() {
            guard await runInitContainer(container, index: index) else { return }
        }
        report.initialized = true
        await publish()
        await withTaskGroup(of: Void.self) { group in
            for (index, container) in (spec.containers ?? []).enumerated() {
                group.addTask { await self.supervise(container, index: index) }
            }
        }
        guard !terminating else { return }
        let failed = report.containers.contains { ($0.exitCode ?? 0) != 0 }
        report.phase = failed ? .failed : .succeeded
        await publish()
    }

    /// Volumes, retried while what they need (a bound PVC, a Secret) does not exist yet.
    func prepareVolumes() async -> [String: String]? {
        let volumes = PodVolumes(client: context.client, podDirectory: directory, persistentVolumes: context.persistentVolumes)
        var attempt = 0
        while !terminating, !Task.isCancelled {
            do {
                return try await volumes.prepare(pod: pod, spec: spec)
            } catch {
                logger.info("volumes not ready: \(error.description)")
                report.message = error.description
                await publish()
                if !error.transient {
                    report.phase = .failed
                    report.reason = "VolumeError"
                    await publish()
                    return nil
                }
                attempt += 1
                try? await Task.sleep(for: .milliseconds(min(2000, 200 * attempt)))
            }
        }
        return nil
    }

    func writePodFiles() async {
        let files = directory.appendingPathComponent("etc")
        try? FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        let imageUsers = ((spec.initContainers ?? []) + (spec.containers ?? [])).flatMap { context.imageMap.entry(for: $0.image ?? "").users ?? [] }
        let uid = spec.securityContext?.runAsUser ?? 0
        let gid = spec.securityContext?.runAsGroup ?? imageUsers.first { $0.uid == uid }?.gid ?? 0
        let accounts = ContainerLaunchPlan.accountFiles(
            hostPasswd: context.hostPasswd, hostGroup: context.hostGroup,
            imageUsers: uniqueUsers(imageUsers), runAs: uid, gid: gid)
        let paths = ContainerLaunchPlan.PodFiles(
            hosts: files.appendingPathComponent("hosts").path,
            passwd: files.appendingPathComponent("passwd").path,
            group: files.appendingPathComponent("group").path)
        try? Data(accounts.passwd.utf8).write(to: URL(fileURLWithPath: paths.passwd))
        try? Data(accounts.group.utf8).write(to: URL(fileURLWithPath: paths.group))
        podFiles = paths
        await writeHostsFile()
    }

    func uniqueUsers(_ users: [ImageMap.User]) -> [ImageMap.User] {
        var seen: Set<String> = []
        return users.filter { seen.insert($0.name).inserted }
    }

    /// Rewritten in place: the file is bind-mounted into running containers.
    func writeHostsFile() async {
        guard let path = podFiles?.hosts else { return }
        let text = await context.names.hostsFile(podName: spec.hostname ?? name, namespace: namespace, podIP: podIP)
        try? Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Runs an init container until it succeeds; false when the pod fails or stops first.
    func runInitContainer(_ container: Container, index: Int) async -> Bool {
        while !terminating, !Task.isCancelled {
            guard let launched = await launch(container, index: index, isInit: true) else {
                if !(await pauseBeforeRestart(index: index, isInit: true, reason: "CreateContainerConfigError")) { return false }
                continue
            }
            let termination = await launched.process.wait()
            await finished(container, index: index, isInit: true, termination: termination)
            if termination.succeeded { return true }
            if spec.restartPolicy == "Never" {
                report.phase = .failed
                await publish()
                return false
            }
            if !(await pauseBeforeRestart(index: index, isInit: true, reason: "CrashLoopBackOff")) { return false }
        }
        return false
    }

    /// Runs a container, restarting it per the pod's restartPolicy, probing it while it runs.
    func supervise(_ container: Container, index: Int) async {
        let policy = spec.restartPolicy ?? "Always"
        while !terminating, !Task.isCancelled {
            guard let launched = await launch(container, index: index, isInit: false) else {
                if !(await pauseBeforeRestart(index: index, isInit: false, reason: "CreateContainerConfigError")) { return }
                continue
            }
            if report.phase == .pending {
                report.phase = .running
                await publish()
            }
            let probing = Task { await self.probe(container, index: index, launched: launched) }
            let termination = await launched.process.wait()
            probing.cancel()
            await finished(container, index: index, isInit: false, termination: termination)
            let exitCode = report.containers[index].exitCode ?? 1
            let restart = policy == "Always" || (policy == "OnFailure" && exitCode != 0)
            guard restart, !terminating else { return }
            if !(await pauseBeforeRestart(index: index, isInit: false, reason: "CrashLoopBackOff")) { return }
        }
    }

    /// Waits out the restart backoff; false when the pod is stopping.
    func pauseBeforeRestart(index: Int, isInit: Bool, reason: String) async -> Bool {
        let restarts = isInit ? report.initContainers[index].restartCount : report.containers[index].restartCount
        let delay = context.backoff(afterRestarts: restarts)
        update(index: index, isInit: isInit) { record in
            if case .terminated = record.state {
                record.lastState = record.state
                record.state = .waiting(reason: reason, message: "back-off \(delay) restarting failed container=\(record.name) pod=\(self.name)")
            }
        }
        await publish()
        do { try await Task.sleep(for: delay) } catch { return false }
        guard !terminating else { return false }
        update(index: index, isInit: isInit) { $0.restartCount += 1 }
        return true
    }

    func update(index: Int, isInit: Bool, _ change: (inout ContainerRecord) -> Void) {
        if isInit { change(&report.initContainers[index]) } else { change(&report.containers[index]) }
    }

    // MARK: containers

    /// A started container: its process (reaped only by the loop that started it) and the identity
    /// it runs as (exec probes run as the same user).
    struct Launched: Sendable {
        var process: ChildProcess
        var uid: Int64
        var gid: Int64
    }

    /// Starts a container's process; nil (with the reason in its status) when it cannot be started.
    func launch(_ container: Container, index: Int, isInit: Bool) async -> Launched? {
        guard !terminating, let podFiles else { return nil }
        let image = context.imageMap.entry(for: container.image ?? "")
        let restart = isInit ? report.initContainers[index].restartCount : report.containers[index].restartCount
        do {
            let environment = try await resolveEnvironment(container, image: image)
            if restart > 0 {
                // A restarted container sees fresh Secret, ConfigMap and token contents.
                volumeDirectories = try await PodVolumes(
                    client: context.client, podDirectory: directory,
                    persistentVolumes: context.persistentVolumes
                ).prepare(pod: pod, spec: spec)
            }
            let root = directory.appendingPathComponent("rootfs").appendingPathComponent(container.name)
            try? FileManager.default.removeItem(at: root)
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let plan = try ContainerLaunchPlan.make(
                pod: spec, podName: name, container: container, image: image, environment: environment,
                volumeDirectories: volumeDirectories, podFiles: podFiles, rootDirectory: root.path)
            let logFile = context.logs.file(namespace: namespace, pod: name, uid: uid, container: container.name, restart: restart)
            try FileManager.default.createDirectory(at: logFile.deletingLastPathComponent(), withIntermediateDirectories: true)
            let pidFile = directory.appendingPathComponent("\(container.name).pid").path
            unlink(pidFile)
            let process = try ChildProcess.spawn(
                context.helperPath, plan.arguments(pidFile: pidFile),
                environment: Dictionary(environment, uniquingKeysWith: { _, last in last }),
                stdout: .file(logFile.path), stderr: .file(logFile.path))
            processes[container.name] = process
            context.recordRunning(process.pid)
            // The pod began stopping while this container was being set up: it must not outlive it.
            if terminating { process.signal(SIGKILL) }
            update(index: index, isInit: isInit) { record in
                record.state = .running(startedAt: Date())
                record.processID = process.pid
                record.ready = false
                record.started = container.startupProbe == nil
            }
            if !isInit, container.readinessProbe == nil, container.startupProbe == nil { report.containers[index].ready = true }
            await publish()
            logger.debug("started container", metadata: ["container": "\(container.name)", "pid": "\(process.pid)"])
            return Launched(process: process, uid: plan.uid, gid: plan.gid)
        } catch {
            logger.warning("cannot start container \(container.name): \(error)")
            update(index: index, isInit: isInit) { $0.state = .waiting(reason: "CreateContainerConfigError", message: "\(error)") }
            await publish()
            return nil
        }
    }

    func resolveEnvironment(_ container: Container, image: ImageMap.Entry) async throws -> [(String, String)] {
        var secretNames: Set<String> = []
        var configMapNames: Set<String> = []
        for source in container.envFrom ?? [] {
            if let name = source.secretRef?.name { secretNames.insert(name) }
            if let name = source.configMapRef?.name { configMapNames.insert(name) }
        }
        for variable in container.env ?? [] {
            if let name = variable.valueFrom?.secretKeyRef?.name { secretNames.insert(name) }
            if let name = variable.valueFrom?.configMapKeyRef?.name { configMapNames.insert(name) }
        }
        let volumes = PodVolumes(client: context.client, podDirectory: directory, persistentVolumes: context.persistentVolumes)
        var secrets: [String: [String: String]] = [:]
        for name in secretNames {
            if let data = try? await volumes.objectData(.secrets, namespace: namespace, name: name, optional: false) {
                secrets[name] = data.mapValues { String(decoding: $0, as: UTF8.self) }
            }
        }
        var configMaps: [String: [String: String]] = [:]
        for name in configMapNames {
            if let data = try? await volumes.objectData(.configMaps, namespace: namespace, name: name, optional: false) {
                configMaps[name] = data.mapValues { String(decoding: $0, as: UTF8.self) }
            }
        }
        let labels = pod["metadata"]?["labels"]?.stringMap ?? [:]
        let annotations = pod["metadata"]?["annotations"]?.stringMap ?? [:]
        let facts = ContainerEnvironment.PodFacts(
            name: name, namespace: namespace, uid: uid, podIP: podIP, hostIP: report.hostIP,
            nodeName: context.nodeName, serviceAccountName: spec.serviceAccountName ?? "default",
            labels: labels, annotations: annotations)
        let resolver = ContainerEnvironment(
            pod: facts, apiServerHost: context.apiServerHost, apiServerPort: context.apiServerPort,
            secret: { secrets[$0] }, configMap: { configMaps[$0] })
        return try resolver.resolve(container, image: image)
    }

    func finished(_ container: Container, index: Int, isInit: Bool, termination: ChildProcess.Termination) async {
        if let process = processes.removeValue(forKey: container.name) { context.forgetRunning(process.pid) }
        containerPIDs[container.name] = nil
        let exitCode: Int32
        var signal: Int32?
        switch termination {
        case .exited(let code): exitCode = code
        case .signaled(let number):
            exitCode = 128 + number
            signal = number
        }
        update(index: index, isInit: isInit) { record in
            var startedAt: Date?
            if case .running(let start) = record.state { startedAt = start }
            let reason = exitCode == 0 ? "Completed" : "Error"
            record.state = .terminated(exitCode: exitCode, signal: signal, reason: reason, startedAt: startedAt, finishedAt: Date())
            record.ready = false
        }
        logger.debug("container ended", metadata: ["container": "\(container.name)", "termination": "\(termination)"])
        await publish()
    }

    /// The PID of a container's first process (inside its namespaces), for exec probes.
    func containerPID(_ container: String) -> Int32? {
        if let known = containerPIDs[container] { return known }
        let path = directory.appendingPathComponent("\(container).pid").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return nil
        }
        containerPIDs[container] = pid
        return pid
    }

    /// The PID of a container's first process while that container runs (for `kubectl exec`).
    func runningContainerPID(_ container: String) -> Int32? {
        guard processes[container] != nil else { return nil }
        return containerPID(container)
    }

    /// Whether the run of `container` that started as `pid` has ended. Only the loop that started
    /// a process reaps it (a second waiter would get ECHILD and lose the exit status), so others
    /// watch for `finished` to have recorded it.
    func hasEnded(_ container: String, pid: Int32) -> Bool { processes[container]?.pid != pid }

    /// Waits until the processes ended or `deadline` passed; whether they all ended.
    func waitForEnd(_ runs: [(container: String, pid: Int32)], until deadline: ContinuousClock.Instant) async -> Bool {
        while !runs.allSatisfy({ hasEnded($0.container, pid: $0.pid) }) {
            if ContinuousClock.now >= deadline { return false }
            await ChildProcess.pause(.milliseconds(50))
        }
        return true
    }

    /// Stops one container: SIGTERM, then SIGKILL after the grace period.
    func kill(_ container: Container, process: ChildProcess, grace: Duration) async {
        process.signal(SIGTERM)
        if !(await waitForEnd([(container.name, process.pid)], until: ContinuousClock.now.advanced(by: grace))) {
            process.signal(SIGKILL)
        }
    }

    // MARK: probes

    func probe(_ container: Container, index: Int, launched: Launched) async {
        let (process, uid, gid) = (launched.process, launched.uid, launched.gid)
        if let startup = container.startupProbe {
            guard await probeUntilStarted(startup, container: container, index: index, process: process, uid: uid, gid: gid) else { return }
            report.containers[index].started = true
            if container.readinessProbe == nil { report.containers[index].ready = true }
            await publish()
        }
        await withTaskGroup(of: Void.self) { group in
            if let readiness = container.readinessProbe {
                group.addTask { await self.probeReadiness(readiness, container: container, index: index, uid: uid, gid: gid) }
            }
            if let liveness = container.livenessProbe {
                group.addTask { await self.probeLiveness(liveness, container: container, index: index, process: process, uid: uid, gid: gid) }
            }
        }
    }

    func runProbe(_ probe: Probe, container: Container, uid: Int64, gid: Int64) async -> Prober.Outcome {
        await context.prober.run(probe, container: container, podIP: podIP, containerPID: containerPID(container.name), uid: uid, gid: gid)
    }

    static func period(_ probe: Probe) -> Duration { .seconds(Int64(max(1, probe.periodSeconds ?? 10))) }

    func probeUntilStarted(_ probe: Probe, container: Container, index: Int, process: ChildProcess, uid: Int64, gid: Int64) async -> Bool {
        if let delay = probe.initialDelaySeconds, delay > 0 { try? await Task.sleep(for: .seconds(Int64(delay))) }
        // Probed every second so a start is noticed promptly, but failures count once per period,
        // so the threshold still means failureThreshold x periodSeconds, as on a real kubelet.
        var failures = 0
        var lastCounted: ContinuousClock.Instant?
        while !Task.isCancelled {
            if case .success = await runProbe(probe, container: container, uid: uid, gid: gid) { return true }
            if lastCounted.map({ ContinuousClock.now - $0 >= Self.period(probe) }) ?? true {
                failures += 1
                lastCounted = .now
            }
            if failures >= Int(probe.failureThreshold ?? 3) {
                logger.info("startup probe failed \(failures) times; restarting the container", metadata: ["container": "\(container.name)"])
                await kill(container, process: process, grace: .seconds(probe.terminationGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30))
                return false
            }
            do { try await Task.sleep(for: min(Self.period(probe), .seconds(1))) } catch { return false }
        }
        return false
    }

    func probeReadiness(_ probe: Probe, container: Container, index: Int, uid: Int64, gid: Int64) async {
        if let delay = probe.initialDelaySeconds, delay > 0 { try? await Task.sleep(for: .seconds(Int64(delay))) }
        var successes = 0
        var failures = 0
        while !Task.isCancelled {
            let outcome = await runProbe(probe, container: container, uid: uid, gid: gid)
            guard !Task.isCancelled else { return }
            if outcome == .success {
                successes += 1
                failures = 0
                if successes >= Int(probe.successThreshold ?? 1), !report.containers[index].ready {
                    report.containers[index].ready = true
                    await publish()
                }
            } else {
                failures += 1
                successes = 0
                if failures >= Int(probe.failureThreshold ?? 3), report.containers[index].ready {
                    report.containers[index].ready = false
                    await publish()
                }
            }
            // Until ready, probe every second so readiness is noticed promptly after start.
            let pause = report.containers[index].ready ? Self.period(probe) : min(Self.period(probe), .seconds(1))
            do { try await Task.sleep(for: pause) } catch { return }
        }
    }

    func probeLiveness(_ probe: Probe, container: Container, index: Int, process: ChildProcess, uid: Int64, gid: Int64) async {
        if let delay = probe.initialDelaySeconds, delay > 0 { try? await Task.sleep(for: .seconds(Int64(delay))) }
        var failures = 0
        while !Task.isCancelled {
            do { try await Task.sleep(for: Self.period(probe)) } catch { return }
            let outcome = await runProbe(probe, container: container, uid: uid, gid: gid)
            guard !Task.isCancelled else { return }
            if case .failure(let message) = outcome {
                failures += 1
                if failures >= Int(probe.failureThreshold ?? 3) {
                    logger.info("liveness probe failed: \(message); restarting the container", metadata: ["container": "\(container.name)"])
                    await kill(container, process: process, grace: .seconds(probe.terminationGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30))
                    return
                }
            } else {
                failures = 0
            }
        }
    }

    // MARK: status

    /// Sends the status when it changed; concurrent callers coalesce into one more write.
    func publish() async {
        if publishing {
            publishAgain = true
            return
        }
        publishing = true
        defer { publishing = false }
        repeat {
            publishAgain = false
            report.stampConditions(now: Date())
            let status = report.json(now: Date())
            guard status != lastPublished else { continue }
            var patchStatus = status
            for (key, _) in lastPublished?.objectMembers ?? [] where status[key] == nil {
                patchStatus = patchStatus.setting(key, to: .null)
            }
            do {
                _ = try await context.client.patch(
                    .pods, namespace: namespace, name: name, .object([("status", patchStatus)]),
                    patchType: .merge, subresource: "status", fieldManager: nil)
                lastPublished = status
            } catch {
                logger.debug("cannot write pod status: \(error)")
                return
            }
        } while publishAgain
    }

    // MARK: termination

    /// Stops every container (SIGTERM, SIGKILL after `grace`) and the pod's loops, then removes its files.
    func terminate(grace: Duration) async {
        terminating = true
        lifecycle?.cancel()
        let running = processes.map { (container: $0.key, pid: $0.value.pid) }
        for process in processes.values { process.signal(SIGTERM) }
        if !(await waitForEnd(running, until: ContinuousClock.now.advanced(by: grace))) {
            for process in processes.values { process.signal(SIGKILL) }
        }
        // The container loops reap their processes and end (a container launched meanwhile is
        // killed as it starts).
        await lifecycle?.value
        await context.names.unsubscribe(subscription)
        try? FileManager.default.removeItem(at: directory)
        context.logs.removePod(namespace: namespace, pod: name, uid: uid)
    }

    var runningProcessIDs: [Int32] { processes.values.map(\.pid) }
}
