/// PersistentVolumeClaims of an instance: `<i>` (PG_DATA), `<i>-wal` (PG_WAL), `<i>-tbs-<name>`.
public enum PVCBuilder {
    public enum Role: String, Sendable { case data = "PG_DATA", wal = "PG_WAL", tablespace = "PG_TABLESPACE" }

    public struct MissingSize: Error, CustomStringConvertible, Sendable {
        public let field: String
        public var description: String { "\(field): the storage size is required" }
    }

    public static func claims(for cluster: Cluster, serial: Int) throws -> [PersistentVolumeClaim] {
        let instance = "\(cluster.metadata.name ?? "")-\(serial)"
        var claims = [try claim(for: cluster, serial: serial, name: instance, role: .data, storage: cluster.spec.storage ?? StorageConfiguration(), field: "spec.storage")]
        if let wal = cluster.spec.walStorage {
            claims.append(try claim(for: cluster, serial: serial, name: "\(instance)-wal", role: .wal, storage: wal, field: "spec.walStorage"))
        }
        for (index, tablespace) in (cluster.spec.tablespaces ?? []).enumerated().sorted(by: { $0.element.name < $1.element.name }) {
            let sanitized = ClusterValidation.sanitizedTablespaceName(tablespace.name)
            claims.append(try claim(for: cluster, serial: serial, name: "\(instance)-tbs-\(sanitized)", role: .tablespace,
                                    storage: tablespace.storage, field: "spec.tablespaces[\(index)].storage", tablespace: tablespace.name))
        }
        return claims
    }

    static func claim(for cluster: Cluster, serial: Int, name: String, role: Role, storage: StorageConfiguration,
                      field: String, tablespace: String? = nil) throws -> PersistentVolumeClaim {
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
        let metadata = ClusterObjectMetadata.make(for: cluster, name: name, labels: labels, annotations: [
            "cnpg.io/nodeSerial": String(serial), "cnpg.io/pvcStatus": role == .data ? "initializing" : "ready",
        ])
        return PersistentVolumeClaim(metadata: metadata, spec: spec)
    }
}
