import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg logs cluster CLUSTER`: the logs of every pod of the Cluster (instances and jobs),
/// one JSON line per entry as the instance manager writes them.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Collect the logs of a cluster's pods.",
        subcommands: [ClusterLogs.self, PrettyLogs.self]
    )
}

struct PrettyLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretty",
        abstract: "Read JSON log lines on standard input and print them readably: time, level, pod, logger, message.",
        discussion: "For example: kubectl cnpg logs cluster cluster-example | kubectl cnpg logs pretty --min-level warning"
    )

    /// Accepted like every command's (kubectl passes them along); this one reads only standard input.
    @OptionGroup var connection: KubeconfigOptions

    @Option(name: .customLong("min-level"), help: "Drop lines below this level: debug, info, warning or error.")
    var minimumLevel = "debug"

    @Option(name: .long, parsing: .upToNextOption, help: "Only the lines of these pods (logging_pod).")
    var pods: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Only the lines of these loggers (postgres, instance-manager, ...).")
    var loggers: [String] = []

    @Option(name: .customLong("sorting-group-size"), help: "Sort each group of this many lines by time (lines of several pods interleave).")
    var sortingGroupSize = 1000

    @Flag(name: [.short, .long], help: "Add every other field as key=value.")
    var verbose = false

    func validate() throws {
        guard PrettyLog.Level(minimumLevel) != nil else { throw ValidationError("--min-level must be debug, info, warning or error") }
        guard sortingGroupSize > 0 else { throw ValidationError("--sorting-group-size must be positive") }
    }

    func run() {
        var filter = PrettyLog.Filter()
        filter.minimumLevel = PrettyLog.Level(minimumLevel) ?? .debug
        filter.pods = pods.isEmpty ? nil : Set(pods)
        filter.loggers = loggers.isEmpty ? nil : Set(loggers)
        filter.verbose = verbose
        var group: [String] = []
        func flush() {
            for line in PrettyLog.sortedByTime(group) {
                if let rendered = PrettyLog.render(line, filter: filter) { print(rendered) }
            }
            group.removeAll(keepingCapacity: true)
        }
        while let line = readLine() {
            group.append(line)
            if group.count >= sortingGroupSize { flush() }
        }
        flush()
    }
}

struct ClusterLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Print the logs of every pod of the cluster; with --follow keep streaming, new and re-created pods included.",
        discussion: "Needs get and list on pods, get on pods/log, and, with --follow, watch on pods."
    )

    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The Cluster.")
    var cluster: String

    @Flag(name: [.short, .long], help: "Keep streaming until interrupted.")
    var follow = false

    @Option(name: .long, help: "Lines from the end of each log to print (-1: all).")
    var tail = -1

    @Flag(name: [.short, .long], help: "Prefix each line with the time the kubelet recorded it.")
    var timestamps = false

    @Option(name: [.short, .long], help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard tail >= -1 else { throw ValidationError("--tail must be -1 (all) or a number of lines") }
    }

    func run() async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        _ = try await ClusterLookup.get(client, cluster, namespace: namespace)
        let sink = try LogSink(path: output)
        let selector = "\(CNPGLabels.cluster)=\(cluster)"
        let pods = try await client.list(.pods, namespace: namespace, labelSelector: selector, fieldSelector: nil)
        let (follow, tail, timestamps) = (self.follow, self.tail, self.timestamps)
        let streams = pods.items.flatMap { Self.containers(of: $0, startedOnly: follow) }.sorted { ($0.pod, $0.container) < ($1.pod, $1.container) }
        let copy = { @Sendable (stream: ContainerRef) async in
            do {
                for try await line in client.podLogLines(
                    namespace: namespace, pod: stream.pod, container: stream.container, follow: follow,
                    tailLines: tail >= 0 ? tail : nil, timestamps: timestamps)
                {
                    await sink.write(line)
                }
            } catch is CancellationError {
            } catch {
                await sink.warn("cannot read the log of \(stream.pod)/\(stream.container): \(error)")
            }
        }
        guard follow else {
            for stream in streams { await copy(stream) }
            return
        }
        await withTaskGroup(of: Void.self) { group in
            var started = Set(streams)
            for stream in streams { group.addTask { await copy(stream) } }
            // Pods created (or re-created under the same name) later join the stream.
            let events = client.watch(
                .pods, namespace: namespace, resourceVersion: pods.resourceVersion, labelSelector: selector,
                fieldSelector: nil, timeoutSeconds: 3600)
            do {
                for try await event in events where event.kind == .added || event.kind == .modified {
                    for stream in Self.containers(of: event.object, startedOnly: true) {
                        guard !started.contains(stream) else { continue }
                        started.insert(stream)
                        group.addTask { await copy(stream) }
                    }
                }
            } catch {
                await sink.warn("stopped following new pods: \(error)")
            }
            await group.waitForAll()
        }
    }

    struct ContainerRef: Hashable, Sendable {
        let pod: String
        let uid: String
        let container: String
    }

    /// The pod's containers; `startedOnly`: those that have run (a log to read), not those still being created.
    static func containers(of pod: JSONValue, startedOnly: Bool = false) -> [ContainerRef] {
        guard let name = pod["metadata"]?["name"]?.stringValue else { return [] }
        let uid = pod["metadata"]?["uid"]?.stringValue ?? ""
        let statuses = pod["status"]?["containerStatuses"]?.arrayValue ?? []
        return (pod["spec"]?["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            .filter { container in
                guard startedOnly else { return true }
                let state = statuses.first { $0["name"]?.stringValue == container }?["state"]
                return state?["running"] != nil || state?["terminated"] != nil
            }
            .map { ContainerRef(pod: name, uid: uid, container: $0) }
    }
}

/// Where log lines go: standard output or a file, one writer at a time.
actor LogSink {
    let handle: FileHandle

    init(path: String?) throws {
        guard let path else {
            handle = FileHandle.standardOutput
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw PluginError("cannot write \(path)")
        }
        handle = file
    }

    func write(_ line: String) { handle.write(Data((line + "\n").utf8)) }

    func warn(_ message: String) { FileHandle.standardError.write(Data("Warning: \(message)\n".utf8)) }
}
