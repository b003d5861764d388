import CNPGCore
import Foundation
import Logging
import PostgresNIO

/// On the primary: makes the database's roles what `spec.managed.roles` declares (CNPG's role
/// synchronizer) and reports it in `status.managedRolesStatus`. Passwords are sent as SCRAM
/// verifiers with statement logging off; a role's password is written again only when its
/// Secret's resourceVersion or the role's row (`pg_authid.xmin`) changed since the last write.
struct ManagedRoleSync: Sendable {
    let database: LocalDatabase
    let access: ClusterAccess
    let logger: Logger

    func reconcile(cluster: Cluster) async throws {
        let desired = cluster.spec.managed?.roles ?? []
        guard !desired.isEmpty || cluster.status?.managedRolesStatus != nil else { return }
        var existing = try await databaseRoles()
        var passwords: [String: RoleSynchronizer.PasswordSource] = [:]
        for role in desired where role.disablePassword != true && role.ensure != "absent" {
            guard let name = role.passwordSecret?.name, let secret = try await access.secret(name) else { continue }
            passwords[role.name] = .init(resourceVersion: secret.resourceVersion, username: secret.values["username"], password: secret.values["password"])
        }
        let stored = cluster.status?.managedRolesStatus?.passwordStatus ?? [:]
        let plan = RoleSynchronizer.plan(desired: desired, existing: existing, passwords: passwords, passwordStatus: stored)
        var problems = plan.problems
        for action in plan.actions {
            do {
                try await database.transaction(action.statements, unlogged: action.setsPassword)
                logger.info(action.drops ? "managed role dropped" : "managed role reconciled", metadata: ["role": "\(action.role)"])
            } catch {
                let message = (error as? PSQLError)?.serverInfo?[.message] ?? "\(error)"
                problems[action.role] = [message]
                logger.warning("managed role cannot be reconciled", metadata: ["role": "\(action.role)", "error": "\(message)"])
            }
        }
        for (role, messages) in plan.problems {
            logger.warning("managed role cannot be reconciled", metadata: ["role": "\(role)", "error": "\(messages.joined(separator: "; "))"])
        }
        if !plan.actions.isEmpty { existing = try await databaseRoles() }
        var passwordStatus: [String: PasswordState] = [:]
        for role in desired where problems[role.name] == nil {
            guard let source = passwords[role.name], let current = existing.first(where: { $0.name == role.name }) else { continue }
            passwordStatus[role.name] = PasswordState(transactionID: current.transactionID, resourceVersion: source.resourceVersion)
        }
        let status = ManagedRoles(
            byStatus: RoleSynchronizer.byStatus(desired: desired, existing: existing, failed: Set(problems.keys)),
            cannotReconcile: problems.isEmpty ? nil : problems,
            passwordStatus: passwordStatus.isEmpty ? nil : passwordStatus)
        guard status != cluster.status?.managedRolesStatus else { return }
        let encoded = ObjectCodec.encode(status)
        let change = cluster.status?.managedRolesStatus.map { JSONPatch.mergePatchBetween(ObjectCodec.encode($0), encoded) } ?? encoded
        guard let change else { return }
        try await access.patchStatus([("managedRolesStatus", change)])
    }

    /// Every login-capable or group role that is not a built-in one, with what the planner compares.
    private func databaseRoles() async throws -> [RoleSynchronizer.DatabaseRole] {
        let logger = self.logger
        let rows = try await database.withConnection { connection in
            try await connection.rows(
                """
                SELECT a.rolname::text, a.rolsuper::text, a.rolinherit::text, a.rolcreaterole::text, a.rolcreatedb::text,
                       a.rolcanlogin::text, a.rolreplication::text, a.rolbypassrls::text, a.rolconnlimit::text,
                       CASE WHEN a.rolvaliduntil IS NULL THEN NULL
                            WHEN a.rolvaliduntil = 'infinity' THEN 'infinity'
                            ELSE EXTRACT(EPOCH FROM a.rolvaliduntil)::text END,
                       pg_catalog.shobj_description(a.oid, 'pg_authid'),
                       (a.rolpassword IS NOT NULL)::text, a.xmin::text,
                       COALESCE((SELECT pg_catalog.string_agg(g.rolname, ',' ORDER BY g.rolname)
                                 FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
                                 WHERE m.member = a.oid), '')
                FROM pg_catalog.pg_authid a
                WHERE a.oid >= 16384 OR a.rolname = 'postgres'
                ORDER BY a.rolname
                """, logger: logger)
        }
        return rows.map { row in
            func flag(_ index: Int) -> Bool { row[index] == "true" }
            var role = RoleSynchronizer.DatabaseRole(name: row[0] ?? "")
            (role.superuser, role.inherit, role.createrole, role.createdb) = (flag(1), flag(2), flag(3), flag(4))
            (role.login, role.replication, role.bypassrls) = (flag(5), flag(6), flag(7))
            role.connectionLimit = Int64(row[8] ?? "") ?? -1
            role.validUntil = row[9].flatMap { $0 == "infinity" ? .infinity : Double($0) }
            role.comment = row[10]
            role.hasPassword = flag(11)
            role.transactionID = Int64(row[12] ?? "") ?? 0
            role.memberOf = (row[13] ?? "").split(separator: ",").map(String.init)
            return role
        }
    }
}
