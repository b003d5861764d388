import Foundation

/// pg_hba.conf and pg_ident.conf as CNPG writes them (order matters).
public enum HostBasedAccess {
    public static let fixedRules = [
        "local all cnpg_metrics_exporter peer map=cnpg_metrics_exporter",
        "local all all peer map=local",
        "hostssl postgres streaming_replica all cert map=cnpg_streaming_replica",
        "hostssl replication streaming_replica all cert map=cnpg_streaming_replica",
        "hostssl all cnpg_pooler_pgbouncer all cert map=cnpg_pooler_pgbouncer",
    ]

    /// Renders pg_hba.conf: fixed rules, user rules (with `${podselector:NAME}` expanded to one line
    /// per resolved IP), the optional LDAP rule, then the default: scram-sha-256 over TLS only.
    public static func pgHBA(
        cluster: Cluster, majorVersion: Int, podSelectorIPs: [String: [String]] = [:],
        ldapBindPassword: String? = nil
    ) -> String {
        var lines = ["#", "# FIXED RULES", "#"] + fixedRules
        lines += ["", "#", "# USER-DEFINED RULES", "#"]
        for rule in cluster.spec.postgresql?.pg_hba ?? [] {
            lines += expand(rule, podSelectorIPs: podSelectorIPs)
        }
        lines += ["", "#", "# LDAP CONFIGURATION (optional)", "#"]
        if let ldap = cluster.spec.postgresql?.ldap, let rule = ldapRule(ldap, bindPassword: ldapBindPassword) {
            lines.append(rule)
        }
        lines += ["", "#", "# DEFAULT RULES", "#"]
        // CNPG writes `host` here; we require TLS for every password login too (security first).
        lines.append("hostssl all all all \(majorVersion < 14 ? "md5" : "scram-sha-256")")
        return lines.joined(separator: "\n") + "\n"
    }

    /// pg_ident.conf: CNPG's fixed maps for the OS user running PostgreSQL, then the user's lines.
    public static func pgIdent(cluster: Cluster, osUser: String = "postgres") -> String {
        var lines = [
            "local \(osUser) postgres",
            "cnpg_streaming_replica streaming_replica streaming_replica",
            "cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer",
            "cnpg_metrics_exporter \(osUser) cnpg_metrics_exporter",
        ]
        lines += (cluster.spec.postgresql?.pg_ident ?? []).map(singleLine)
        return lines.joined(separator: "\n") + "\n"
    }

    static func expand(_ rule: String, podSelectorIPs: [String: [String]]) -> [String] {
        let rule = singleLine(rule)
        let references = ClusterValidation.podSelectorReferences(in: rule)
        guard let name = references.first else { return [rule] }
        guard references.count == 1, let ips = podSelectorIPs[name] else {
            return ["# \(rule) # podSelectorRef \(name) has no resolved addresses"]
        }
        return ips.map { ip in rule.replacingOccurrences(of: "${podselector:\(name)}", with: ip + (ip.contains(":") ? "/128" : "/32")) }
    }

    /// A rule is one line: anything after a line break would become a rule of its own.
    static func singleLine(_ text: String) -> String {
        String(text.unicodeScalars.map { $0 == "\n" || $0 == "\r" || $0 == "\0" ? " " : Character($0) })
    }

    static func ldapRule(_ ldap: LDAPConfig, bindPassword: String?) -> String? {
        guard let server = ldap.server, !server.isEmpty else { return nil }
        func quoted(_ value: String) -> String { "\"" + singleLine(value).replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var options = ["ldapserver=\(quoted(server))"]
        if let port = ldap.port { options.append("ldapport=\(port)") }
        if let scheme = ldap.scheme { options.append("ldapscheme=\(quoted(scheme))") }
        if ldap.tls == true { options.append("ldaptls=1") }
        if let bind = ldap.bindAsAuth {
            options.append("ldapprefix=\(quoted(bind.prefix ?? ""))")
            options.append("ldapsuffix=\(quoted(bind.suffix ?? ""))")
        } else if let search = ldap.bindSearchAuth {
            options.append("ldapbasedn=\(quoted(search.baseDN ?? ""))")
            options.append("ldapbinddn=\(quoted(search.bindDN ?? ""))")
            options.append("ldapbindpasswd=\(quoted(bindPassword ?? ""))")
            if let filter = search.searchFilter { options.append("ldapsearchfilter=\(quoted(filter))") }
            if let attribute = search.searchAttribute { options.append("ldapsearchattribute=\(quoted(attribute))") }
        }
        return "host all all 0.0.0.0/0 ldap " + options.joined(separator: " ")
    }
}
