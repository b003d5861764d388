/// CNPG's validating webhook for Clusters: every rule, all errors at once.
public enum ClusterValidation {
    static let spec = FieldPath("spec")

    /// Validates a (defaulted) cluster on CREATE.
    public static func validate(_ cluster: Cluster) -> ValidationResult {
        validateSpec(cluster, isCreate: true)
    }

    static func validateSpec(_ cluster: Cluster, isCreate: Bool) -> ValidationResult {
        var result = ValidationResult()
        result.add(CommonValidation.objectName(cluster.metadata.name, maxLength: 50))
        result.merge(validateAnnotations(cluster))
        result.merge(validateImage(cluster.spec))
        result.merge(validateInstancesAndSync(cluster))
        result.merge(validatePostgresConfiguration(cluster))
        result.merge(validateBootstrap(cluster))
        result.merge(validateReplica(cluster, isCreate: isCreate))
        result.merge(validateStorage(cluster.spec))
        result.merge(validateResources(cluster.spec))
        result.merge(validateScheduling(cluster.spec))
        result.merge(validateBackup(cluster.spec))
        result.merge(validateExternalClusters(cluster.spec))
        result.merge(validateManaged(cluster))
        result.merge(validateMiscellaneous(cluster))
        result.merge(warnings(cluster))
        return result
    }

    /// Validates an UPDATE: the spec rules on the new object plus what may not change from the old one.
    public static func validateUpdate(old: Cluster, new: Cluster) -> ValidationResult {
        var result = validateSpec(new, isCreate: false)
        result.merge(validateChanges(old: old, new: new))
        return result
    }

    private static func validateAnnotations(_ cluster: Cluster) -> ValidationResult {
        var result = ValidationResult()
        let annotations = FieldPath("metadata").child("annotations")
        if let hibernation = cluster.metadata.annotation(CNPGAnnotations.hibernation), !["on", "off"].contains(hibernation) {
            result.add(.invalid(annotations.key(CNPGAnnotations.hibernation), hibernation, "must be \"on\" or \"off\""))
        }
        if let quorum = cluster.metadata.annotation(CNPGAnnotations.failoverQuorum) {
            if let enabled = Bool(quorum.lowercased()) {
                if enabled, cluster.spec.postgresql?.synchronous == nil {
                    result.add(
                        .invalid(
                            annotations.key(CNPGAnnotations.failoverQuorum), quorum,
                            "failover quorum requires synchronous replication (spec.postgresql.synchronous)"))
                }
            } else {
                result.add(.invalid(annotations.key(CNPGAnnotations.failoverQuorum), quorum, "must be a boolean"))
            }
        }
        if let pinger = cluster.metadata.annotation(CNPGAnnotations.livenessPinger), ClusterDefaulting.parseLivenessPinger(pinger) == nil {
            result.add(.invalid(annotations.key(CNPGAnnotations.livenessPinger), pinger, "must be a JSON object containing the \"enabled\" boolean"))
        }
        if let patch = cluster.metadata.annotation(CNPGAnnotations.podPatch) {
            let parsed = try? JSONText.parse(patch)
            let isPatch: Bool
            if case .array(let operations)? = parsed {
                isPatch = operations.allSatisfy { operation in
                    guard let op = operation["op"]?.stringValue, operation["path"]?.stringValue != nil else { return false }
                    return ["add", "remove", "replace", "move", "copy", "test"].contains(op)
                }
            } else {
                isPatch = false
            }
            if !isPatch {
                result.add(.invalid(annotations.key(CNPGAnnotations.podPatch), "<patch>", "must be a JSON patch (an array of operations with op and path)"))
            }
        }
        return result
    }

    private static func validateImage(_ spec: ClusterSpec) -> ValidationResult {
        var result = ValidationResult()
        let imageName = spec.imageName ?? ""
        if !imageName.isEmpty, spec.imageCatalogRef != nil {
            result.add(.invalid(Self.spec.child("imageCatalogRef"), spec.imageCatalogRef!.name, "imageName and imageCatalogRef are mutually exclusive"))
        }
        if let catalog = spec.imageCatalogRef {
            let path = Self.spec.child("imageCatalogRef")
            if !["ImageCatalog", "ClusterImageCatalog"].contains(catalog.kind) {
                result.add(.notSupported(path.child("kind"), catalog.kind, ["ImageCatalog", "ClusterImageCatalog"]))
            }
            if catalog.apiGroup != CNPG.group {
                result.add(.invalid(path.child("apiGroup"), catalog.apiGroup ?? "", "only the \(CNPG.group) API group is supported"))
            }
        }
        if !imageName.isEmpty {
            switch ImageReference.postgresMajorVersion(of: imageName) {
            case .success(let major):
                if major < 13 {
                    result.add(
                        .invalid(Self.spec.child("imageName"), imageName, "unsupported PostgreSQL version \(major): the minimum supported major version is 13"))
                }
            case .failure(let reason):
                result.add(.invalid(Self.spec.child("imageName"), imageName, reason.message))
            }
        }
        if let policy = spec.imagePullPolicy, !policy.isEmpty, !["Always", "Never", "IfNotPresent"].contains(policy) {
            result.add(.notSupported(Self.spec.child("imagePullPolicy"), policy, ["Always", "Never", "IfNotPresent"]))
        }
        return result
    }

    private static func validateInstancesAndSync(_ cluster: Cluster) -> ValidationResult {
        var result = ValidationResult()
        let spec = cluster.spec
        let instances = spec.instances ?? 1
        let minSync = spec.minSyncReplicas ?? 0
        let maxSync = spec.maxSyncReplicas ?? 0
        if minSync < 0 { result.add(.invalid(Self.spec.child("minSyncReplicas"), minSync, "cannot be negative")) }
        if maxSync < 0 { result.add(.invalid(Self.spec.child("maxSyncReplicas"), maxSync, "cannot be negative")) }
        if minSync > maxSync {
            result.add(.invalid(Self.spec.child("minSyncReplicas"), minSync, "cannot be greater than maxSyncReplicas"))
        }
        if maxSync > 0, maxSync >= instances {
            result.add(.invalid(Self.spec.child("maxSyncReplicas"), maxSync, "maxSyncReplicas must be lower than the number of instances"))
        }
        let synchronous = spec.postgresql?.synchronous
        if synchronous != nil, minSync > 0 || maxSync > 0 {
            result.add(.forbidden(Self.spec.child("postgresql", "synchronous"), "cannot be used together with minSyncReplicas and maxSyncReplicas"))
        }
        if spec.primaryUpdateStrategy == "supervised", instances == 1 {
            result.add(
                .invalid(
                    Self.spec.child("primaryUpdateStrategy"), "supervised", "supervised update strategy is not allowed for clusters with a single instance"))
        }
        if let synchronous {
            let path = Self.spec.child("postgresql", "synchronous")
            let pre = synchronous.standbyNamesPre?.count ?? 0
            let post = synchronous.standbyNamesPost?.count ?? 0
            if synchronous.number >= instances + pre + post {
                result.add(
                    .invalid(
                        path.child("number"), synchronous.number,
                        "synchronous number must be less than the total number of instances and the provided standby names"))
            }
            if synchronous.dataDurability == "preferred", pre + post > 0 {
                result.add(.forbidden(path, "standbyNamesPre and standbyNamesPost cannot be set when dataDurability is \"preferred\""))
            }
            if synchronous.failoverQuorum == true, synchronous.number <= pre + post {
                result.add(
                    .invalid(
                        path.child("number"), synchronous.number,
                        "failover quorum requires number to be greater than the number of standbyNamesPre and standbyNamesPost entries"))
            }
            if !(synchronous.podFailureDomainKeys ?? []).isEmpty, !(synchronous.nodeFailureDomainKeys ?? []).isEmpty {
                result.add(.forbidden(path, "podFailureDomainKeys and nodeFailureDomainKeys are mutually exclusive"))
            }
            let hasFailureDomains = !(synchronous.podFailureDomainKeys ?? []).isEmpty || !(synchronous.nodeFailureDomainKeys ?? []).isEmpty
            if hasFailureDomains, cluster.spec.postgresql?.syncReplicaElectionConstraint != nil {
                result.add(
                    .forbidden(Self.spec.child("postgresql", "syncReplicaElectionConstraint"), "cannot be used together with synchronous failure domain keys"))
            }
        }
        if let constraint = spec.postgresql?.syncReplicaElectionConstraint, constraint.enabled, (constraint.nodeLabelsAntiAffinity ?? []).isEmpty {
            result.add(
                .invalid(
                    Self.spec.child("postgresql", "syncReplicaElectionConstraint", "nodeLabelsAntiAffinity"), "[]",
                    "at least one node label is required when the constraint is enabled"))
        }
        return result
    }
}
