import Foundation

/// Volume claims an instance needs and does not have: being deleted (a running pod keeps its
/// claims until it stops, through the `kubernetes.io/pvc-protection` finalizer) or gone. PostgreSQL
/// cannot start without its volumes, so rather than a pod left Pending without a word the Cluster
/// names the claim (condition and Warning event), and an instance other than the primary that is
/// not running and lacks a claim is removed, so that a new replica replaces it (a primary that
/// lost its storage is failed over first, then replaced the same way). Running instances are left
/// alone: a claim being deleted under a running pod stays until that pod stops.
public enum MissingStorage {
    public static let conditionType = "PersistentVolumeClaimsAvailable"
    public static let eventReason = "MissingPVC"

    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public var instance: String
        public var claim: String
        /// True while the claim is being deleted (its pod still holds it); false once it is gone.
        public var beingDeleted: Bool

        public init(instance: String, claim: String, beingDeleted: Bool) {
            self.instance = instance
            self.claim = claim
            self.beingDeleted = beingDeleted
        }

        public var description: String { "\(instance): PVC \(claim) \(beingDeleted ? "is being deleted" : "not found")" }
    }

    /// For each instance, the claims its pod mounts (or, for a built instance without a pod, the
    /// claims the pod it would get mounts: `desiredClaims`) that are being deleted or missing. An
    /// instance still being built (its job not done) is left to the planner, which creates its claims.
    public static func problems(observed: ObservedInstances, desiredClaims: (Int) -> [String]) -> [Problem] {
        observed.serials.flatMap { serial -> [Problem] in
            let instance = "\(observed.clusterName)-\(serial)"
            let needed: [String]
            if let pod = observed.pod(serial: serial) {
                needed = claimNames(of: pod)
            } else if observed.isBuilt(serial: serial) {
                needed = desiredClaims(serial)
            } else {
                return []
            }
            return needed.compactMap { claim in
                switch observed.claimsBeingDeleted[claim] {
                case false?: return nil
                case true?: return Problem(instance: instance, claim: claim, beingDeleted: true)
                case nil: return Problem(instance: instance, claim: claim, beingDeleted: false)
                }
            }
        }
    }

    /// The PVCs a pod mounts.
    public static func claimNames(of pod: JSONValue) -> [String] {
        (pod["spec"]?["volumes"]?.arrayValue ?? []).compactMap { $0["persistentVolumeClaim"]?["claimName"]?.stringValue }
    }

    /// The first instance to replace: not the primary (current or target), not running ready, and
    /// lacking a claim (gone, or being deleted: it goes as soon as nothing mounts it). Its pod,
    /// jobs and remaining claims go; a new replica takes its place.
    public static func instanceToReplace(_ problems: [Problem], observed: ObservedInstances, primaries: Set<String>) -> Int? {
        let ready = observed.readyPodNames
        return problems.filter { !primaries.contains($0.instance) && !ready.contains($0.instance) }
            .compactMap { observed.serial(of: $0.instance) }.min()
    }

    public static func message(_ problems: [Problem]) -> String {
        problems.map(\.description).joined(separator: "; ")
            + ". PostgreSQL cannot start without its volumes: a replica lacking one is replaced by a new replica, a primary is failed over first"
    }

    /// The condition after this pass: False while claims are missing or being deleted, True once
    /// none is (only written after a problem was seen, so healthy Clusters keep CNPG's conditions).
    public static func condition(_ problems: [Problem], previous: Condition?, now: Date) -> JSONValue? {
        guard !problems.isEmpty || previous != nil else { return nil }
        let status = problems.isEmpty ? "True" : "False"
        return .object([
            ("type", .string(conditionType)), ("status", .string(status)),
            ("lastTransitionTime", .string(previous?.status == status ? previous!.lastTransitionTime : KubeTime.time(now))),
            ("reason", .string(problems.isEmpty ? "PersistentVolumeClaimsAvailable" : eventReason)),
            (
                "message",
                .string(
                    problems.isEmpty ? "Every instance has its PVCs" : message(problems))
            ),
        ])
    }
}
