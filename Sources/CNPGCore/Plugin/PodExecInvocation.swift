/// How the plugin runs commands in instance pods: through `kubectl exec` (as CNPG's `psql` does),
/// with the connection flags it was given.
public struct PodExecInvocation: Sendable, Equatable {
    public var kubeconfig: String?
    public var context: String?
    public var namespace: String

    public init(kubeconfig: String?, context: String?, namespace: String) {
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespace = namespace
    }

    /// The arguments after `kubectl`: `exec [--kubeconfig K] [--context C] -n NS [-t] [-i] -c postgres POD -- COMMAND...`.
    public func arguments(pod: String, tty: Bool = false, stdin: Bool = false, command: [String]) -> [String] {
        var arguments = ["exec"]
        if let kubeconfig { arguments += ["--kubeconfig", kubeconfig] }
        if let context { arguments += ["--context", context] }
        arguments += ["-n", namespace]
        if tty { arguments.append("-t") }
        if stdin { arguments.append("-i") }
        return arguments + ["-c", InstancePodBuilder.postgresContainer, pod, "--"] + command
    }

    /// `psql` with `-U postgres` first unless the user named one (the pod's peer map admits the
    /// postgres OS user as the postgres role, so no password is needed).
    public static func psqlCommand(_ userArguments: [String]) -> [String] {
        let namesUser = userArguments.contains { $0 == "-U" || $0 == "--username" || $0.hasPrefix("--username=") || ($0.hasPrefix("-U") && $0.count > 2) }
        return ["psql"] + (namesUser ? [] : ["-U", "postgres"]) + userArguments
    }

    /// The first of `pods` (sorted by name) carrying `cnpg.io/instanceRole=<role>`.
    public static func pod(withRole role: String, in pods: [JSONValue]) -> String? {
        pods.filter { $0["metadata"]?["labels"]?[CNPGLabels.instanceRole]?.stringValue == role }
            .compactMap { $0["metadata"]?["name"]?.stringValue }.sorted().first
    }

    /// PGDATA's size as `du -sLh` prints it (`47M\t/var/lib/...`): the first field.
    public static let sizeCommand = ["du", "-sLh", InstanceVolumes.pgData]

    public static func size(fromDiskUsage output: String) -> String? {
        let field = output.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "\n" }).first.map(String.init)
        return field.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A command run in a pod that failed: its message, as the status line shows it.
public struct PluginExecError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
