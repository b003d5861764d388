/// The Jobs that prepare an instance's data: `initdb` for the first primary, `join` for a new
/// standby, `pgbasebackup`, `full-recovery` and `snapshot-recovery` for the other bootstrap methods.
public enum JobBuilder {
    public enum Role: String, Sendable, CaseIterable {
        case initdb, `import`, join, pgbasebackup
        case fullRecovery = "full-recovery"
        case snapshotRecovery = "snapshot-recovery"
    }

    /// The job that bootstraps the first instance, by the cluster's bootstrap method.
    public static func bootstrapRole(for cluster: Cluster) -> Role {
        let bootstrap = cluster.spec.bootstrap
        if bootstrap?.recovery?.volumeSnapshots != nil { return .snapshotRecovery }
        if bootstrap?.recovery != nil { return .fullRecovery }
        if bootstrap?.pg_basebackup != nil { return .pgbasebackup }
        if bootstrap?.initdb?.import != nil { return .import }
        return .initdb
    }

    /// How CNPG's `CreatingInstance` event names a first instance's bootstrap.
    public static func bootstrapDescription(_ role: Role) -> String {
        switch role {
        case .initdb, .join: return "initdb"
        case .import: return "import"
        case .pgbasebackup: return "from physical backup"
        case .fullRecovery: return "from backup"
        case .snapshotRecovery: return "from volumeSnapshots"
        }
    }

    public static func job(for cluster: Cluster, serial: Int, role: Role, configuration: OperatorConfiguration = OperatorConfiguration()) -> Job {
        let instance = "\(cluster.metadata.name ?? "")-\(serial)"
        let name = "\(instance)-\(role.rawValue)"
        var spec = InstancePodBuilder.basePodSpec(for: cluster, instance: instance, hostname: name, configuration: configuration)
        spec.restartPolicy = "Never"
        var container = Container(name: role.rawValue)
        container.image = InstancePodBuilder.image(for: cluster)
        container.imagePullPolicy = cluster.spec.imagePullPolicy
        container.command = command(for: cluster, role: role)
        container.env = InstanceVolumes.environment(for: cluster, podName: name)
        if role == .initdb || role == .import {
            var source = EnvVarSource()
            source.secretKeyRef = OptionalKeySelector(name: InstanceRBAC.applicationSecretName(for: cluster), key: "username", optional: true)
            container.env?.append(EnvVar(name: "APP_USERNAME", valueFrom: source))
        }
        container.envFrom = cluster.spec.envFrom
        container.resources = cluster.spec.resources
        container.volumeMounts = InstanceVolumes.mounts(for: cluster, includeServiceAccount: true)
        container.securityContext = SecurityContextBuilder.container(for: cluster)
        spec.containers = [container]

        var labels = InstancePodBuilder.labels(for: cluster, instance: instance)
        labels[CNPGLabels.jobRole] = role.rawValue
        let annotations = SecurityContextBuilder.appArmorAnnotations(for: cluster, containers: [role.rawValue, "bootstrap-controller"])
        var template = PodTemplateSpec()
        template.metadata = EmbeddedMetadata(labels: labels, annotations: annotations.isEmpty ? nil : annotations)
        template.spec = spec
        var jobSpec = JobSpec(template: template)
        jobSpec.backoffLimit = 6
        return Job(metadata: ClusterObjectMetadata.make(for: cluster, name: name, labels: labels, annotations: annotations), spec: jobSpec)
    }

    static func command(for cluster: Cluster, role: Role) -> [String] {
        var command = ["/controller/manager", "instance"]
        let walFlag = cluster.spec.walStorage != nil ? ["--pg-wal", InstanceVolumes.pgWal] : []
        switch role {
        case .initdb, .import:
            let initdb = cluster.spec.bootstrap?.initdb ?? BootstrapInitDB()
            command += ["init", "--initdb-flags", ShellQuoting.join(initDBFlags(for: cluster))]
            for (flag, statements) in [
                ("--post-init-sql", initdb.postInitSQL), ("--post-init-application-sql", initdb.postInitApplicationSQL),
                ("--post-init-template-sql", initdb.postInitTemplateSQL),
            ] {
                if let statements, !statements.isEmpty { command += [flag, ShellQuoting.join(statements)] }
            }
            if let database = initdb.database, let owner = initdb.owner { command += ["--app-db-name", database, "--app-user", owner] }
            command += walFlag
        case .join:
            command += ["join", "--parent-node", "\(cluster.metadata.name ?? "")-rw"] + walFlag
        case .pgbasebackup:
            command += ["pgbasebackup"]
        case .fullRecovery:
            command += ["restore"] + walFlag
        case .snapshotRecovery:
            command += ["restoresnapshot"]
            let recovery = cluster.spec.bootstrap?.recovery
            if let database = recovery?.database, let owner = recovery?.owner ?? recovery?.database {
                command += ["--app-db-name", database, "--app-user", owner]
            }
            command += walFlag
        }
        command.append("--log-level=\(cluster.spec.logLevel ?? "info")")
        return command
    }

    /// initdb flags from `bootstrap.initdb` (the legacy `options` replace them all).
    public static func initDBFlags(for cluster: Cluster) -> [String] {
        let initdb = cluster.spec.bootstrap?.initdb ?? BootstrapInitDB()
        if let options = initdb.options, !options.isEmpty { return options }
        var flags: [String] = []
        if initdb.dataChecksums == true { flags.append("-k") }
        if ["debug", "trace"].contains(cluster.spec.logLevel ?? "") { flags.append("-d") }
        let valued: [(String, String?)] = [
            ("--encoding=", initdb.encoding), ("--lc-collate=", initdb.localeCollate), ("--lc-ctype=", initdb.localeCType),
            ("--locale=", initdb.locale), ("--locale-provider=", initdb.localeProvider), ("--icu-locale=", initdb.icuLocale),
            ("--icu-rules=", initdb.icuRules), ("--builtin-locale=", initdb.builtinLocale),
        ]
        for (flag, value) in valued { if let value, !value.isEmpty { flags.append(flag + value) } }
        if let size = initdb.walSegmentSize, size > 0, size & (size - 1) == 0 { flags.append("--wal-segsize=\(size)") }
        return flags
    }
}

/// POSIX shell quoting for argument lists passed as one flag value (CNPG's "shell-quoted lists").
public enum ShellQuoting {
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_=./:,@%+".contains($0)) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    public static func join(_ words: [String]) -> String { words.map(quote).joined(separator: " ") }

    public struct Unterminated: Error, CustomStringConvertible {
        public var description: String { "unterminated quote in a shell-quoted list" }
    }

    /// The words of a shell-quoted list (single quotes, double quotes, backslash escapes); the
    /// inverse of `join`. No expansion of any kind.
    public static func split(_ text: String) throws(Unterminated) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            switch character {
            case " ", "\t", "\n":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            case "'":
                inWord = true
                while true {
                    guard let next = iterator.next() else { throw Unterminated() }
                    if next == "'" { break }
                    current.append(next)
                }
            case "\"":
                inWord = true
                while true {
                    guard let next = iterator.next() else { throw Unterminated() }
                    if next == "\"" { break }
                    if next == "\\", let escaped = iterator.next() { current.append(escaped) } else { current.append(next) }
                }
            case "\\":
                inWord = true
                if let escaped = iterator.next() { current.append(escaped) }
            default:
                inWord = true
                current.append(character)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
