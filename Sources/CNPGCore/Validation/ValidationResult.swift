/// What admission says about an object: errors reject it, warnings are shown to the user.
public struct ValidationResult: Sendable, Equatable {
    public var errors: [FieldError] = []
    public var warnings: [String] = []

    public init(errors: [FieldError] = [], warnings: [String] = []) {
        self.errors = errors
        self.warnings = warnings
    }

    public var isValid: Bool { errors.isEmpty }

    public mutating func add(_ error: FieldError) { errors.append(error) }
    public mutating func add(_ more: [FieldError]) { errors += more }
    public mutating func warn(_ message: String) { warnings.append(message) }
    public mutating func merge(_ other: ValidationResult) {
        errors += other.errors
        warnings += other.warnings
    }
}

/// Shared checks used by several kinds.
public enum CommonValidation {
    static let dns1035Label = "^[a-z]([-a-z0-9]*[a-z0-9])?$"
    static let dns1123Label = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"

    /// A DNS-1123 label (what namespace names are): lower-case ASCII letters, digits and '-', at most 63.
    public static func isDNS1123Label(_ text: String) -> Bool { text.count <= 63 && text.matches(dns1123Label) }

    static func objectName(_ name: String?, maxLength: Int, path: FieldPath = FieldPath("metadata").child("name")) -> [FieldError] {
        guard let name, !name.isEmpty else { return [.required(path, "name or generateName is required")] }
        var errors: [FieldError] = []
        if !name.matches(dns1035Label) {
            errors.append(
                .invalid(
                    path, name,
                    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
                ))
        }
        if name.count > maxLength {
            errors.append(.invalid(path, name, "the maximum length of a cluster name is \(maxLength) characters"))
        }
        return errors
    }

    /// Backup and ScheduledBackup share the online/onlineConfiguration/plugin method rules.
    static func backupMethod(
        method: String?, online: Bool?, onlineConfiguration: OnlineConfiguration?,
        pluginConfiguration: BackupPluginConfiguration?, spec: FieldPath
    ) -> [FieldError] {
        var errors: [FieldError] = []
        let method = method ?? "barmanObjectStore"
        if method != "volumeSnapshot" {
            if online != nil {
                errors.append(.invalid(spec.child("online"), online!, "Online parameter can be specified only if the backup method is volumeSnapshot"))
            }
            if onlineConfiguration != nil {
                errors.append(
                    .invalid(
                        spec.child("onlineConfiguration"), "{...}", "OnlineConfiguration parameter can be specified only if the backup method is volumeSnapshot"
                    ))
            }
        }
        if method == "plugin", (pluginConfiguration?.name ?? "").isEmpty {
            errors.append(.required(spec.child("pluginConfiguration"), "cannot be empty when the backup method is plugin"))
        }
        return errors
    }
}
