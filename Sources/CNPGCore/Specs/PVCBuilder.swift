/// PersistentVolumeClaims of an instance: `<i>` (PG_DATA), `<i>-wal` (PG_WAL), `<i>-tbs-<name>`.
public enum PVCBuilder {
    public enum Role: String, Sendable {
        case data = "PG_DATA"
        case wal = "PG_WAL"
        case tablespace = "PG_TABLESPACE"
    }

    public struct MissingSize: Error, CustomStringConvertible, Sendable {
        public let field: String
        public var description: String { "\(field): the storage size is required" }
    }

    /// `restoringFrom` (`bootstrap.recovery.volumeSnapshots`, for the first instance) makes each
    /// claim start from its snapshot or PVC (`dataSource`).
    public static func claims(for cluster: Cluster, serial: Int, restoringFrom sources: DataSource? = nil) throws -> [PersistentVolumeClaim] {
        let instance = "\(cluster.metadata.name ?? "")-\(serial)"
        var data = try claim(
            for: cluster, serial: serial, name: instance, role: .data, storage: cluster.spec.storage ?? StorageConfiguration(), field: "spec.storage")
        data.spec?.dataSource = sources?.storage
        var claims = [data]
        if let walStorage = cluster.spec.walStorage {
            var wal = try claim(for: cluster, serial: serial, name: "\(instance)-wal", role: .wal, storage: walStorage, field: "spec.walStorage")
            wal.spec?.dataSource = sources?.walStorage
            claims.append(wal)
        }
        for (index, tablespace) in (cluster.spec.tablespaces ?? []).enumerated().sorted(by: { $0.element.name < $1.element.name }) {
            let sanitized = ClusterValidation.sanitizedTablespaceName(tablespace.name)
            var volume = try claim(
                for: cluster, serial: serial, name: "\(instance)-tbs-\(sanitized)", role: .tablespace,
                storage: tablespace.storage, field: "spec.tablespaces[\(index)].storage", tablespace: tablespace.name)
            volume.spec?.dataSource = sources?.tablespaceStorage?[tablespace.name]
            claims.append(volume)
        }
        return claims
    }

    static func claim(
        for cluster: Cluster, serial: Int, name: String, role: Role, storage: StorageConfiguration,
        field: String, tablespace: String? = nil
    ) throws -> PersistentVolumeClaim {
        var spec = storage.pvcTemplate ?? PersistentVolumeClaimSpec()
        if let storageClass = storage.storageClass { spec.storageClassName = storageClass }
        if let size = storage.size, let quantity = try? Quantity(size) {
            var resources = spec.resources ?? VolumeResourceRequirements()
            var requests = resources.requests ?? [:]
            requests["storage"] = quantity
            resources.requests = requests
            spec.resources = resources
        }
        guard let requested = spec.resources?.requests?["storage"], !requested.isZero else { throw MissingSize(field: field) }
        if (spec.accessModes ?? []).isEmpty { spec.accessModes = ["ReadWriteOnce"] }
        var labels = [
            CNPGLabels.instanceName: "\(cluster.metadata.name ?? "")-\(serial)", CNPGLabels.pvcRole: role.rawValue,
            CNPGLabels.appName: CNPGLabels.appNameValue, CNPGLabels.appComponent: "database",
        ]
        if let tablespace { labels[CNPGLabels.tablespaceName] = tablespace }
        let metadata = ClusterObjectMetadata.make(
            for: cluster, name: name, labels: labels,
            annotations: [
                "cnpg.io/nodeSerial": String(serial), "cnpg.io/pvcStatus": role == .data ? "initializing" : "ready",
            ])
        return PersistentVolumeClaim(metadata: metadata, spec: spec)
    }
}

extension PVCBuilder {
    /// A claim to grow to the size its storage section now asks for.
    public struct Expansion: Equatable, Sendable {
        public let claim: String
        public let size: Quantity
    }

    /// The claims whose storage section asks for more than they request (spec.storage,
    /// walStorage or a tablespace grew), unless `resizeInUseVolumes` is off for that section.
    /// Claims are never shrunk: admission refuses a smaller size, and Kubernetes would too.
    public static func expansions(for cluster: Cluster, claims: [JSONValue]) -> [Expansion] {
        claims.compactMap { claim -> Expansion? in
            guard let name = claim["metadata"]?["name"]?.stringValue, claim["metadata"]?["deletionTimestamp"] == nil,
                let serialText = claim["metadata"]?["annotations"]?["cnpg.io/nodeSerial"]?.stringValue, let serial = Int(serialText),
                let current = claim["spec"]?["resources"]?["requests"]?["storage"]?.stringValue.flatMap({ try? Quantity($0) }),
                let wanted = try? Self.claims(for: cluster, serial: serial).first(where: { $0.metadata.name == name }),
                let size = wanted.spec?.resources?.requests?["storage"], size > current,
                storage(for: claim, cluster: cluster)?.resizeInUseVolumes != false
            else { return nil }
            return Expansion(claim: name, size: size)
        }.sorted { $0.claim < $1.claim }
    }

    static func storage(for claim: JSONValue, cluster: Cluster) -> StorageConfiguration? {
        switch claim["metadata"]?["labels"]?[CNPGLabels.pvcRole]?.stringValue {
        case Role.data.rawValue: return cluster.spec.storage
        case Role.wal.rawValue: return cluster.spec.walStorage
        case Role.tablespace.rawValue:
            let tablespace = claim["metadata"]?["labels"]?[CNPGLabels.tablespaceName]?.stringValue
            return cluster.spec.tablespaces?.first { $0.name == tablespace }?.storage
        default: return nil
        }
    }
}
