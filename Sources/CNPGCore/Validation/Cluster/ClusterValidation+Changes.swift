extension ClusterValidation {
    /// Rules that compare the old and new object on UPDATE.
    static func validateChanges(old: Cluster, new: Cluster) -> ValidationResult {
        var result = ValidationResult()
        if (old.spec.postgresUID ?? 26) != (new.spec.postgresUID ?? 26) {
            result.add(.invalid(Self.spec.child("postgresUID"), new.spec.postgresUID ?? 26, "field is immutable"))
        }
        if (old.spec.postgresGID ?? 26) != (new.spec.postgresGID ?? 26) {
            result.add(.invalid(Self.spec.child("postgresGID"), new.spec.postgresGID ?? 26, "field is immutable"))
        }
        if (old.spec.serviceAccountName ?? "") != (new.spec.serviceAccountName ?? "") {
            result.add(.invalid(Self.spec.child("serviceAccountName"), new.spec.serviceAccountName ?? "", "field is immutable"))
        }
        result.add(storageChange(old: old.spec.storage, new: new.spec.storage, path: Self.spec.child("storage")))
        if old.spec.walStorage != nil, new.spec.walStorage == nil {
            result.add(.forbidden(Self.spec.child("walStorage"), "walStorage cannot be removed once set"))
        } else if old.spec.walStorage != nil {
            result.add(storageChange(old: old.spec.walStorage, new: new.spec.walStorage, path: Self.spec.child("walStorage")))
        }
        let newTablespaces = new.spec.tablespaces ?? []
        for tablespace in old.spec.tablespaces ?? [] {
            guard let index = newTablespaces.firstIndex(where: { $0.name == tablespace.name }) else {
                result.add(.forbidden(Self.spec.child("tablespaces"), "tablespace \(tablespace.name) cannot be removed"))
                continue
            }
            result.add(
                storageChange(
                    old: tablespace.storage, new: newTablespaces[index].storage,
                    path: Self.spec.child("tablespaces").index(index).child("storage")))
        }
        let oldWalLevel = old.spec.postgresql?.parameters?["wal_level"] ?? "logical"
        let newWalLevel = new.spec.postgresql?.parameters?["wal_level"] ?? "logical"
        if newWalLevel == "minimal", oldWalLevel != "minimal" {
            result.add(
                .invalid(Self.spec.child("postgresql", "parameters").key("wal_level"), newWalLevel, "cannot change wal_level to minimal on an existing cluster")
            )
        }
        result.merge(imageChange(old: old, new: new))
        if old.spec.replicationSlots?.highAvailability?.enabled != false {
            let oldHA = old.spec.replicationSlots?.highAvailability
            let newHA = new.spec.replicationSlots?.highAvailability
            if oldHA != nil, newHA == nil {
                result.add(.forbidden(Self.spec.child("replicationSlots", "highAvailability"), "cannot be removed while high availability slots are enabled"))
            } else if let oldPrefix = oldHA?.slotPrefix, let newPrefix = newHA?.slotPrefix, oldPrefix != newPrefix, newHA?.enabled != false {
                result.add(
                    .invalid(
                        Self.spec.child("replicationSlots", "highAvailability", "slotPrefix"), newPrefix,
                        "cannot change the slot prefix while high availability slots are enabled"))
            }
        }
        if old.spec.replicationSlots?.synchronizeReplicas?.enabled == true, new.spec.replicationSlots?.synchronizeReplicas == nil {
            result.add(.forbidden(Self.spec.child("replicationSlots", "synchronizeReplicas"), "cannot be removed while enabled"))
        }
        if old.status?.switchReplicaClusterStatus?.inProgress == true, old.isReplicaCluster != new.isReplicaCluster {
            result.add(.forbidden(Self.spec.child("replica"), "cannot toggle replica mode while a replica cluster switch is in progress"))
        }
        return result
    }

    static func storageChange(old: StorageConfiguration?, new: StorageConfiguration?, path: FieldPath) -> [FieldError] {
        guard let oldSize = storageSize(old), let newSize = storageSize(new) else { return [] }
        if newSize < oldSize {
            return [.invalid(path.child("size"), newSize.text, "can't shrink existing storage from \(oldSize.text) to \(newSize.text)")]
        }
        return []
    }

    static func imageChange(old: Cluster, new: Cluster) -> ValidationResult {
        var result = ValidationResult()
        guard let newImage = new.spec.imageName, let oldImage = old.spec.imageName, newImage != oldImage,
            case .success(let newMajor) = ImageReference.postgresMajorVersion(of: newImage)
        else { return result }
        let currentMajor: Int? =
            old.status?.pgDataImageInfo?.majorVersion
            ?? (try? ImageReference.postgresMajorVersion(of: oldImage).get())
        if let currentMajor {
            if newMajor < currentMajor {
                result.add(
                    .invalid(Self.spec.child("imageName"), newImage, "cannot downgrade the PostgreSQL major version from \(currentMajor) to \(newMajor)"))
            } else if newMajor > currentMajor, newMajor < 16 {
                result.add(.invalid(Self.spec.child("imageName"), newImage, "major version upgrades are supported only to PostgreSQL 16 or later"))
            }
        }
        if new.spec.primaryUpdateMethod == "switchover", old.spec.postgresql?.parameters != new.spec.postgresql?.parameters {
            result.add(
                .forbidden(
                    Self.spec.child("imageName"),
                    "with primaryUpdateMethod switchover, the image and the PostgreSQL parameters cannot change in the same update"))
        }
        return result
    }
}
