import Foundation

/// A volume out of space, as the operator sees it: the instance manager exits with
/// `walDiskFullExitCode` when PostgreSQL has no room for WAL (CNPG's code). Failing over would not
/// help (the other instances' volumes are as large) and a bigger volume does, so the Cluster is
/// reported short of disk space and failover is held off until the claims are resized.
public enum DiskSpace {
    public static let walDiskFullExitCode: Int64 = 4
    public static let phase = "Not enough disk space"
    public static let phaseReason =
        "Insufficient disk space detected in one or more pods is preventing PostgreSQL from running. "
        + "Please verify your storage settings. Further information inside .status.instancesReportedState"
    public static let conditionType = "DiskSpaceAvailable"
    public static let eventReason = "NotEnoughDiskSpace"

    /// Pods whose `postgres` container is not running ready and last ended for want of WAL space.
    public static func podsOutOfSpace(_ pods: [JSONValue]) -> [String] {
        pods.compactMap { pod -> String? in
            guard let name = pod["metadata"]?["name"]?.stringValue, !PodReadiness.isReady(pod),
                let statuses = pod["status"]?["containerStatuses"]?.arrayValue,
                let postgres = statuses.first(where: { $0["name"]?.stringValue == "postgres" })
            else { return nil }
            if postgres["state"]?["running"] != nil, postgres["ready"] == .bool(true) { return nil }
            let ended = [postgres["state"]?["terminated"], postgres["lastState"]?["terminated"]].compactMap { $0 }
            return ended.contains { $0["exitCode"]?.intValue == walDiskFullExitCode } ? name : nil
        }.sorted()
    }

    /// Pods out of space after this pass: those whose container says so now, and those seen out
    /// of space before that have not been Ready since. A restart that failed for another reason
    /// replaces the exit code 4 in the container's last state, and must not let a failover through.
    public static func stillOutOfSpace(remembered: Set<String>, detected: [String], pods: [JSONValue]) -> Set<String> {
        let notReady = Set(pods.filter { !PodReadiness.isReady($0) }.compactMap { $0["metadata"]?["name"]?.stringValue })
        return Set(detected).union(remembered.intersection(notReady))
    }

    /// Volumes of running instances with less than one WAL segment free, as `pod PG_DATA (n MiB of m MiB free)`:
    /// PostgreSQL still runs but writes fail (a full PGDATA) or it is about to stop (a full pg_wal).
    public static func volumesRunningOut(_ reports: [String: InstanceStatus], segmentBytes: Int64 = 16 << 20) -> [String] {
        reports.sorted { $0.key < $1.key }.flatMap { pod, report in
            (report.volumes ?? []).filter { $0.availableBytes < segmentBytes }.map { volume in
                "\(pod) \(volume.role) (\(volume.availableBytes >> 20) MiB of \(volume.totalBytes >> 20) MiB free)"
            }
        }
    }

    /// The condition after this pass: False while pods are stopped for want of space or volumes run
    /// out, True once neither (only written after a shortage was seen, so healthy Clusters keep
    /// CNPG's condition list).
    public static func condition(stopped: [String], runningOut: [String] = [], previous: Condition?, now: Date) -> JSONValue? {
        let short = !stopped.isEmpty || !runningOut.isEmpty
        guard short || previous != nil else { return nil }
        let status = short ? "False" : "True"
        var problems: [String] = []
        if !stopped.isEmpty {
            problems.append("No room for WAL on \(stopped.joined(separator: ", ")): PostgreSQL stays stopped until the volumes are resized")
        }
        if !runningOut.isEmpty { problems.append("Volumes running out of space: \(runningOut.joined(separator: ", "))") }
        return .object([
            ("type", .string(conditionType)), ("status", .string(status)),
            ("lastTransitionTime", .string(previous?.status == status ? previous!.lastTransitionTime : KubeTime.time(now))),
            ("reason", .string(short ? eventReason : "DiskSpaceAvailable")),
            ("message", .string(short ? problems.joined(separator: "; ") : "Every instance has room for WAL")),
        ])
    }
}
