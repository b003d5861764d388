import CNPGCore
import Foundation
import Logging

/// Runs Jobs as the job controller does for `completions: 1`: one pod at a time from the template,
/// a new pod after each failure up to `backoffLimit`, then `Complete` or `Failed`.
actor JobController {
    let client: LoopbackKubeClient
    let logger: Logger
    /// Per job: how many failures were seen and when the last one was, for the retry back-off.
    var failuresSeen: [String: (count: Int, at: ContinuousClock.Instant)] = [:]
    /// First delay before a failed job's next pod, doubled per failure (the job controller's 10 s,
    /// shortened for the sandbox).
    let retryBackoff: Duration = .seconds(1)
    var retriesScheduled: Set<String> = []

    init(client: LoopbackKubeClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// What the job's pods add up to.
    struct Tally: Equatable {
        var active = 0
        var ready = 0
        var succeeded = 0
        var failed = 0
    }

    static func tally(_ pods: [JSONValue]) -> Tally {
        var tally = Tally()
        for pod in pods {
            switch pod["status"]?["phase"]?.stringValue {
            case "Succeeded": tally.succeeded += 1
            case "Failed": tally.failed += 1
            default:
                guard pod["metadata"]?["deletionTimestamp"] == nil else { continue }
                tally.active += 1
                if PodReadiness.isReady(pod) { tally.ready += 1 }
            }
        }
        return tally
    }

    func reconcile(_ job: JSONValue) async {
        guard let namespace = job["metadata"]?["namespace"]?.stringValue, let name = job["metadata"]?["name"]?.stringValue,
            let uid = job["metadata"]?["uid"]?.stringValue, job["metadata"]?["deletionTimestamp"] == nil
        else { return }
        if case .array(let conditions)? = job["status"]?["conditions"],
            conditions.contains(where: { ["Complete", "Failed"].contains($0["type"]?.stringValue ?? "") && $0["status"]?.stringValue == "True" })
        {
            return
        }
        guard let pods = try? await client.list(.pods, namespace: namespace, labelSelector: "batch.kubernetes.io/controller-uid=\(uid)", fieldSelector: nil)
        else { return }
        let tally = Self.tally(pods.items)
        var completions = 1
        if case .int(let value)? = job["spec"]?["completions"] { completions = Int(value) }
        var backoffLimit = 6
        if case .int(let value)? = job["spec"]?["backoffLimit"] { backoffLimit = Int(value) }
        let now = ObjectStore.timestamp(Date())
        var status: [(String, JSONValue)] = [("startTime", job["status"]?["startTime"] ?? .string(now))]
        var conditions: [JSONValue] = []
        var create = false
        if tally.succeeded >= completions {
            for type in ["SuccessCriteriaMet", "Complete"] {
                conditions.append(
                    .object([
                        ("type", .string(type)), ("status", .string("True")), ("reason", .string("CompletionsReached")),
                        ("message", .string("Reached expected number of succeeded pods")),
                        ("lastProbeTime", .string(now)), ("lastTransitionTime", .string(now)),
                    ]))
            }
            status.append(("completionTime", .string(now)))
        } else if tally.failed > backoffLimit {
            for type in ["FailureTarget", "Failed"] {
                conditions.append(
                    .object([
                        ("type", .string(type)), ("status", .string("True")), ("reason", .string("BackoffLimitExceeded")),
                        ("message", .string("Job has reached the specified backoff limit")),
                        ("lastProbeTime", .string(now)), ("lastTransitionTime", .string(now)),
                    ]))
            }
        } else if tally.active == 0 {
            create = readyToRetry(uid: uid, failed: tally.failed, namespace: namespace, name: name)
        }
        if create { await createPod(for: job, namespace: namespace, name: name, uid: uid) }
        if !conditions.isEmpty { failuresSeen[uid] = nil }
        status += [
            ("active", .int(Int64(create ? 1 : (conditions.isEmpty ? tally.active : 0)))), ("ready", .int(Int64(tally.ready))),
            ("succeeded", .int(Int64(tally.succeeded))), ("failed", .int(Int64(tally.failed))), ("terminating", .int(0)),
        ]
        if !conditions.isEmpty { status.append(("conditions", .array(conditions))) }
        let next = JSONValue.object(status)
        let previous = job["status"] ?? .object([])
        let comparable = { (value: JSONValue) in
            ["active", "ready", "succeeded", "failed", "conditions"].map { value[$0] ?? .null }
        }
        guard comparable(next) != comparable(previous) || previous["startTime"] == nil else { return }
        do {
            _ = try await client.patch(
                .jobs, namespace: namespace, name: name, .object([("status", next)]), patchType: .merge,
                subresource: "status", fieldManager: nil)
        } catch {
            logger.debug("cannot write job status \(namespace)/\(name): \(error)")
        }
    }

    /// After a failure the next pod waits 1 s, 2 s, 4 s ... (at most 60 s); a later reconcile is scheduled.
    func readyToRetry(uid: String, failed: Int, namespace: String, name: String) -> Bool {
        guard failed > 0 else { return true }
        let now = ContinuousClock.now
        if failuresSeen[uid]?.count != failed { failuresSeen[uid] = (failed, now) }
        var delay = retryBackoff
        for _ in 1..<min(failed, 7) { delay = delay * 2 }
        let due = failuresSeen[uid]!.at.advanced(by: min(delay, .seconds(60)))
        guard now < due else { return true }
        guard retriesScheduled.insert(uid).inserted else { return false }
        let client = self.client
        Task {
            try? await Task.sleep(until: due)
            self.retryDone(uid)
            if let job = try? await client.get(.jobs, namespace: namespace, name: name) { await self.reconcile(job) }
        }
        return false
    }

    func retryDone(_ uid: String) { retriesScheduled.remove(uid) }

    func createPod(for job: JSONValue, namespace: String, name: String, uid: String) async {
        let pod = PodTemplate.pod(
            from: job["spec"]?["template"] ?? .object([]), generateName: "\(name)-", namespace: namespace,
            labels: [
                ("batch.kubernetes.io/controller-uid", uid), ("batch.kubernetes.io/job-name", name),
                ("controller-uid", uid), ("job-name", name),
            ],
            ownerAPIVersion: "batch/v1", ownerKind: "Job", ownerName: name, ownerUID: uid)
        do {
            _ = try await client.create(.pods, namespace: namespace, pod)
        } catch {
            logger.warning("cannot create a pod for job \(namespace)/\(name): \(error)")
        }
    }
}
