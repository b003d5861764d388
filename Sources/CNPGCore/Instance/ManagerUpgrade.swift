/// CNPG's online upgrade of the instance manager (`PUT /update`): the operator sends a new
/// manager binary, the instance accepts it only when its SHA-256 is one the operator published
/// for this architecture in `status.availableArchitectures`, installs it in place of
/// `/controller/manager` and re-executes itself there, PostgreSQL left running.
public enum ManagerUpgrade {
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
