import CNPGCore
import Foundation

/// What the kubelet knows about one container, and its `ContainerStatus` JSON.
struct ContainerRecord: Sendable, Equatable {
    enum State: Sendable, Equatable {
        case waiting(reason: String, message: String?)
        case running(startedAt: Date)
        case terminated(exitCode: Int32, signal: Int32?, reason: String, startedAt: Date?, finishedAt: Date)

        var json: JSONValue {
            switch self {
            case .waiting(let reason, let message):
                var fields: [(String, JSONValue)] = [("reason", .string(reason))]
                if let message { fields.append(("message", .string(message))) }
                return .object([("waiting", .object(fields))])
            case .running(let startedAt):
                return .object([("running", .object([("startedAt", .string(ObjectStore.timestamp(startedAt)))]))])
            case .terminated(let exitCode, let signal, let reason, let startedAt, let finishedAt):
                var fields: [(String, JSONValue)] = [("exitCode", .int(Int64(exitCode)))]
                if let signal { fields.append(("signal", .int(Int64(signal)))) }
                fields.append(("reason", .string(reason)))
                if let startedAt { fields.append(("startedAt", .string(ObjectStore.timestamp(startedAt)))) }
                fields.append(("finishedAt", .string(ObjectStore.timestamp(finishedAt))))
                return .object([("terminated", .object(fields))])
            }
        }
    }

    var name: String
    var image: String
    var state: State = .waiting(reason: "ContainerCreating", message: nil)
    var lastState: State?
    var restartCount = 0
    var ready = false
    var started = false
    var processID: Int32?

    var isRunning: Bool {
        if case .running = state { return true }
        return false
    }

    var exitCode: Int32? {
        if case .terminated(let code, _, _, _, _) = state { return code }
        return nil
    }

    var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("name", .string(name)), ("image", .string(image)), ("imageID", .string("sandbox://\(image)")),
        ]
        if let processID { fields.append(("containerID", .string("sandbox://\(processID)"))) }
        fields += [
            ("ready", .bool(ready)), ("started", .bool(started)), ("restartCount", .int(Int64(restartCount))),
            ("state", state.json), ("lastState", lastState?.json ?? .object([])),
        ]
        return .object(fields)
    }
}

/// A pod's `status`, computed from its container records; condition transition times are kept
/// from the previous report while a condition's status does not change.
struct PodStatusReport: Sendable, Equatable {
    enum Phase: String, Sendable {
        case pending = "Pending"
        case running = "Running"
        case succeeded = "Succeeded"
        case failed = "Failed"
    }

    var phase: Phase = .pending
    var podIP: String?
    var hostIP = "127.0.0.1"
    var startTime: Date
    var initContainers: [ContainerRecord] = []
    var containers: [ContainerRecord] = []
    var initialized = false
    var reason: String?
    var message: String?
    var qosClass = "BestEffort"
    var conditionTimes: [String: (status: Bool, time: Date)] = [:]

    static func == (lhs: PodStatusReport, rhs: PodStatusReport) -> Bool {
        lhs.json(now: lhs.startTime) == rhs.json(now: rhs.startTime)
    }

    var containersReady: Bool { !containers.isEmpty && containers.allSatisfy(\.ready) }

    /// Records the conditions' current values, stamping the ones that changed with `now`.
    mutating func stampConditions(now: Date) {
        let values: [(String, Bool)] = [
            ("PodReadyToStartContainers", podIP != nil), ("Initialized", initialized),
            ("Ready", containersReady && phase == .running), ("ContainersReady", containersReady),
            ("PodScheduled", true),
        ]
        for (type, value) in values where conditionTimes[type]?.status != value {
            conditionTimes[type] = (value, now)
        }
    }

    func json(now: Date) -> JSONValue {
        var fields: [(String, JSONValue)] = [("phase", .string(phase.rawValue))]
        let conditions: [JSONValue] = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].compactMap { type in
            guard let entry = conditionTimes[type] else { return nil }
            var condition: [(String, JSONValue)] = [
                ("type", .string(type)), ("status", .string(entry.status ? "True" : "False")),
                ("lastProbeTime", .null), ("lastTransitionTime", .string(ObjectStore.timestamp(entry.time))),
            ]
            if !entry.status, type == "Ready" || type == "ContainersReady" {
                let unready = containers.filter { !$0.ready }.map(\.name)
                condition.append(("reason", .string("ContainersNotReady")))
                condition.append(("message", .string("containers with unready status: [\(unready.joined(separator: " "))]")))
            }
            return .object(condition)
        }
        fields.append(("conditions", .array(conditions)))
        if let reason { fields.append(("reason", .string(reason))) }
        if let message { fields.append(("message", .string(message))) }
        fields += [("hostIP", .string(hostIP)), ("hostIPs", .array([.object([("ip", .string(hostIP))])]))]
        if let podIP { fields += [("podIP", .string(podIP)), ("podIPs", .array([.object([("ip", .string(podIP))])]))] }
        fields.append(("startTime", .string(ObjectStore.timestamp(startTime))))
        if !initContainers.isEmpty { fields.append(("initContainerStatuses", .array(initContainers.map(\.json)))) }
        fields.append(("containerStatuses", .array(containers.map(\.json))))
        fields.append(("qosClass", .string(qosClass)))
        return .object(fields)
    }

    /// Kubernetes' QoS class: Guaranteed when every container's CPU and memory limits equal its
    /// requests, BestEffort when nothing is requested or limited, else Burstable.
    static func qosClass(of containers: [Container]) -> String {
        var anything = false
        var guaranteed = true
        for container in containers {
            let requests = container.resources?.requests ?? [:]
            let limits = container.resources?.limits ?? [:]
            if !requests.isEmpty || !limits.isEmpty { anything = true }
            for resource in ["cpu", "memory"] {
                guard let limit = limits[resource] else {
                    guaranteed = false
                    continue
                }
                if let request = requests[resource], request != limit { guaranteed = false }
            }
        }
        if !anything { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
