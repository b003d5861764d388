/// Volumes and mounts shared by instance pods and jobs.
public enum InstanceVolumes {
    public static let pgDataMount = "/var/lib/postgresql/data"
    public static let pgData = "/var/lib/postgresql/data/pgdata"
    public static let walMount = "/var/lib/postgresql/wal"
    public static let pgWal = "/var/lib/postgresql/wal/pg_wal"
    public static let tablespacesMount = "/var/lib/postgresql/tablespaces"
    public static let serviceAccountMount = "/var/run/secrets/kubernetes.io/serviceaccount"

    public static func volumes(for cluster: Cluster, instance: String) -> [Volume] {
        var volumes: [Volume] = []
        var pgdata = Volume(name: "pgdata")
        pgdata.persistentVolumeClaim = PersistentVolumeClaimVolumeSource(claimName: instance)
        volumes.append(pgdata)
        var scratch = Volume(name: "scratch-data")
        if let ephemeral = cluster.spec.ephemeralVolumeSource {
            scratch.ephemeral = ephemeral
        } else {
            scratch.emptyDir = EmptyDirVolumeSource(sizeLimit: cluster.spec.ephemeralVolumesSizeLimit?.temporaryData)
        }
        volumes.append(scratch)
        var shm = Volume(name: "shm")
        shm.emptyDir = EmptyDirVolumeSource(medium: "Memory", sizeLimit: cluster.spec.ephemeralVolumesSizeLimit?.shm)
        volumes.append(shm)
        if cluster.spec.walStorage != nil {
            var wal = Volume(name: "pg-wal")
            wal.persistentVolumeClaim = PersistentVolumeClaimVolumeSource(claimName: "\(instance)-wal")
            volumes.append(wal)
        }
        for tablespace in (cluster.spec.tablespaces ?? []).sorted(by: { $0.name < $1.name }) {
            let sanitized = ClusterValidation.sanitizedTablespaceName(tablespace.name)
            var volume = Volume(name: "tbs-\(sanitized)")
            volume.persistentVolumeClaim = PersistentVolumeClaimVolumeSource(claimName: "\(instance)-tbs-\(sanitized)")
            volumes.append(volume)
        }
        if let projected = cluster.spec.projectedVolumeTemplate {
            var volume = Volume(name: "projected")
            volume.projected = projected
            volumes.append(volume)
        }
        volumes.append(serviceAccountTokenVolume())
        return volumes
    }

    /// The hand-built service account volume (pods set automountServiceAccountToken: false).
    static func serviceAccountTokenVolume() -> Volume {
        var volume = Volume(name: "kube-api-access")
        var token = VolumeProjection()
        token.serviceAccountToken = ServiceAccountTokenProjection(path: "token", expirationSeconds: 3607)
        var ca = VolumeProjection()
        ca.configMap = ConfigMapProjection(name: "kube-root-ca.crt", items: [KeyToPath(key: "ca.crt", path: "ca.crt")])
        var namespace = VolumeProjection()
        namespace.downwardAPI = DownwardAPIProjection(items: [
            DownwardAPIVolumeFile(path: "namespace", fieldRef: ObjectFieldSelector(apiVersion: "v1", fieldPath: "metadata.namespace"))
        ])
        volume.projected = ProjectedVolumeSource(sources: [token, ca, namespace], defaultMode: 0o644)
        return volume
    }

    /// Mounts of the postgres container (and job containers); the init container omits the token.
    public static func mounts(for cluster: Cluster, includeServiceAccount: Bool) -> [VolumeMount] {
        var mounts = [
            VolumeMount(name: "pgdata", mountPath: pgDataMount),
            VolumeMount(name: "scratch-data", mountPath: "/run"),
            VolumeMount(name: "scratch-data", mountPath: "/controller"),
            VolumeMount(name: "shm", mountPath: "/dev/shm"),
        ]
        if cluster.spec.walStorage != nil { mounts.append(VolumeMount(name: "pg-wal", mountPath: walMount)) }
        for tablespace in (cluster.spec.tablespaces ?? []).sorted(by: { $0.name < $1.name }) {
            mounts.append(
                VolumeMount(
                    name: "tbs-\(ClusterValidation.sanitizedTablespaceName(tablespace.name))",
                    mountPath: "\(tablespacesMount)/\(tablespace.name)"))
        }
        if cluster.spec.projectedVolumeTemplate != nil { mounts.append(VolumeMount(name: "projected", mountPath: "/projected")) }
        if includeServiceAccount { mounts.append(VolumeMount(name: "kube-api-access", mountPath: serviceAccountMount, readOnly: true)) }
        return mounts
    }

    /// Environment of the postgres and job containers, in CNPG's order.
    public static func environment(for cluster: Cluster, podName: String) -> [EnvVar] {
        [
            EnvVar(name: "PGDATA", value: pgData),
            EnvVar(name: "POD_NAME", value: podName),
            EnvVar(name: "NAMESPACE", value: cluster.metadata.namespace ?? "default"),
            EnvVar(name: "CLUSTER_NAME", value: cluster.metadata.name ?? ""),
            EnvVar(name: "PSQL_HISTORY", value: "/controller/tmp/.psql_history"),
            EnvVar(name: "PGPORT", value: "5432"),
            EnvVar(name: "PGHOST", value: "/controller/run"),
            EnvVar(name: "TMPDIR", value: "/controller/tmp"),
        ] + (cluster.spec.env ?? [])
    }
}
