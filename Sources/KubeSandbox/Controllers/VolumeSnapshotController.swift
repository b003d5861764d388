import CNPGCore
import Foundation
import Logging

/// The snapshot controller and CSI driver of the sandbox's volumes: a VolumeSnapshot of a bound
/// PVC becomes a copy of its directory (`cp -a`, ownership and modes kept) under
/// `volume-snapshots/<content>`, with a VolumeSnapshotContent bound to it and the snapshot marked
/// ready; deleting the snapshot deletes the content (policy Delete) and the copy. PVCs restore
/// from a ready snapshot through `VolumeClaimBinder`.
struct VolumeSnapshotController: Sendable {
    let client: LoopbackKubeClient
    let volumes: PersistentVolumePaths
    let logger: Logger

    /// Installs the snapshot CRDs and the default class (as installing external-snapshotter does).
    func install() async {
        for definition in VolumeSnapshotDefinitions.customResourceDefinitions() {
            _ = try? await client.create(.customResourceDefinitions, namespace: nil, definition)
        }
        _ = try? await client.create(.volumeSnapshotClasses, namespace: nil, VolumeSnapshotDefinitions.defaultClass())
    }

    static func contentName(snapshotUID: String) -> String { "snapcontent-\(snapshotUID)" }

    func reconcile(_ event: JSONValue) async {
        guard let namespace = event["metadata"]?["namespace"]?.stringValue, let name = event["metadata"]?["name"]?.stringValue,
            event["status"]?["readyToUse"] != .bool(true)
        else { return }
        // The event may be older than the snapshot's state (our own spec patch queues one before the
        // status patch): act on the stored object, and never cut a snapshot twice.
        guard let snapshot = try? await client.get(.volumeSnapshots, namespace: namespace, name: name),
            let uid = snapshot["metadata"]?["uid"]?.stringValue, snapshot["metadata"]?["deletionTimestamp"] == nil,
            snapshot["status"]?["readyToUse"] != .bool(true), snapshot["status"]?["boundVolumeSnapshotContentName"] == nil,
            (try? await client.get(.volumeSnapshotContents, namespace: nil, name: Self.contentName(snapshotUID: uid))) == nil
        else { return }
        do {
            try await take(snapshot, namespace: namespace, name: name, uid: uid)
        } catch let problem as Problem {
            await report(namespace: namespace, name: name, error: problem.description)
        } catch {
            logger.debug("volume snapshot \(namespace)/\(name): \(error)")
        }
    }

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    private func take(_ snapshot: JSONValue, namespace: String, name: String, uid: String) async throws {
        guard let claimName = snapshot["spec"]?["source"]?["persistentVolumeClaimName"]?.stringValue else {
            throw Problem(description: "only snapshots of a PersistentVolumeClaim (spec.source.persistentVolumeClaimName) are supported")
        }
        let className = try await snapshotClass(named: snapshot["spec"]?["volumeSnapshotClassName"]?.stringValue)
        let claim: JSONValue
        do { claim = try await client.get(.persistentVolumeClaims, namespace: namespace, name: claimName) } catch let error as KubeAPIError
            where error.isNotFound
        {
            throw Problem(description: "failed to take snapshot: persistentvolumeclaim \"\(claimName)\" not found")
        }
        guard claim["status"]?["phase"]?.stringValue == "Bound", let claimUID = claim["metadata"]?["uid"]?.stringValue else {
            throw Problem(description: "the source PVC \(claimName) is not bound yet")
        }
        let contentName = Self.contentName(snapshotUID: uid)
        let cutAt = Date()
        let copy = volumes.snapshotDirectory(content: contentName)
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        let source = volumes.directory(namespace: namespace, claim: claimName, uid: claimUID)
        if let failure = try await PersistentVolumePaths.copyContents(of: source, into: copy) {
            try? FileManager.default.removeItem(at: copy)
            throw Problem(description: "failed to copy the volume of \(claimName): \(failure)")
        }
        let size = claim["status"]?["capacity"]?["storage"]?.stringValue ?? claim["spec"]?["resources"]?["requests"]?["storage"]?.stringValue ?? "0"
        let bytes = (try? Quantity(size)).map { Int64(truncating: NSDecimalNumber(decimal: $0.value)) } ?? 0
        let created = KubeTime.time(cutAt)
        let content: JSONValue = .object([
            ("apiVersion", .string("snapshot.storage.k8s.io/v1")), ("kind", .string("VolumeSnapshotContent")),
            ("metadata", .object([("name", .string(contentName))])),
            (
                "spec",
                .object([
                    ("deletionPolicy", .string(try await deletionPolicy(ofClass: className))),
                    ("driver", .string(VolumeSnapshotDefinitions.driver)),
                    ("source", .object([("volumeHandle", .string(claim["spec"]?["volumeName"]?.stringValue ?? "pvc-\(claimUID)"))])),
                    ("volumeSnapshotClassName", .string(className)),
                    (
                        "volumeSnapshotRef",
                        .object([
                            ("apiVersion", .string("snapshot.storage.k8s.io/v1")), ("kind", .string("VolumeSnapshot")),
                            ("name", .string(name)), ("namespace", .string(namespace)), ("uid", .string(uid)),
                        ])
                    ),
                ])
            ),
        ])
        do {
            _ = try await client.create(.volumeSnapshotContents, namespace: nil, content)
        } catch let error as KubeAPIError where error.code == 409 {}
        let nanoseconds = Int64(cutAt.timeIntervalSince1970 * 1_000_000_000)
        _ = try await client.patch(
            .volumeSnapshotContents, namespace: nil, name: contentName,
            .object([
                (
                    "status",
                    .object([
                        ("snapshotHandle", .string(contentName)), ("creationTime", .int(nanoseconds)), ("readyToUse", .bool(true)),
                        ("restoreSize", .int(bytes)),
                    ])
                )
            ]), patchType: .merge, subresource: "status", fieldManager: nil)
        _ = try await client.patch(
            .volumeSnapshots, namespace: namespace, name: name,
            .object([
                (
                    "status",
                    .object([
                        ("boundVolumeSnapshotContentName", .string(contentName)), ("creationTime", .string(created)),
                        ("readyToUse", .bool(true)), ("restoreSize", .string(size)), ("error", .null),
                    ])
                )
            ]), patchType: .merge, subresource: "status", fieldManager: nil)
        if snapshot["spec"]?["volumeSnapshotClassName"] == nil {
            _ = try await client.patch(
                .volumeSnapshots, namespace: namespace, name: name,
                .object([("spec", .object([("volumeSnapshotClassName", .string(className))]))]),
                patchType: .merge, subresource: nil, fieldManager: nil)
        }
        logger.info("volume snapshot taken", metadata: ["snapshot": "\(namespace)/\(name)", "pvc": "\(claimName)", "content": "\(contentName)"])
        // Claims waiting to be restored from this snapshot can bind now.
        for waiting in (try? await client.list(.persistentVolumeClaims, namespace: namespace, labelSelector: nil, fieldSelector: nil).items) ?? []
        where VolumeClaimBinder.snapshotSource(of: waiting) == name && waiting["status"]?["phase"]?.stringValue != "Bound" {
            await VolumeClaimBinder.handle(.resync(waiting), client: client, paths: volumes, logger: logger)
        }
    }

    /// The class named, or the default one (annotated as such) when none is.
    private func snapshotClass(named name: String?) async throws -> String {
        if let name {
            guard (try? await client.get(.volumeSnapshotClasses, namespace: nil, name: name)) != nil else {
                throw Problem(
                    description: "failed to get input parameters to create snapshot: volumesnapshotclass.snapshot.storage.k8s.io \"\(name)\" not found")
            }
            return name
        }
        let classes = (try? await client.list(.volumeSnapshotClasses, namespace: nil, labelSelector: nil, fieldSelector: nil).items) ?? []
        guard let chosen = classes.first(where: { $0["metadata"]?["annotations"]?[VolumeSnapshotDefinitions.defaultClassAnnotation]?.stringValue == "true" }),
            let chosenName = chosen["metadata"]?["name"]?.stringValue
        else {
            throw Problem(description: "cannot find default snapshot class")
        }
        return chosenName
    }

    private func deletionPolicy(ofClass name: String) async throws -> String {
        let object = try await client.get(.volumeSnapshotClasses, namespace: nil, name: name)
        return object["deletionPolicy"]?.stringValue ?? "Delete"
    }

    private func report(namespace: String, name: String, error message: String) async {
        let current = try? await client.get(.volumeSnapshots, namespace: namespace, name: name)
        guard current?["status"]?["error"]?["message"]?.stringValue != message else { return }
        logger.info("volume snapshot not taken", metadata: ["snapshot": "\(namespace)/\(name)", "reason": "\(message)"])
        _ = try? await client.patch(
            .volumeSnapshots, namespace: namespace, name: name,
            .object([
                (
                    "status",
                    .object([
                        ("readyToUse", .bool(false)),
                        ("error", .object([("message", .string(message)), ("time", .string(KubeTime.time(Date())))])),
                    ])
                )
            ]), patchType: .merge, subresource: "status", fieldManager: nil)
    }

    /// A deleted snapshot takes its content with it when the content's policy is Delete.
    func snapshotDeleted(_ snapshot: JSONValue) async {
        guard let uid = snapshot["metadata"]?["uid"]?.stringValue else { return }
        let contentName = snapshot["status"]?["boundVolumeSnapshotContentName"]?.stringValue ?? Self.contentName(snapshotUID: uid)
        guard let content = try? await client.get(.volumeSnapshotContents, namespace: nil, name: contentName),
            content["spec"]?["deletionPolicy"]?.stringValue != "Retain"
        else { return }
        try? await client.delete(.volumeSnapshotContents, namespace: nil, name: contentName, propagation: .background)
    }

    func contentDeleted(_ content: JSONValue) {
        guard let name = content["metadata"]?["name"]?.stringValue else { return }
        try? FileManager.default.removeItem(at: volumes.snapshotDirectory(content: name))
    }
}
