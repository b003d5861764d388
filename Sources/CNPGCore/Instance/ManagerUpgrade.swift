/// CNPG's online upgrade of the instance manager (`PUT /update`): the operator sends a new
/// manager binary, the instance accepts it only when its SHA-256 is one the operator published
/// for this architecture in `status.availableArchitectures`, installs it in place of
/// `/controller/manager` and re-executes itself there, PostgreSQL left running.
public enum ManagerUpgrade {
    /// This machine's architecture as Go names it (CNPG's `goArch`, `instanceArch`).
    public static let currentArchitecture: String = {
        #if arch(x86_64)
            "amd64"
        #elseif arch(arm64)
            "arm64"
        #else
            "unknown"
        #endif
    }()

    /// Largest binary accepted (ours are tens of MiB stripped, ~200 MiB with debug information).
    public static let maximumBytes = 512 << 20

    /// Why a binary with `hash` may not replace the manager on `architecture`, nil when it may.
    public static func refusal(hash: String, architecture: String, cluster: Cluster) -> String? {
        let published = (cluster.status?.availableArchitectures ?? []).filter { $0.goArch == architecture }
        guard !published.isEmpty else { return "the operator publishes no instance manager for \(architecture)" }
        guard published.contains(where: { $0.hash == hash }) else {
            return "the binary's SHA-256 \(hash) is not the operator's instance manager for \(architecture)"
        }
        return nil
    }
}

extension ManagerUpgrade {
    /// The operator's own instance manager: what it publishes and sends.
    public struct Binary: Sendable, Equatable {
        public var path: String
        public var architecture: String
        public var hash: String

        public init(path: String, architecture: String, hash: String) {
            self.path = path
            self.architecture = architecture
            self.hash = hash
        }

        public var published: AvailableArchitecture { AvailableArchitecture(goArch: architecture, hash: hash) }
    }

    public enum Step: Sendable, Equatable {
        case none
        /// Send the binary to this instance.
        case upgrade(pod: String)
        /// An instance runs on an architecture the operator has no binary for.
        case missingArchitecture(pod: String, architecture: String)
    }

    public static let phase = "Online upgrade in progress"
    public static let missingArchitecturePhase = "Cluster cannot execute instance online upgrade due to missing architecture binary"

    /// The next instance whose manager differs from `binary` (one per pass, replicas first, the
    /// primary last), among the ready ones that report themselves available and not fenced, once
    /// the Cluster's status already publishes the binary (the instance checks the hash there).
    public static func next(cluster: Cluster, observed: ObservedInstances, reports: [String: InstanceStatus], binary: Binary) -> Step {
        guard (cluster.status?.availableArchitectures ?? []).contains(binary.published) else { return .none }
        let fenced = FencedInstances(cluster: cluster)
        let ready = observed.readyPodNames
        let primary = cluster.status?.currentPrimary
        let outdated = reports.filter { name, report in
            ready.contains(name) && !fenced.contains(name) && !report.mightBeUnavailable && !report.isInstanceManagerUpgrading
                && !report.executableHash.isEmpty && report.executableHash != binary.hash
        }
        .keys.sorted { lhs, rhs in
            (lhs == primary ? 1 : 0, observed.serial(of: lhs) ?? 0) < (rhs == primary ? 1 : 0, observed.serial(of: rhs) ?? 0)
        }
        guard let pod = outdated.first else { return .none }
        if let architecture = reports[pod]?.instanceArch, !architecture.isEmpty, architecture != binary.architecture {
            return .missingArchitecture(pod: pod, architecture: architecture)
        }
        return .upgrade(pod: pod)
    }
}

extension ManagerUpgrade {
    /// With online upgrades the operator's image in the bootstrap-controller init container does
    /// not roll pods out (as in CNPG): a new manager reaches them by `PUT /update`. Returns
    /// `current` (so the comparison finds no change) when it differs from `desired` only there;
    /// `desired` otherwise.
    public static func podSpecIgnoringBootstrapImage(desired: String, current: String?) -> String {
        guard let current, current != desired, let wanted = try? JSONText.parse(desired), let running = try? JSONText.parse(current),
            let wantedImage = bootstrapImage(in: wanted)
        else { return desired }
        return withBootstrapImage(wantedImage, in: running) == wanted ? current : desired
    }

    static let bootstrapContainer = "bootstrap-controller"

    static func bootstrapImage(in spec: JSONValue) -> JSONValue? {
        guard case .array(let containers)? = spec["initContainers"] else { return nil }
        return containers.first { $0["name"]?.stringValue == bootstrapContainer }?["image"]
    }

    static func withBootstrapImage(_ image: JSONValue, in spec: JSONValue) -> JSONValue {
        guard case .array(let containers)? = spec["initContainers"] else { return spec }
        let replaced = containers.map { $0["name"]?.stringValue == bootstrapContainer ? $0.setting("image", to: image) : $0 }
        return spec.setting("initContainers", to: .array(replaced))
    }
}
