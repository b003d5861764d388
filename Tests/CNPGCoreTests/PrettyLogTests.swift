import CNPGCore
import Foundation
import Testing

/// `kubectl cnpg logs pretty`: JSON lines of the managers and PostgreSQL's relayed records, readable.
@Suite struct PrettyLogTests {
    static let manager =
        #"{"level":"warning","ts":"2026-11-30T10:00:02.000Z","logger":"instance-manager","msg":"primary lease renewal failed","error":"timeout","lease":"cluster-example"}"#
    static let record =
        #"{"level":"info","ts":"2026-11-30T10:00:01.000Z","logger":"postgres","msg":"record","logging_pod":"cluster-example-1","record":{"error_severity":"FATAL","message":"password authentication failed for user \"app\"","detail":"Connection matched pg_hba.conf line 7"}}"#

    @Test func linesReadAsTimeLevelPodLoggerMessage() {
        #expect(PrettyLog.render(Self.manager) == "2026-11-30T10:00:02.000Z WARNING - instance-manager primary lease renewal failed error=timeout")
        #expect(
            PrettyLog.render(Self.record)
                == #"2026-11-30T10:00:01.000Z ERROR   cluster-example-1 postgres FATAL: password authentication failed for user "app" (Connection matched pg_hba.conf line 7)"#
        )
        var verbose = PrettyLog.Filter()
        verbose.verbose = true
        #expect(PrettyLog.render(Self.manager, filter: verbose)?.hasSuffix("error=timeout lease=cluster-example") == true)
        #expect(PrettyLog.render("not json at all") == "not json at all")
    }

    @Test func filtersAndTimeOrder() {
        var errors = PrettyLog.Filter()
        errors.minimumLevel = .error
        #expect(PrettyLog.render(Self.manager, filter: errors) == nil)
        #expect(PrettyLog.render(Self.record, filter: errors) != nil, "a FATAL record counts as an error")
        var pod = PrettyLog.Filter()
        pod.pods = ["cluster-example-2"]
        #expect(PrettyLog.render(Self.record, filter: pod) == nil)
        var logger = PrettyLog.Filter()
        logger.loggers = ["postgres"]
        #expect(PrettyLog.render(Self.manager, filter: logger) == nil && PrettyLog.render(Self.record, filter: logger) != nil)
        #expect(PrettyLog.render("LOG:  redirecting log output", filter: logger) == nil, "unattributable lines go when filtering")
        #expect(PrettyLog.sortedByTime([Self.manager, Self.record, "plain"]) == ["plain", Self.record, Self.manager])
        #expect(PrettyLog.Level("warn") == .warning && PrettyLog.Level("PANIC") == .error && PrettyLog.Level("loud") == nil)
    }
}
