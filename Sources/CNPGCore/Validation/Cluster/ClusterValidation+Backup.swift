extension ClusterValidation {
    static func validateBackup(_ spec: ClusterSpec) -> ValidationResult {
        var result = ValidationResult()
        let backupPath = Self.spec.child("backup")
        if let barman = spec.backup?.barmanObjectStore {
            result.add(validateBarman(barman, path: backupPath.child("barmanObjectStore")))
        }
        if let classes = spec.backup?.volumeSnapshot?.tablespaceClassName {
            let tablespaces = Set((spec.tablespaces ?? []).map(\.name))
            for name in classes.keys.sorted() where !tablespaces.contains(name) {
                result.add(
                    .invalid(
                        backupPath.child("volumeSnapshot", "tablespaceClassName").key(name), name, "no tablespace with this name is defined in spec.tablespaces"
                    ))
            }
        }
        let plugins = spec.plugins ?? []
        let archivers = plugins.enumerated().filter { $0.element.enabled != false && $0.element.isWALArchiver == true }
        if archivers.count > 1 {
            result.add(
                .invalid(Self.spec.child("plugins").index(archivers[1].offset).child("isWALArchiver"), true, "only one enabled plugin can be the WAL archiver"))
        }
        if let first = archivers.first, spec.backup?.barmanObjectStore != nil {
            result.add(
                .invalid(
                    Self.spec.child("plugins").index(first.offset).child("isWALArchiver"), true,
                    "a WAL archiver plugin cannot be used together with backup.barmanObjectStore"))
        }
        var pluginNames: Set<String> = []
        for (i, plugin) in plugins.enumerated() where !pluginNames.insert(plugin.name).inserted {
            result.add(.duplicate(Self.spec.child("plugins").index(i).child("name"), plugin.name))
        }
        return result
    }

    /// Barman object store: exactly one way to authenticate per cloud provider.
    static func validateBarman(_ barman: BarmanObjectStoreConfiguration, path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if barman.destinationPath.isEmpty { errors.append(.required(path.child("destinationPath"))) }
        let providers = [barman.s3Credentials != nil, barman.azureCredentials != nil, barman.googleCredentials != nil].filter { $0 }.count
        if providers > 1 {
            errors.append(.forbidden(path, "only one of s3Credentials, azureCredentials and googleCredentials can be set"))
        }
        if let s3 = barman.s3Credentials {
            let hasKeys = s3.accessKeyId != nil || s3.secretAccessKey != nil
            if s3.inheritFromIAMRole == true, hasKeys {
                errors.append(.forbidden(path.child("s3Credentials"), "inheritFromIAMRole cannot be used together with access keys"))
            } else if s3.inheritFromIAMRole != true {
                if s3.accessKeyId == nil { errors.append(.required(path.child("s3Credentials", "accessKeyId"), "required unless inheritFromIAMRole is true")) }
                if s3.secretAccessKey == nil {
                    errors.append(.required(path.child("s3Credentials", "secretAccessKey"), "required unless inheritFromIAMRole is true"))
                }
            }
        }
        if let azure = barman.azureCredentials {
            let methods = [
                azure.inheritFromAzureAD == true, azure.connectionString != nil,
                azure.storageAccount != nil && (azure.storageKey != nil || azure.storageSasToken != nil),
            ].filter { $0 }.count
            if methods != 1 || (azure.storageKey != nil && azure.storageSasToken != nil) {
                errors.append(
                    .invalid(
                        path.child("azureCredentials"), "{...}",
                        "exactly one of inheritFromAzureAD, connectionString or storageAccount with storageKey or storageSasToken is required"))
            }
        }
        if let google = barman.googleCredentials, google.gkeEnvironment == true, google.applicationCredentials != nil {
            errors.append(.forbidden(path.child("googleCredentials"), "gkeEnvironment cannot be used together with applicationCredentials"))
        }
        return errors
    }

    static func validateExternalClusters(_ spec: ClusterSpec) -> ValidationResult {
        var result = ValidationResult()
        var names: Set<String> = []
        for (i, external) in (spec.externalClusters ?? []).enumerated() {
            let path = Self.spec.child("externalClusters").index(i)
            if external.name.isEmpty { result.add(.required(path.child("name"))) }
            if !names.insert(external.name).inserted { result.add(.duplicate(path.child("name"), external.name)) }
            if !isSafePathComponent(external.name) {
                result.add(.invalid(path.child("name"), external.name, "must not be '.' or '..' and must not contain '/' or '\\'"))
            }
            if external.connectionParameters == nil, external.plugin == nil, external.barmanObjectStore == nil {
                result.add(.required(path, "one of connectionParameters, plugin and barmanObjectStore is required"))
            }
            let selectors: [(String, OptionalKeySelector?)] = [
                ("sslCert", external.sslCert), ("sslKey", external.sslKey),
                ("sslRootCert", external.sslRootCert), ("password", external.password),
            ]
            for (field, selector) in selectors {
                guard let selector else { continue }
                if let name = selector.name, !isSafePathComponent(name) {
                    result.add(.invalid(path.child(field, "name"), name, "must not be '.' or '..' and must not contain '/' or '\\'"))
                }
                if !isSafePathComponent(selector.key) {
                    result.add(.invalid(path.child(field, "key"), selector.key, "must not be '.' or '..' and must not contain '/' or '\\'"))
                }
            }
            if let barman = external.barmanObjectStore {
                result.add(validateBarman(barman, path: path.child("barmanObjectStore")))
            }
        }
        return result
    }

    static func isSafePathComponent(_ text: String) -> Bool {
        text != "." && text != ".." && !text.contains("/") && !text.contains("\\")
    }
}
