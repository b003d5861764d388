import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg report cluster|operator`: a ZIP of the objects (and optionally the logs) support
/// needs to look at a problem.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a ZIP archive of a cluster's or the operator's objects, events and (with --logs) logs.",
        subcommands: [ClusterReport.self, OperatorReport.self]
    )
}

struct ReportOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable { case yaml, json }

    @Option(name: [.customShort("o"), .customLong("output")], help: "Format of the manifests: yaml or json.")
    var format: Format = .yaml

    @Flag(name: [.short, .customLong("logs")], help: "Add the pods' logs.")
    var logs = false

    @Flag(name: [.short, .customLong("timestamps")], help: "With --logs, prefix each line with the time the kubelet recorded it.")
    var timestamps = false
}

/// The archive being written to `path`, entries under one root folder, manifests in one format.
struct ReportArchive {
    let root: String
    let path: String
    let format: String
    var zip = ZipWriter()

    /// Refuses an existing file before anything is collected.
    init(root: String, file: String?, format: String) throws {
        self.root = root
        path = file ?? root + ".zip"
        self.format = format
        try Self.refuseExisting(path)
    }

    static func refuseExisting(_ path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw PluginError("file already exists: \(path)") }
    }

    /// `manifests/<name>.<format>`: one object, or a `v1/List` of several.
    mutating func addManifest(_ name: String, _ object: JSONValue) throws {
        try add("manifests/\(name).\(format)", ReportContent.document(object, format: format))
    }

    mutating func addManifest(_ name: String, list items: [JSONValue]) throws {
        try add("manifests/\(name).\(format)", ReportContent.list(items, format: format))
    }

    mutating func add(_ path: String, _ bytes: [UInt8]) throws {
        do {
            try zip.add("\(root)/\(path)", bytes)
        } catch {
            throw PluginError("\(error)")
        }
    }

    /// Every container's log of `pods`, as `<folder>/<pod>-<container>.jsonl`.
    mutating func addLogs(of pods: [JSONValue], folder: String, client: HTTPKubeClient, namespace: String, timestamps: Bool) async throws {
        for pod in pods {
            for stream in ClusterLogs.containers(of: pod) {
                var lines: [String] = []
                do {
                    for try await line in client.podLogLines(
                        namespace: pod["metadata"]?["namespace"]?.stringValue ?? namespace, pod: stream.pod,
                        container: stream.container, timestamps: timestamps)
                    {
                        lines.append(line)
                    }
                } catch {
                    lines.append("cannot read the log: \(error)")
                }
                try add("\(folder)/\(stream.pod)-\(stream.container).jsonl", Array((lines.joined(separator: "\n") + "\n").utf8))
            }
        }
    }

    /// Writes the archive to `path`, never over an existing file (one may have appeared meanwhile).
    func write() throws {
        try Self.refuseExisting(path)
        guard FileManager.default.createFile(atPath: path, contents: Data(zip.finish())) else { throw PluginError("cannot write \(path)") }
        print("Successfully written report to \"\(path)\" (format: \"\(format)\")")
    }
}

struct ClusterReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Report on a cluster: the Cluster, its pods, jobs, PVCs and events, and with --logs its pods' logs.",
        discussion:
            "The archive holds report_cluster_<name>_<timestamp>/manifests/{cluster,cluster-pods,cluster-jobs,cluster-pvcs,events}.<format>, and with --logs logs/<pod>-<container>.jsonl and job-logs/."
    )

    @OptionGroup var connection: KubeconfigOptions
    @OptionGroup var report: ReportOptions

    @Argument(help: "The Cluster.")
    var cluster: String

    @Option(name: [.short, .customLong("file")], help: "The ZIP file to write (default: report_cluster_<name>_<timestamp>.zip); never overwritten.")
    var file: String?

    func run() async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        let object = try await ClusterLookup.get(client, cluster, namespace: namespace)
        var archive = try ReportArchive(root: ReportContent.folder("cluster", name: cluster, at: Date()), file: file, format: report.format.rawValue)
        let selector = "\(CNPGLabels.cluster)=\(cluster)"
        let pods = try await client.list(.pods, namespace: namespace, labelSelector: selector, fieldSelector: nil).items
        let jobs = try await client.list(.jobs, namespace: namespace, labelSelector: selector, fieldSelector: nil).items
        let claims = try await client.list(.persistentVolumeClaims, namespace: namespace, labelSelector: selector, fieldSelector: nil).items
        let uids = Set(([object] + pods + jobs + claims).compactMap { $0["metadata"]?["uid"]?.stringValue })
        let events = try await client.list(.events, namespace: namespace, labelSelector: nil, fieldSelector: nil).items
            .filter { uids.contains($0["involvedObject"]?["uid"]?.stringValue ?? "") }
        try archive.addManifest("cluster", object)
        try archive.addManifest("cluster-pods", list: pods)
        try archive.addManifest("cluster-jobs", list: jobs)
        try archive.addManifest("cluster-pvcs", list: claims)
        try archive.addManifest("events", list: events)
        if report.logs {
            let isJob = { (pod: JSONValue) in
                pod["metadata"]?["labels"]?["batch.kubernetes.io/job-name"] != nil || pod["metadata"]?["labels"]?["job-name"] != nil
            }
            try await archive.addLogs(of: pods.filter { !isJob($0) }, folder: "logs", client: client, namespace: namespace, timestamps: report.timestamps)
            try await archive.addLogs(of: pods.filter(isJob), folder: "job-logs", client: client, namespace: namespace, timestamps: report.timestamps)
        }
        try archive.write()
    }
}

struct OperatorReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Report on the operator: its Deployment, pods, configuration (secrets redacted), webhooks and events, and with --logs its logs.",
        discussion: "The operator is found by its label app.kubernetes.io/name=cloudnative-pg in any namespace (needs list on deployments cluster-wide)."
    )

    @OptionGroup var connection: KubeconfigOptions
    @OptionGroup var report: ReportOptions

    @Option(name: [.short, .customLong("file")], help: "The ZIP file to write (default: report_operator_<timestamp>.zip); never overwritten.")
    var file: String?

    @Flag(name: [.customShort("S"), .customLong("stopRedaction")], help: "Keep the values of Secrets (they are emptied by default).")
    var stopRedaction = false

    func run() async throws {
        let (client, _) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        let selector = "\(CNPGLabels.appName)=cloudnative-pg"
        let deployments = try await client.list(.deployments, namespace: nil, labelSelector: selector, fieldSelector: nil).items
        guard let deployment = deployments.first, let namespace = deployment["metadata"]?["namespace"]?.stringValue else {
            throw PluginError("no operator deployment found (label \(selector))")
        }
        var archive = try ReportArchive(root: ReportContent.folder("operator", at: Date()), file: file, format: report.format.rawValue)
        let pods = try await client.list(.pods, namespace: namespace, labelSelector: selector, fieldSelector: nil).items
        let configMaps = try await client.list(.configMaps, namespace: namespace, labelSelector: nil, fieldSelector: nil).items
            .filter { [OperatorInstallManifests.configMapName, DefaultMonitoringQueries.configMapName].contains($0["metadata"]?["name"]?.stringValue ?? "") }
        let secrets = try await client.list(.secrets, namespace: namespace, labelSelector: nil, fieldSelector: nil).items
            .filter {
                [OperatorInstallManifests.configMapName, WebhookPKI.caSecretName, WebhookPKI.certificateSecretName]
                    .contains($0["metadata"]?["name"]?.stringValue ?? "")
            }
            .map { stopRedaction ? $0 : ReportContent.redacted($0) }
        let events = try await client.list(.events, namespace: namespace, labelSelector: nil, fieldSelector: nil).items
        try archive.addManifest("deployment", deployment)
        try archive.addManifest("operator-pods", list: pods)
        try archive.addManifest("configmaps", list: configMaps)
        try archive.addManifest("secrets", list: secrets)
        try archive.addManifest("events", list: events)
        for type in [ResourceType.mutatingWebhookConfigurations, .validatingWebhookConfigurations] {
            if let webhooks = try? await client.list(type, namespace: nil, labelSelector: nil, fieldSelector: nil).items
                .filter({ ($0["metadata"]?["name"]?.stringValue ?? "").hasPrefix("cnpg-") })
            {
                try archive.addManifest(type.plural, list: webhooks)
            }
        }
        if report.logs {
            try await archive.addLogs(of: pods, folder: "operator-logs", client: client, namespace: namespace, timestamps: report.timestamps)
        }
        try archive.write()
    }
}
