/// Pod and container security contexts: non-root, read-only root filesystem, no capabilities,
/// seccomp RuntimeDefault, merged with the user's settings the way CNPG merges them.
public enum SecurityContextBuilder {
    static func seccomp(for cluster: Cluster) -> SeccompProfile { cluster.spec.seccompProfile ?? .runtimeDefault }

    /// The user's `podSecurityContext` wins; missing runAsUser, runAsGroup and seccompProfile are
    /// filled from the defaults (fsGroup and runAsNonRoot are not back-filled, as in CNPG).
    public static func pod(for cluster: Cluster) -> PodSecurityContext {
        let uid = cluster.spec.postgresUID.flatMap { $0 == 0 ? nil : $0 } ?? 26
        let gid = cluster.spec.postgresGID.flatMap { $0 == 0 ? nil : $0 } ?? 26
        guard var context = cluster.spec.podSecurityContext else {
            var context = PodSecurityContext()
            context.runAsUser = uid
            context.runAsGroup = gid
            context.runAsNonRoot = true
            context.fsGroup = gid
            context.seccompProfile = seccomp(for: cluster)
            return context
        }
        if context.runAsUser == nil { context.runAsUser = uid }
        if context.runAsGroup == nil { context.runAsGroup = gid }
        if context.seccompProfile == nil { context.seccompProfile = seccomp(for: cluster) }
        return context
    }

    /// The user's `securityContext` wins field by field; capabilities are replaced as a whole.
    public static func container(for cluster: Cluster) -> SecurityContext {
        var context = cluster.spec.securityContext ?? SecurityContext()
        if context.allowPrivilegeEscalation == nil { context.allowPrivilegeEscalation = false }
        if context.capabilities == nil { context.capabilities = Capabilities(drop: ["ALL"]) }
        if context.privileged == nil { context.privileged = false }
        if context.readOnlyRootFilesystem == nil { context.readOnlyRootFilesystem = true }
        if context.runAsNonRoot == nil { context.runAsNonRoot = true }
        if context.seccompProfile == nil { context.seccompProfile = seccomp(for: cluster) }
        return context
    }

    public static let appArmorPrefix = "container.apparmor.security.beta.kubernetes.io/"

    /// AppArmor annotations of the Cluster for containers that exist in the pod.
    public static func appArmorAnnotations(for cluster: Cluster, containers: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in cluster.metadata.annotations ?? [:] where key.hasPrefix(appArmorPrefix) {
            if containers.contains(String(key.dropFirst(appArmorPrefix.count))) { result[key] = value }
        }
        return result
    }
}
