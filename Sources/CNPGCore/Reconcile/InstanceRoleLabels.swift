/// The `cnpg.io/instanceRole` each instance pod carries, which the -rw and -ro services select on.
public enum InstanceRoleLabels {
    /// `primary` for the current primary; during a hand-over (a target primary that is not yet
    /// the current one, as in a failover or a switchover) no pod is primary, so the -rw service
    /// stops sending clients to the former primary at once instead of after its pod is polled,
    /// and the new primary gets the label as soon as it reports itself as current. Before the
    /// first primary reports, its target carries the label.
    public static func role(of pod: String, currentPrimary: String?, targetPrimary: String?) -> String {
        let current = currentPrimary.flatMap { $0.isEmpty ? nil : $0 }
        let target = targetPrimary.flatMap { $0.isEmpty ? nil : $0 }
        let primary: String?
        switch (current, target) {
        case (nil, let target): primary = target
        case (let current?, nil): primary = current
        case (let current?, let target?): primary = current == target ? current : nil
        }
        return pod == primary ? "primary" : "replica"
    }
}
