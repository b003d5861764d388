/// The smaller sections of `kubectl cnpg status`: hibernation, tablespaces, disruption budgets, plugins.
extension ClusterStatusView {
    /// Only when the Cluster carries the hibernation condition.
    func hibernation(_ style: Style) -> String? {
        guard let condition = cluster.status?.conditions?.first(where: { $0.type == Hibernation.conditionType }) else { return nil }
        return style.heading("Hibernation") + "\n"
            + keyValues([
                ("Status", condition.status == "True" ? "Hibernated" : "Active"),
                ("Message", condition.message),
                ("Time", KubeTime.parse(condition.lastTransitionTime).map { KubeTime.goTime($0) } ?? condition.lastTransitionTime),
            ])
    }

    /// `status.tablespacesStatus`, or that none are managed.
    func tablespaces(_ style: Style) -> String {
        let heading = style.heading("Tablespaces status") + "\n"
        guard let states = cluster.status?.tablespacesStatus, !states.isEmpty else { return heading + "No managed tablespaces\n" }
        let temporary = Set((cluster.spec.tablespaces ?? []).filter { $0.temporary == true }.map(\.name))
        var table = TextTable(["Tablespace", "Owner", "Status", "Temporary", "Error"])
        for state in states.sorted(by: { $0.name < $1.name }) {
            table.add([state.name, state.owner ?? "", state.state, temporary.contains(state.name) ? "true" : "false", state.error ?? ""])
        }
        return heading + table.rendered
    }

    /// The Cluster's PodDisruptionBudgets with what the disruption controller reports.
    func disruptionBudgets(_ style: Style) -> String {
        let heading = style.heading("Pod Disruption Budgets status") + "\n"
        guard !budgets.isEmpty else { return heading + "No active PodDisruptionBudgets found\n" }
        var table = TextTable(["Name", "Role", "Expected Pods", "Current Healthy", "Minimum Desired Healthy", "Disruptions Allowed"])
        let number = { (value: JSONValue?) in value?.intValue.map(String.init) ?? "0" }
        for budget in budgets.sorted(by: { ($0["metadata"]?["name"]?.stringValue ?? "") < ($1["metadata"]?["name"]?.stringValue ?? "") }) {
            let status = budget["status"]
            table.add([
                budget["metadata"]?["name"]?.stringValue ?? "",
                budget["spec"]?["selector"]?["matchLabels"]?[CNPGLabels.instanceRole]?.stringValue ?? "",
                number(status?["expectedPods"]), number(status?["currentHealthy"]), number(status?["desiredHealthy"]),
                number(status?["disruptionsAllowed"]),
            ])
        }
        return heading + table.rendered
    }

    /// CNPG-I plugins: this operator loads none.
    func plugins(_ style: Style) -> String {
        style.heading("Plugins status") + "\n" + "No plugins found\n"
    }
}
