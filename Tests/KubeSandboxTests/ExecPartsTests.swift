import CNPGCore
import Foundation
import Testing

@testable import KubeSandbox

/// The pure parts of `kubectl exec`: the channel protocol, the query, the container's identity.
@Suite struct ExecPartsTests {
    @Test("messages carry their stream first; v5's close message names the stream it ends")
    func channelFraming() {
        #expect(RemoteCommandProtocol.encode(.data(.stdout, [104, 105])) == [1, 104, 105])
        #expect(RemoteCommandProtocol.encode(.close(.stdin)) == [255, 0])
        #expect(RemoteCommandProtocol.decode([0, 7, 8]) == .data(.stdin, [7, 8]))
        #expect(RemoteCommandProtocol.decode([4]) == .data(.resize, []))
        #expect(RemoteCommandProtocol.decode([255, 0]) == .close(.stdin))
        #expect(RemoteCommandProtocol.decode([255]) == nil)
        #expect(RemoteCommandProtocol.decode([9, 1]) == nil)
        #expect(RemoteCommandProtocol.decode([]) == nil)
    }

    @Test("the first protocol offered that the sandbox speaks is chosen; SPDY-only and older ones are not")
    func negotiation() {
        #expect(RemoteCommandProtocol.negotiate(offered: "v5.channel.k8s.io") == "v5.channel.k8s.io")
        #expect(RemoteCommandProtocol.negotiate(offered: "channel.k8s.io, v4.channel.k8s.io,v5.channel.k8s.io") == "v4.channel.k8s.io")
        #expect(RemoteCommandProtocol.negotiate(offered: "base64.channel.k8s.io") == nil)
        #expect(RemoteCommandProtocol.negotiate(offered: nil) == nil)
    }

    @Test("the exit status travels as the kubelet's Status, with the code where kubectl reads it; failures keep their message")
    func exitStatus() throws {
        let success = RemoteCommandProtocol.status(exitCode: 0, command: ["true"])
        #expect(JSONText.serialize(success) == #"{"metadata":{},"status":"Success"}"#)
        let failure = RemoteCommandProtocol.status(exitCode: 3, command: ["sh", "-c", "exit 3"])
        #expect(failure["reason"]?.stringValue == "NonZeroExitCode")
        #expect(failure["message"]?.stringValue == "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3")
        #expect(failure["status"]?.stringValue == "Failure")
        #expect(failure["details"]?["causes"] == .array([.object([("reason", .string("ExitCode")), ("message", .string("3"))])]))
        let internalError = RemoteCommandProtocol.failureStatus("cannot run the command: gone")
        #expect(internalError["status"]?.stringValue == "Failure" && internalError["reason"]?.stringValue == "InternalError")
        #expect(internalError["message"]?.stringValue == "cannot run the command: gone")
    }

    @Test("the query keeps every command argument in order, decoded; bad combinations are refused by name")
    func options() throws {
        let query = PodExecOptions.parseQuery("command=psql&command=-c&command=select%201%2B1&container=postgres&stdin=true&stdout=true&tty=true")
        let options = try PodExecOptions(query: query)
        #expect(options.command == ["psql", "-c", "select 1+1"])
        #expect(options.container == "postgres")
        #expect(options.stdin && options.stdout && options.tty && !options.stderr)
        #expect(PodExecOptions.parseQuery("command=a+b")["command"] == ["a b"])
        #expect(throws: StatusError.badRequest("you must specify at least 1 command")) {
            try PodExecOptions(query: PodExecOptions.parseQuery("stdout=true"))
        }
        #expect(throws: StatusError.badRequest("you must specify at least one of stdin, stdout, stderr")) {
            try PodExecOptions(query: PodExecOptions.parseQuery("command=ls"))
        }
        #expect(throws: StatusError.badRequest("stderr cannot be requested with tty")) {
            try PodExecOptions(query: PodExecOptions.parseQuery("command=ls&stderr=true&tty=true"))
        }
    }

    @Test("the container's user, group and environment come from /proc/PID/status and environ")
    func identity() throws {
        let status = "Name:\tpostgres\nUid:\t26\t26\t26\t26\nGid:\t1000\t26\t26\t26\nGroups:\t26\n"
        let environ = Array("PATH=/usr/bin:/bin\u{0}PGDATA=/var/lib/postgresql/data/pgdata\u{0}EMPTY=\u{0}=junk\u{0}".utf8)
        let identity = try #require(ContainerIdentity.parse(status: status, environ: environ))
        #expect(identity.uid == 26 && identity.gid == 26)
        #expect(identity.environment == ["PATH": "/usr/bin:/bin", "PGDATA": "/var/lib/postgresql/data/pgdata", "EMPTY": ""])
        #expect(ContainerIdentity.parse(status: "Name:\tx\n", environ: []) == nil)
        // Our own process reads the same way the sandbox reads a container's.
        let own = try ContainerIdentity.read(processID: getpid())
        #expect(own.uid == getuid() && own.environment["PATH"] == ProcessInfo.processInfo.environment["PATH"])
    }
}

/// The sandbox's disruption controller: PodDisruptionBudget status from the pods it selects.
@Suite struct DisruptionBudgetStatusTests {
    static func pod(_ name: String, role: String, ready: Bool, terminating: Bool = false) throws -> JSONValue {
        try JSONText.parse(
            #"{"metadata":{"name":"\#(name)","labels":{"cnpg.io/cluster":"pg","cnpg.io/instanceRole":"\#(role)"}\#(terminating ? #","deletionTimestamp":"2026-11-30T10:00:00Z""# : "")},"status":{"conditions":[{"type":"Ready","status":"\#(ready ? "True" : "False")"}]}}"#
        )
    }

    @Test("expected, healthy, desired and allowed disruptions follow minAvailable, maxUnavailable and readiness")
    func status() throws {
        let pods = try [
            Self.pod("pg-1", role: "primary", ready: true), Self.pod("pg-2", role: "replica", ready: true),
            Self.pod("pg-3", role: "replica", ready: true), Self.pod("pg-4", role: "replica", ready: false),
            Self.pod("pg-5", role: "replica", ready: true, terminating: true),
        ]
        let budget = { (spec: String) throws -> JSONValue in try JSONText.parse(#"{"metadata":{"name":"b","generation":2},"spec":\#(spec)}"#) }
        let replicas = DisruptionBudgetController.status(
            of: try budget(#"{"minAvailable":1,"selector":{"matchLabels":{"cnpg.io/instanceRole":"replica"}}}"#), pods: pods)
        #expect(replicas["expectedPods"] == .int(4) && replicas["currentHealthy"] == .int(2) && replicas["desiredHealthy"] == .int(1))
        #expect(replicas["disruptionsAllowed"] == .int(1) && replicas["observedGeneration"] == .int(2))
        #expect(replicas["conditions"]?.arrayValue?.first?["reason"] == .string("SufficientPods"))
        let primary = DisruptionBudgetController.status(
            of: try budget(#"{"minAvailable":1,"selector":{"matchLabels":{"cnpg.io/instanceRole":"primary"}}}"#), pods: pods)
        #expect(primary["disruptionsAllowed"] == .int(0) && primary["conditions"]?.arrayValue?.first?["status"] == .string("False"))
        let percent = DisruptionBudgetController.status(of: try budget(#"{"maxUnavailable":"50%","selector":{}}"#), pods: pods)
        #expect(percent["expectedPods"] == .int(5) && percent["desiredHealthy"] == .int(2) && percent["disruptionsAllowed"] == .int(1))
        let noSelector = DisruptionBudgetController.status(of: try budget(#"{"minAvailable":1}"#), pods: pods)
        #expect(noSelector["expectedPods"] == .int(0) && noSelector["disruptionsAllowed"] == .int(0))
    }
}
