import Foundation

/// What exists for a Cluster's instances: its pods, jobs and PVCs (objects labelled `cnpg.io/cluster`).
public struct ObservedInstances: Sendable {
    public var clusterName: String
    public var pods: [JSONValue]
    public var jobs: [JSONValue]
    /// The instances' PVCs, without those being deleted or detached (`kubectl cnpg destroy`):
    /// their instance is gone, and a new one gets a new serial.
    public var claims: [JSONValue]
    /// Every PVC of the Cluster by name, with whether it is being deleted (`MissingStorage`).
    public var claimsBeingDeleted: [String: Bool]

    public init(clusterName: String, pods: [JSONValue], jobs: [JSONValue], claims: [JSONValue]) {
        self.clusterName = clusterName
        self.pods = pods
        self.jobs = jobs
        self.claimsBeingDeleted = Dictionary(
            claims.map { (Self.name($0), $0["metadata"]?["deletionTimestamp"] != nil) }, uniquingKeysWith: { first, _ in first })
        self.claims = claims.filter { claim in
            claim["metadata"]?["deletionTimestamp"] == nil
                && claim["metadata"]?["annotations"]?["cnpg.io/pvcStatus"]?.stringValue != "detached"
        }
    }

    /// `<cluster>-<serial>` -> serial; nil for other names.
    public func serial(of name: String) -> Int? {
        let prefix = clusterName + "-"
        guard name.hasPrefix(prefix) else { return nil }
        return Int(name.dropFirst(prefix.count))
    }

    public static func name(_ object: JSONValue) -> String { object["metadata"]?["name"]?.stringValue ?? "" }

    /// The instance an object belongs to (label `cnpg.io/instanceName`).
    static func instance(_ object: JSONValue) -> String? { object["metadata"]?["labels"]?[CNPGLabels.instanceName]?.stringValue }

    /// Instance pods (label `cnpg.io/podRole=instance`, not job pods) that are not terminal and not being deleted.
    public var activePods: [JSONValue] {
        pods.filter { pod in
            let phase = pod["status"]?["phase"]?.stringValue
            return pod["metadata"]?["labels"]?[CNPGLabels.podRole]?.stringValue == "instance"
                && pod["metadata"]?["deletionTimestamp"] == nil && phase != "Succeeded" && phase != "Failed"
        }
    }

    public var readyPodNames: Set<String> { Set(activePods.filter(PodReadiness.isReady).map(Self.name)) }

    /// Serials that have data: a data PVC (named exactly like the instance) or a pod.
    public var serials: [Int] {
        let fromClaims = claims.compactMap { claim -> Int? in
            let name = Self.name(claim)
            guard Self.instance(claim) == name else { return nil }
            return serial(of: name)
        }
        let fromPods = activePods.compactMap { serial(of: Self.name($0)) }
        return Array(Set(fromClaims + fromPods)).sorted()
    }

    public func pod(serial: Int) -> JSONValue? { activePods.first { Self.name($0) == "\(clusterName)-\(serial)" } }

    public func dataClaim(serial: Int) -> JSONValue? { claims.first { Self.name($0) == "\(clusterName)-\(serial)" } }

    /// The instance's data is in place, so its pod can be created: its data claim is marked ready,
    /// or its bootstrap job (initdb, join, ...) succeeded.
    public func isBuilt(serial: Int) -> Bool {
        dataClaim(serial: serial)?["metadata"]?["annotations"]?["cnpg.io/pvcStatus"]?.stringValue == "ready"
            || jobs(serial: serial).contains { Self.state(of: $0) == .succeeded }
    }

    /// The PVCs of one instance (data, WAL, tablespaces), by their `cnpg.io/instanceName` label.
    public func claims(of instance: String) -> [JSONValue] { claims.filter { Self.instance($0) == instance } }

    /// Jobs of one instance (initdb, join, ...).
    public func jobs(serial: Int) -> [JSONValue] { jobs.filter { Self.instance($0) == "\(clusterName)-\(serial)" } }

    public enum JobState: Equatable { case running, succeeded, failed }

    public static func state(of job: JSONValue) -> JobState {
        if case .array(let conditions)? = job["status"]?["conditions"] {
            for condition in conditions where condition["status"]?.stringValue == "True" {
                if condition["type"]?.stringValue == "Complete" { return .succeeded }
                if condition["type"]?.stringValue == "Failed" { return .failed }
            }
        }
        return .running
    }
}
