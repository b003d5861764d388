import CNPGCore
import Foundation

/// What the API server's defaulting and ServiceAccount admission add to a new pod: the default
/// service account, restart policy and grace period, and the `kube-api-access-*` token volume
/// mounted in every container unless `automountServiceAccountToken` is false.
enum PodAdmission {
    static let tokenMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"

    static func admit(_ pod: JSONValue, suffix: String = ObjectStore.randomSuffix()) -> JSONValue {
        var spec = pod["spec"] ?? .object([])
        let account = spec["serviceAccountName"]?.stringValue ?? spec["serviceAccount"]?.stringValue ?? "default"
        spec = spec.setting("serviceAccountName", to: .string(account)).setting("serviceAccount", to: .string(account))
        if spec["restartPolicy"] == nil { spec = spec.setting("restartPolicy", to: .string("Always")) }
        if spec["terminationGracePeriodSeconds"] == nil { spec = spec.setting("terminationGracePeriodSeconds", to: .int(30)) }
        if spec["schedulerName"] == nil { spec = spec.setting("schedulerName", to: .string("default-scheduler")) }
        if spec["automountServiceAccountToken"] != .bool(false), !mountsToken(spec) {
            let volumeName = "kube-api-access-\(suffix)"
            var volumes: [JSONValue] = []
            if case .array(let existing)? = spec["volumes"] { volumes = existing }
            volumes.append(tokenVolume(named: volumeName))
            spec = spec.setting("volumes", to: .array(volumes))
            for key in ["initContainers", "containers"] {
                guard case .array(let containers)? = spec[key] else { continue }
                spec = spec.setting(
                    key,
                    to: .array(
                        containers.map { container in
                            var mounts: [JSONValue] = []
                            if case .array(let existing)? = container["volumeMounts"] { mounts = existing }
                            mounts.append(.object([("name", .string(volumeName)), ("readOnly", .bool(true)), ("mountPath", .string(tokenMountPath))]))
                            return container.setting("volumeMounts", to: .array(mounts))
                        }))
            }
        }
        return pod.setting("spec", to: spec)
    }

    static func mountsToken(_ spec: JSONValue) -> Bool {
        ["initContainers", "containers"].contains { key in
            guard case .array(let containers)? = spec[key] else { return false }
            return containers.contains { container in
                guard case .array(let mounts)? = container["volumeMounts"] else { return false }
                return mounts.contains { $0["mountPath"]?.stringValue == tokenMountPath }
            }
        }
    }

    static func tokenVolume(named name: String) -> JSONValue {
        .object([
            ("name", .string(name)),
            (
                "projected",
                .object([
                    ("defaultMode", .int(420)),
                    (
                        "sources",
                        .array([
                            .object([("serviceAccountToken", .object([("expirationSeconds", .int(3607)), ("path", .string("token"))]))]),
                            .object([
                                (
                                    "configMap",
                                    .object([
                                        ("name", .string("kube-root-ca.crt")),
                                        ("items", .array([.object([("key", .string("ca.crt")), ("path", .string("ca.crt"))])])),
                                    ])
                                )
                            ]),
                            .object([
                                (
                                    "downwardAPI",
                                    .object([
                                        (
                                            "items",
                                            .array([
                                                .object([
                                                    ("path", .string("namespace")),
                                                    ("fieldRef", .object([("apiVersion", .string("v1")), ("fieldPath", .string("metadata.namespace"))])),
                                                ])
                                            ])
                                        )
                                    ])
                                )
                            ]),
                        ])
                    ),
                ])
            ),
        ])
    }
}
