import Foundation

extension ClusterValidation {
    static func validateBootstrap(_ cluster: Cluster) -> ValidationResult {
        var result = ValidationResult()
        guard let bootstrap = cluster.spec.bootstrap else { return result }
        let path = Self.spec.child("bootstrap")
        let methods = [bootstrap.initdb != nil, bootstrap.recovery != nil, bootstrap.pg_basebackup != nil].filter { $0 }.count
        if methods > 1 {
            result.add(.invalid(path, "{...}", "Too many bootstrap types specified"))
        }
        let externalNames = Set((cluster.spec.externalClusters ?? []).map(\.name))
        if let initdb = bootstrap.initdb { result.merge(validateInitDB(initdb, externalNames: externalNames, path: path.child("initdb"))) }
        if let recovery = bootstrap.recovery { result.merge(validateRecovery(recovery, cluster: cluster, path: path.child("recovery"))) }
        if let basebackup = bootstrap.pg_basebackup, !externalNames.contains(basebackup.source) {
            result.add(.invalid(path.child("pg_basebackup", "source"), basebackup.source, "external cluster not found in spec.externalClusters"))
        }
        return result
    }

    static func validateInitDB(_ initdb: BootstrapInitDB, externalNames: Set<String>, path: FieldPath) -> ValidationResult {
        var result = ValidationResult()
        let hasDatabase = !(initdb.database ?? "").isEmpty
        let hasOwner = !(initdb.owner ?? "").isEmpty
        if hasDatabase != hasOwner, initdb.import?.type != "monolith" {
            result.add(.invalid(path.child(hasDatabase ? "owner" : "database"), "", "database and owner must be set together"))
        }
        if let size = initdb.walSegmentSize {
            if size < 1 || size > 1024 || size & (size - 1) != 0 {
                result.add(.invalid(path.child("walSegmentSize"), size, "must be a power of 2 between 1 and 1024"))
            }
        }
        let provider = initdb.localeProvider ?? ""
        if initdb.icuLocale != nil, provider != "icu" {
            result.add(.forbidden(path.child("icuLocale"), "icuLocale can only be set when localeProvider is icu"))
        }
        if initdb.icuRules != nil, provider != "icu" {
            result.add(.forbidden(path.child("icuRules"), "icuRules can only be set when localeProvider is icu"))
        }
        if initdb.builtinLocale != nil, provider != "builtin" {
            result.add(.forbidden(path.child("builtinLocale"), "builtinLocale can only be set when localeProvider is builtin"))
        }
        if let refs = initdb.postInitApplicationSQLRefs {
            let refsPath = path.child("postInitApplicationSQLRefs")
            for (i, ref) in (refs.secretRefs ?? []).enumerated() {
                if ref.name.isEmpty { result.add(.required(refsPath.child("secretRefs").index(i).child("name"))) }
                if ref.key.isEmpty { result.add(.required(refsPath.child("secretRefs").index(i).child("key"))) }
            }
            for (i, ref) in (refs.configMapRefs ?? []).enumerated() {
                if ref.name.isEmpty { result.add(.required(refsPath.child("configMapRefs").index(i).child("name"))) }
                if ref.key.isEmpty { result.add(.required(refsPath.child("configMapRefs").index(i).child("key"))) }
            }
        }
        if let importSpec = initdb.import {
            let importPath = path.child("import")
            if !externalNames.contains(importSpec.source.externalCluster) {
                result.add(
                    .invalid(
                        importPath.child("source", "externalCluster"), importSpec.source.externalCluster, "external cluster not found in spec.externalClusters")
                )
            }
            switch importSpec.type {
            case "microservice":
                if importSpec.databases.count != 1 {
                    result.add(
                        .invalid(importPath.child("databases"), importSpec.databases.count, "the microservice import type requires exactly one database"))
                }
                if importSpec.databases.contains("*") {
                    result.add(.invalid(importPath.child("databases"), "*", "wildcards are not allowed with the microservice import type"))
                }
                if !(importSpec.roles ?? []).isEmpty {
                    result.add(.forbidden(importPath.child("roles"), "roles cannot be imported with the microservice import type"))
                }
            case "monolith":
                if importSpec.databases.isEmpty {
                    result.add(.required(importPath.child("databases"), "the monolith import type requires at least one database"))
                }
                if importSpec.databases.contains("*"), importSpec.databases.count > 1 {
                    result.add(.invalid(importPath.child("databases"), "*", "the wildcard cannot be combined with other database names"))
                }
                if let roles = importSpec.roles, roles.contains("*"), roles.count > 1 {
                    result.add(.invalid(importPath.child("roles"), "*", "the wildcard cannot be combined with other role names"))
                }
                if !(importSpec.postImportApplicationSQL ?? []).isEmpty {
                    result.add(.forbidden(importPath.child("postImportApplicationSQL"), "not allowed with the monolith import type"))
                }
            default:
                result.add(.notSupported(importPath.child("type"), importSpec.type, ["microservice", "monolith"]))
            }
        }
        return result
    }

    static func validateRecovery(_ recovery: BootstrapRecovery, cluster: Cluster, path: FieldPath) -> ValidationResult {
        var result = ValidationResult()
        if let source = recovery.source, !source.isEmpty {
            if let external = cluster.spec.externalClusters?.first(where: { $0.name == source }) {
                if external.connectionParameters == nil, external.barmanObjectStore == nil, external.plugin == nil {
                    result.add(.invalid(path.child("source"), source, "the external cluster needs connectionParameters, barmanObjectStore or plugin"))
                }
            } else {
                result.add(.invalid(path.child("source"), source, "external cluster not found in spec.externalClusters"))
            }
        }
        if let snapshots = recovery.volumeSnapshots {
            let snapshotsPath = path.child("volumeSnapshots")
            if recovery.backup != nil {
                result.add(.forbidden(snapshotsPath, "cannot be used together with backup"))
            }
            if recovery.recoveryTarget?.backupID != nil {
                result.add(.forbidden(path.child("recoveryTarget", "backupID"), "cannot be used together with volumeSnapshots"))
            }
            var references: [(FieldPath, TypedLocalObjectReference)] = [(snapshotsPath.child("storage"), snapshots.storage)]
            if let wal = snapshots.walStorage { references.append((snapshotsPath.child("walStorage"), wal)) }
            for (name, ref) in (snapshots.tablespaceStorage ?? [:]).sorted(by: { $0.key < $1.key }) {
                references.append((snapshotsPath.child("tablespaceStorage").key(name), ref))
            }
            for (refPath, ref) in references {
                let isSnapshot = ref.kind == "VolumeSnapshot" && ref.apiGroup == "snapshot.storage.k8s.io"
                let isPVC = ref.kind == "PersistentVolumeClaim" && (ref.apiGroup ?? "").isEmpty
                if !isSnapshot, !isPVC {
                    result.add(.invalid(refPath, ref.kind, "only snapshot.storage.k8s.io/VolumeSnapshot and PersistentVolumeClaim are supported"))
                }
            }
            if snapshots.walStorage != nil, cluster.spec.walStorage == nil {
                result.add(.invalid(snapshotsPath.child("walStorage"), snapshots.walStorage!.name, "requires spec.walStorage"))
            }
        }
        if let target = recovery.recoveryTarget {
            result.add(validateRecoveryTarget(target, usesSnapshots: recovery.volumeSnapshots != nil, path: path.child("recoveryTarget")))
        }
        return result
    }

    static func validateRecoveryTarget(_ target: RecoveryTarget, usesSnapshots: Bool, path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let setTargets = [
            target.targetImmediate == true, target.targetLSN != nil, target.targetName != nil,
            target.targetXID != nil, target.targetTime != nil,
        ].filter { $0 }.count
        if setTargets > 1 {
            errors.append(.invalid(path, "{...}", "recoveryTarget allows at most one of targetImmediate, targetLSN, targetName, targetXID, targetTime"))
        }
        if let tli = target.targetTLI, tli != "latest", (Int(tli) ?? 0) < 1 {
            errors.append(.invalid(path.child("targetTLI"), tli, "must be 'latest' or a positive integer"))
        }
        if let xid = target.targetXID, UInt32(xid) == nil {
            errors.append(.invalid(path.child("targetXID"), xid, "must be a transaction ID (an unsigned 32-bit integer)"))
        }
        if let name = target.targetName, name.utf8.count >= 64 || name.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            errors.append(.invalid(path.child("targetName"), name, "must be shorter than 64 bytes and contain no control characters"))
        }
        if let lsn = target.targetLSN, LSN(lsn) == nil {
            errors.append(.invalid(path.child("targetLSN"), lsn, "must be a valid LSN such as 0/3000000"))
        }
        if let time = target.targetTime, !isRecoveryTime(time) {
            errors.append(.invalid(path.child("targetTime"), time, "must be an RFC 3339 or PostgreSQL timestamp"))
        }
        let needsBackupID = target.targetName != nil || target.targetXID != nil || target.targetImmediate == true
        if needsBackupID, !usesSnapshots, (target.backupID ?? "").isEmpty {
            errors.append(.required(path.child("backupID"), "required when recovering to a named, XID or immediate target"))
        }
        return errors
    }

    static func isRecoveryTime(_ text: String) -> Bool {
        let datePart = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
        let timePart = "[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?"
        let zone = "(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?"
        return text.matches("^\(datePart)([Tt ]\(timePart)\\s?\(zone))?$")
    }

    static func validateReplica(_ cluster: Cluster, isCreate: Bool) -> ValidationResult {
        var result = ValidationResult()
        guard let replica = cluster.spec.replica else { return result }
        let path = Self.spec.child("replica")
        let externalNames = Set((cluster.spec.externalClusters ?? []).map(\.name))
        if replica.enabled != nil, !(replica.primary ?? "").isEmpty {
            result.add(.forbidden(path.child("enabled"), "replica.enabled and replica.primary are mutually exclusive"))
        }
        if !externalNames.contains(replica.source) {
            result.add(.invalid(path.child("source"), replica.source, "external cluster not found in spec.externalClusters"))
        }
        let clusterName = cluster.metadata.name ?? ""
        for (field, value) in [("self", replica.`self`), ("primary", replica.primary)] {
            if let value, !value.isEmpty, value != clusterName, !externalNames.contains(value) {
                result.add(.invalid(path.child(field), value, "must be the name of this cluster or of an external cluster"))
            }
        }
        if isCreate, cluster.isReplicaCluster, cluster.spec.bootstrap?.pg_basebackup == nil, cluster.spec.bootstrap?.recovery == nil {
            result.add(.invalid(Self.spec.child("bootstrap"), "initdb", "replica mode requires bootstrap from pg_basebackup or recovery"))
        }
        if let token = replica.promotionToken, !token.isEmpty {
            if cluster.isReplicaCluster {
                result.add(.forbidden(path.child("promotionToken"), "promotionToken is only allowed when the cluster is not a replica"))
            }
            if replica.minApplyDelay != nil {
                result.add(.forbidden(path.child("promotionToken"), "promotionToken cannot be used together with minApplyDelay"))
            }
            if !PromotionToken.isValid(token) {
                result.add(.invalid(path.child("promotionToken"), "<token>", "the promotion token is not a valid base64 JSON pg_controldata token"))
            }
        }
        if let delay = replica.minApplyDelay, GoDuration.seconds(delay) == nil {
            result.add(.invalid(path.child("minApplyDelay"), delay, "must be a duration such as 30s, 5m or 1h"))
        }
        return result
    }
}

/// Go-style durations (`1h30m`, `45s`, `500ms`) as CNPG's API accepts them.
public enum GoDuration {
    public static func seconds(_ text: String) -> Double? {
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        if rest == "0" { return 0 }
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            total += value * unit.1
            rest = rest.dropFirst(unit.0.count)
        }
        return total
    }
}

/// CNPG promotion tokens: base64 of a JSON object produced from pg_controldata.
enum PromotionToken {
    static func isValid(_ token: String) -> Bool {
        guard let data = Data(base64Encoded: token), let json = try? JSONText.parse(Array(data)) else { return false }
        return json.objectMembers != nil
    }
}
