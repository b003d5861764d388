import Foundation

extension ClusterValidation {
    static func validateStorage(_ spec: ClusterSpec) -> ValidationResult {
        var result = ValidationResult()
        result.merge(validateStorageConfiguration(spec.storage ?? StorageConfiguration(), path: Self.spec.child("storage")))
        if let wal = spec.walStorage {
            result.merge(validateStorageConfiguration(wal, path: Self.spec.child("walStorage")))
        }
        if spec.ephemeralVolumeSource != nil, spec.ephemeralVolumesSizeLimit?.temporaryData != nil {
            result.add(.forbidden(Self.spec.child("ephemeralVolumeSource"), "cannot be used together with ephemeralVolumesSizeLimit.temporaryData"))
        }
        var names: Set<String> = []
        var volumeNames: Set<String> = []
        for (i, tablespace) in (spec.tablespaces ?? []).enumerated() {
            let path = Self.spec.child("tablespaces").index(i)
            let name = tablespace.name
            if !names.insert(name.lowercased()).inserted { result.add(.duplicate(path.child("name"), name)) }
            if !name.matches("^[a-zA-Z_][a-zA-Z0-9_$]*$") {
                result.add(
                    .invalid(path.child("name"), name, "tablespace names must start with a letter or underscore and contain only letters, digits, _ and $"))
            }
            if name.lowercased().hasPrefix("pg_") {
                result.add(.invalid(path.child("name"), name, "tablespace names cannot start with pg_"))
            }
            if name.utf8.count > 63 { result.add(FieldError(.tooLong, path.child("name"), value: "\"\(name)\"", "may not be more than 63 bytes")) }
            if !volumeNames.insert(sanitizedTablespaceName(name)).inserted {
                result.add(.invalid(path.child("name"), name, "the generated volume name collides with another tablespace"))
            }
            result.merge(validateStorageConfiguration(tablespace.storage, path: path.child("storage")))
        }
        return result
    }

    /// Tablespace object-name sanitisation: leading `_` -> `1`, `$` -> `-`, `_` -> `-`, lower-cased.
    public static func sanitizedTablespaceName(_ name: String) -> String {
        var text = name
        if text.hasPrefix("_") { text = "1" + text.dropFirst() }
        return text.replacingOccurrences(of: "$", with: "-").replacingOccurrences(of: "_", with: "-").lowercased()
    }

    static func validateStorageConfiguration(_ storage: StorageConfiguration, path: FieldPath) -> ValidationResult {
        var result = ValidationResult()
        let templateSize = storage.pvcTemplate?.resources?.requests?["storage"]
        if let size = storage.size, !size.isEmpty {
            if let parsed = try? Quantity(size) {
                if parsed.isZero { result.add(.invalid(path.child("size"), size, "the storage size must be greater than zero")) }
            } else {
                result.add(.invalid(path.child("size"), size, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"))
            }
        } else if templateSize == nil {
            result.add(.required(path.child("size"), "the storage size is required (here or in pvcTemplate.resources.requests.storage)"))
        }
        return result
    }

    static func storageSize(_ storage: StorageConfiguration?) -> Quantity? {
        if let size = storage?.size, let parsed = try? Quantity(size) { return parsed }
        return storage?.pvcTemplate?.resources?.requests?["storage"]
    }

    static func validateResources(_ spec: ClusterSpec) -> ValidationResult {
        var result = ValidationResult()
        guard let resources = spec.resources else { return result }
        let path = Self.spec.child("resources")
        let requests = resources.requests ?? [:]
        let limits = resources.limits ?? [:]
        for name in ["cpu", "memory", "ephemeral-storage"] {
            if let request = requests[name], let limit = limits[name], request > limit {
                result.add(
                    .invalid(path.child("requests").key(name), request.text, "the \(name) request must be less than or equal to the limit (\(limit.text))"))
            }
        }
        let hugepageNames = Set(requests.keys.filter { $0.hasPrefix("hugepages-") } + limits.keys.filter { $0.hasPrefix("hugepages-") })
        for name in hugepageNames.sorted() {
            if let request = requests[name], limits[name] != request {
                result.add(.invalid(path.child("requests").key(name), request.text, "hugepages requests must equal their limits"))
            }
        }
        if !hugepageNames.isEmpty, requests["cpu"] == nil, requests["memory"] == nil, limits["cpu"] == nil, limits["memory"] == nil {
            result.add(.forbidden(path, "hugepages require a cpu or memory request or limit"))
        }
        if let sharedBuffersText = spec.postgresql?.parameters?["shared_buffers"],
            let sharedBuffers = PostgresParameters.parseSize(sharedBuffersText, defaultUnitBytes: 1 << 20),
            let memory = requests["memory"]
        {
            let fitsHugepages = hugepageNames.contains { name in
                let quantity = limits[name] ?? requests[name]
                return (quantity?.integerValue ?? 0) >= sharedBuffers
            }
            if memory.integerValue < sharedBuffers, !fitsHugepages {
                result.add(.invalid(path.child("requests", "memory"), memory.text, "the memory request is lower than shared_buffers (\(sharedBuffersText))"))
            }
        }
        return result
    }

    static func validateScheduling(_ spec: ClusterSpec) -> ValidationResult {
        var result = ValidationResult()
        guard let affinity = spec.affinity else { return result }
        let path = Self.spec.child("affinity")
        if let type = affinity.podAntiAffinityType, !type.isEmpty, !["preferred", "required"].contains(type) {
            result.add(.notSupported(path.child("podAntiAffinityType"), type, ["preferred", "required"]))
        }
        for (i, toleration) in (affinity.tolerations ?? []).enumerated() {
            result.add(validateToleration(toleration, path: path.child("tolerations").index(i)))
        }
        return result
    }

    static func validateToleration(_ toleration: Toleration, path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let op = toleration.operator ?? "Equal"
        if (toleration.key ?? "").isEmpty, op != "Exists" {
            errors.append(.invalid(path.child("operator"), op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
        }
        if toleration.tolerationSeconds != nil, toleration.effect != "NoExecute" {
            errors.append(.invalid(path.child("effect"), toleration.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        }
        switch op {
        case "Equal": break
        case "Exists":
            if !(toleration.value ?? "").isEmpty {
                errors.append(.invalid(path.child("operator"), toleration.value!, "value must be empty when `operator` is 'Exists'"))
            }
        default:
            errors.append(.notSupported(path.child("operator"), op, ["Equal", "Exists"]))
        }
        if let effect = toleration.effect, !effect.isEmpty, !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) {
            errors.append(.notSupported(path.child("effect"), effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"]))
        }
        return errors
    }
}
