import CNPGCore
import Foundation
import Testing

/// Planning of spec.managed.roles against the database's roles.
@Suite struct RoleSynchronizerTests {
    func role(_ name: String, _ configure: (inout RoleConfiguration) -> Void = { _ in }) -> RoleConfiguration {
        var role = RoleConfiguration(name: name)
        configure(&role)
        return role
    }

    @Test func createsAMissingRoleWithItsAttributesPasswordAndMemberships() throws {
        let desired = role("dante") {
            $0.login = true
            $0.connectionLimit = 4
            $0.comment = "it's managed"
            $0.inRoles = ["pg_monitor"]
            $0.passwordSecret = LocalObjectReference(name: "dante-password")
        }
        let plan = RoleSynchronizer.plan(
            desired: [desired], existing: [], passwords: ["dante": .init(resourceVersion: "7", username: "dante", password: "secret")],
            passwordStatus: [:])
        let action = try #require(plan.actions.first)
        #expect(action.setsPassword)
        #expect(
            action.statements[0].hasPrefix(
                "CREATE ROLE \"dante\" WITH NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT LOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 4 VALID UNTIL 'infinity' PASSWORD 'SCRAM-SHA-256$4096:"
            ))
        #expect(!action.statements.joined().contains("secret"), "only the verifier is sent")
        #expect(action.statements[1] == "COMMENT ON ROLE \"dante\" IS 'it''s managed'")
        #expect(action.statements[2] == "GRANT \"pg_monitor\" TO \"dante\"")
    }

    @Test func aReconciledRoleNeedsNothingUntilItsSecretOrRowChanges() {
        let desired = role("dante") {
            $0.login = true
            $0.passwordSecret = LocalObjectReference(name: "dante-password")
        }
        var current = RoleSynchronizer.DatabaseRole(name: "dante")
        current.login = true
        current.hasPassword = true
        current.transactionID = 900
        let source = RoleSynchronizer.PasswordSource(resourceVersion: "7", username: "dante", password: "secret")
        let stored = ["dante": PasswordState(transactionID: 900, resourceVersion: "7")]
        #expect(RoleSynchronizer.plan(desired: [desired], existing: [current], passwords: ["dante": source], passwordStatus: stored).actions.isEmpty)

        let newSecret = RoleSynchronizer.PasswordSource(resourceVersion: "8", username: "dante", password: "other")
        let rotated = RoleSynchronizer.plan(desired: [desired], existing: [current], passwords: ["dante": newSecret], passwordStatus: stored)
        #expect(rotated.actions.first?.statements.first?.contains("PASSWORD 'SCRAM-SHA-256$") == true)

        current.transactionID = 901
        let touched = RoleSynchronizer.plan(desired: [desired], existing: [current], passwords: ["dante": source], passwordStatus: stored)
        #expect(touched.actions.first?.setsPassword == true, "someone altered the role: the declared password is applied again")
    }

    @Test func attributesMembershipsCommentsAndDrops() {
        var current = RoleSynchronizer.DatabaseRole(name: "app_reader")
        current.login = true
        current.memberOf = ["pg_read_all_data", "pg_monitor"]
        current.comment = "old"
        let desired = role("app_reader") {
            $0.login = true
            $0.createdb = true
            $0.inRoles = ["pg_monitor"]
        }
        let statements = RoleSynchronizer.plan(desired: [desired], existing: [current], passwords: [:], passwordStatus: [:]).actions.first?.statements
        #expect(
            statements == [
                "ALTER ROLE \"app_reader\" WITH NOSUPERUSER CREATEDB NOCREATEROLE INHERIT LOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 VALID UNTIL 'infinity'",
                "COMMENT ON ROLE \"app_reader\" IS NULL",
                "REVOKE \"pg_read_all_data\" FROM \"app_reader\"",
            ])
        let drop = RoleSynchronizer.plan(desired: [role("app_reader") { $0.ensure = "absent" }], existing: [current], passwords: [:], passwordStatus: [:])
        #expect(drop.actions.map(\.statements) == [["DROP ROLE \"app_reader\""]])
        #expect(drop.actions.first?.drops == true)
        #expect(RoleSynchronizer.plan(desired: [role("gone") { $0.ensure = "absent" }], existing: [], passwords: [:], passwordStatus: [:]).actions.isEmpty)
    }

    @Test func validUntilAndDisabledPasswords() {
        var current = RoleSynchronizer.DatabaseRole(name: "temp")
        current.validUntil = RoleSynchronizer.parseTimestamp("2030-01-01 00:00:00+00")
        current.hasPassword = true
        let same = role("temp") { $0.validUntil = "2030-01-01T00:00:00Z" }
        #expect(RoleSynchronizer.plan(desired: [same], existing: [current], passwords: [:], passwordStatus: [:]).actions.isEmpty)
        let disabled = role("temp") {
            $0.validUntil = "2030-01-01T00:00:00Z"
            $0.disablePassword = true
        }
        #expect(
            RoleSynchronizer.plan(desired: [disabled], existing: [current], passwords: [:], passwordStatus: [:]).actions.first?.statements
                == [
                    "ALTER ROLE \"temp\" WITH NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOLOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 VALID UNTIL '2030-01-01T00:00:00Z' PASSWORD NULL"
                ])
    }

    @Test func problemsAreReportedNotExecuted() {
        let wrongUser = role("dante") { $0.passwordSecret = LocalObjectReference(name: "s") }
        let plan = RoleSynchronizer.plan(
            desired: [role("postgres"), role("cnpg_x"), wrongUser, role("missing") { $0.passwordSecret = LocalObjectReference(name: "nope") }],
            existing: [], passwords: ["dante": .init(resourceVersion: "1", username: "virgil", password: "p")], passwordStatus: [:])
        #expect(plan.actions.isEmpty)
        #expect(plan.problems["postgres"] == ["role postgres is reserved for the operator and PostgreSQL"])
        #expect(plan.problems["cnpg_x"] != nil)
        #expect(plan.problems["dante"] == ["password secret s is for user virgil, not dante"])
        #expect(plan.problems["missing"] == ["password secret nope not found"])
        #expect(!"\(plan.problems)".contains("\"p\""), "no password in problems")
    }

    @Test func statusGroupsRoles() {
        let existing = ["app", "dante", "postgres", "streaming_replica"].map { RoleSynchronizer.DatabaseRole(name: $0) }
        let status = RoleSynchronizer.byStatus(desired: [role("dante"), role("orphan")], existing: existing, failed: ["orphan"])
        #expect(
            status == ["reconciled": ["dante"], "pending-reconciliation": ["orphan"], "not-managed": ["app"], "reserved": ["postgres", "streaming_replica"]])
    }
}
