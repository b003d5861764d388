import CNPGCore

/// The READY, STATUS and RESTARTS columns of `kubectl get pods`, computed as kubectl's printer does.
struct PodSummary {
    var ready: String
    var status: String
    var restarts: Int

    init(_ pod: JSONValue) {
        let statuses: [JSONValue] = {
            if case .array(let list)? = pod["status"]?["containerStatuses"] { return list }
            return []
        }()
        let initStatuses: [JSONValue] = {
            if case .array(let list)? = pod["status"]?["initContainerStatuses"] { return list }
            return []
        }()
        let containerCount: Int = {
            if case .array(let list)? = pod["spec"]?["containers"] { return list.count }
            return 0
        }()
        let readyCount = statuses.filter { $0["ready"] == .bool(true) }.count
        ready = "\(readyCount)/\(containerCount)"
        restarts = (statuses + initStatuses).reduce(0) { total, status in
            if case .int(let count)? = status["restartCount"] { return total + Int(count) }
            return total
        }
        var status = pod["status"]?["reason"]?.stringValue ?? pod["status"]?["phase"]?.stringValue ?? "Pending"
        var initializing = false
        for (index, container) in initStatuses.enumerated() {
            if case .int(let code)? = container["state"]?["terminated"]?["exitCode"], code == 0 { continue }
            initializing = true
            if let reason = container["state"]?["terminated"]?["reason"]?.stringValue {
                status = "Init:\(reason)"
            } else if let reason = container["state"]?["waiting"]?["reason"]?.stringValue, reason != "PodInitializing" {
                status = "Init:\(reason)"
            } else {
                status = "Init:\(index)/\(initStatuses.count)"
            }
            break
        }
        if !initializing {
            for container in statuses.reversed() {
                if let reason = container["state"]?["waiting"]?["reason"]?.stringValue {
                    status = reason
                } else if let reason = container["state"]?["terminated"]?["reason"]?.stringValue {
                    status = reason
                }
            }
        }
        if pod["metadata"]?["deletionTimestamp"] != nil { status = "Terminating" }
        self.status = status
    }
}
