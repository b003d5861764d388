import Foundation

/// CNPG's role synchronizer (`spec.managed.roles`), as pure planning: compare the declared roles
/// with what `pg_authid` holds and produce, per role, the statements that make them agree. Roles
/// only in the database are left alone; reserved roles are never touched.
public enum RoleSynchronizer {
    /// A role as the database has it.
    public struct DatabaseRole: Sendable, Equatable {
        public var name: String
        public var superuser = false, inherit = true, createrole = false, createdb = false
        public var login = false, replication = false, bypassrls = false
        public var connectionLimit: Int64 = -1
        /// `rolvaliduntil` as epoch seconds; nil for NULL (no expiry; `infinity` reads as +inf).
        public var validUntil: Double?
        public var comment: String?
        public var memberOf: [String] = []
        public var hasPassword = false
        /// `pg_authid.xmin`: changes with every write of the row (CNPG's password staleness check).
        public var transactionID: Int64 = 0

        public init(name: String) { self.name = name }
    }

    /// A role's password source: the Secret's resourceVersion and password (never logged).
    public struct PasswordSource: Sendable {
        public var resourceVersion: String
        public var username: String?
        public var password: String?
        public init(resourceVersion: String, username: String?, password: String?) {
            self.resourceVersion = resourceVersion
            self.username = username
            self.password = password
        }
    }

    public enum Status: String, Sendable {
        case reconciled
        case notManaged = "not-managed"
        case pending = "pending-reconciliation"
        case reserved
    }

    /// The work for one role; `statements` run in one transaction. `setsPassword` statements must
    /// not be logged by the server (the caller turns statement logging off).
    public struct Action: Sendable, Equatable {
        public var role: String
        public var statements: [String]
        public var setsPassword: Bool
        public var drops: Bool
    }

    public struct Plan: Sendable {
        public var actions: [Action] = []
        /// Roles that cannot be reconciled as declared, with why (status `cannotReconcile`).
        public var problems: [String: [String]] = [:]
    }

    public static func isReserved(_ name: String) -> Bool {
        name == "postgres" || name == "streaming_replica" || name.hasPrefix("cnpg_") || name.hasPrefix("pg_")
    }

    public static func plan(
        desired: [RoleConfiguration], existing: [DatabaseRole], passwords: [String: PasswordSource],
        passwordStatus: [String: PasswordState]
    ) -> Plan {
        var plan = Plan()
        let byName = Dictionary(existing.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for role in desired {
            if isReserved(role.name) {
                plan.problems[role.name] = ["role \(role.name) is reserved for the operator and PostgreSQL"]
                continue
            }
            do {
                if let action = try action(
                    for: role, current: byName[role.name], password: passwords[role.name],
                    stored: passwordStatus[role.name])
                {
                    plan.actions.append(action)
                }
            } catch {
                plan.problems[role.name] = ["\(error)"]
            }
        }
        return plan
    }

    struct PlanningError: Error, CustomStringConvertible {
        var description: String
    }

    static func action(
        for role: RoleConfiguration, current: DatabaseRole?, password: PasswordSource?,
        stored: PasswordState?
    ) throws -> Action? {
        let name = try SQLQuoting.identifier(role.name)
        if role.ensure == "absent" {
            guard current != nil else { return nil }
            return Action(role: role.name, statements: ["DROP ROLE \(name)"], setsPassword: false, drops: true)
        }
        let passwordClause = try self.passwordClause(role, current: current, source: password, stored: stored)
        var statements: [String] = []
        if let current {
            if attributesDiffer(role, current) || passwordClause != nil {
                statements.append("ALTER ROLE \(name) WITH " + (try attributes(role) + [passwordClause].compactMap { $0 }).joined(separator: " "))
            }
        } else {
            statements.append("CREATE ROLE \(name) WITH " + (try attributes(role) + [passwordClause].compactMap { $0 }).joined(separator: " "))
        }
        let comment = role.comment ?? ""
        if (current?.comment ?? "") != comment {
            statements.append("COMMENT ON ROLE \(name) IS " + (comment.isEmpty ? "NULL" : try SQLQuoting.literal(comment)))
        }
        let wanted = Set(role.inRoles ?? [])
        let have = Set(current?.memberOf ?? [])
        for parent in wanted.subtracting(have).sorted() { statements.append("GRANT \(try SQLQuoting.identifier(parent)) TO \(name)") }
        for parent in have.subtracting(wanted).sorted() { statements.append("REVOKE \(try SQLQuoting.identifier(parent)) FROM \(name)") }
        guard !statements.isEmpty else { return nil }
        return Action(role: role.name, statements: statements, setsPassword: passwordClause != nil, drops: false)
    }

    static func flag(_ value: Bool?, default fallback: Bool) -> Bool { value ?? fallback }

    static func attributes(_ role: RoleConfiguration) throws -> [String] {
        func word(_ on: Bool, _ keyword: String) -> String { on ? keyword : "NO" + keyword }
        var words = [
            word(flag(role.superuser, default: false), "SUPERUSER"), word(flag(role.createdb, default: false), "CREATEDB"),
            word(flag(role.createrole, default: false), "CREATEROLE"), word(flag(role.inherit, default: true), "INHERIT"),
            word(flag(role.login, default: false), "LOGIN"), word(flag(role.replication, default: false), "REPLICATION"),
            word(flag(role.bypassrls, default: false), "BYPASSRLS"),
            "CONNECTION LIMIT \(role.connectionLimit ?? -1)",
        ]
        words.append("VALID UNTIL " + (try role.validUntil.map { try SQLQuoting.literal($0) } ?? "'infinity'"))
        return words
    }

    static func attributesDiffer(_ role: RoleConfiguration, _ current: DatabaseRole) -> Bool {
        let pairs: [(Bool, Bool)] = [
            (flag(role.superuser, default: false), current.superuser), (flag(role.createdb, default: false), current.createdb),
            (flag(role.createrole, default: false), current.createrole), (flag(role.inherit, default: true), current.inherit),
            (flag(role.login, default: false), current.login), (flag(role.replication, default: false), current.replication),
            (flag(role.bypassrls, default: false), current.bypassrls),
        ]
        if pairs.contains(where: { $0.0 != $0.1 }) || (role.connectionLimit ?? -1) != current.connectionLimit { return true }
        let wanted = role.validUntil.flatMap(parseTimestamp) ?? .infinity
        let have = current.validUntil ?? .infinity
        return wanted != have
    }

    /// `PASSWORD '<scram verifier>'` when the declared password is not the one applied last time
    /// (its Secret or the role's row changed since), `PASSWORD NULL` for disablePassword.
    static func passwordClause(
        _ role: RoleConfiguration, current: DatabaseRole?, source: PasswordSource?,
        stored: PasswordState?
    ) throws -> String? {
        if role.disablePassword == true {
            return current?.hasPassword == false ? nil : "PASSWORD NULL"
        }
        guard let secretName = role.passwordSecret?.name else { return nil }
        guard let source else { throw PlanningError(description: "password secret \(secretName) not found") }
        guard let password = source.password, !password.isEmpty else {
            throw PlanningError(description: "password secret \(secretName) has no password")
        }
        if let username = source.username, username != role.name {
            throw PlanningError(description: "password secret \(secretName) is for user \(username), not \(role.name)")
        }
        if let current, let stored, stored.resourceVersion == source.resourceVersion, stored.transactionID == current.transactionID {
            return nil
        }
        let verifier = SCRAMSHA256.isVerifier(password) ? password : SCRAMSHA256.verifier(password: password)
        return "PASSWORD " + (try SQLQuoting.literal(verifier))
    }

    /// RFC 3339 / PostgreSQL timestamps (`2030-01-01T00:00:00Z`, `2030-01-01 00:00:00+00`), `infinity`.
    public static func parseTimestamp(_ text: String) -> Double? {
        if text == "infinity" { return .infinity }
        if text == "-infinity" { return -.infinity }
        var normalized = text.replacingOccurrences(of: " ", with: "T")
        if normalized.hasSuffix("+00") { normalized = String(normalized.dropLast(3)) + "Z" }
        return KubeTime.parse(normalized)?.timeIntervalSince1970
    }

    /// `status.managedRolesStatus.byStatus`: declared roles reconciled or pending, database roles
    /// not declared, reserved ones.
    public static func byStatus(desired: [RoleConfiguration], existing: [DatabaseRole], failed: Set<String>) -> [String: [String]] {
        var result: [String: [String]] = [:]
        let declared = Set(desired.map(\.name))
        for role in desired {
            let status: Status = isReserved(role.name) ? .reserved : failed.contains(role.name) ? .pending : .reconciled
            if role.ensure == "absent", status == .reconciled { continue }
            result[status.rawValue, default: []].append(role.name)
        }
        for role in existing where !declared.contains(role.name) {
            result[(isReserved(role.name) ? Status.reserved : .notManaged).rawValue, default: []].append(role.name)
        }
        return result.mapValues { $0.sorted() }
    }
}
