import CNPGTestSupport
import Foundation
import Testing

/// The test harness's own child handling: a command that leaves a daemon behind (holding
/// Foundation's monitoring socket, not our pipes) still ends with its status and in bounded time.
@Suite struct ExternalToolTests {
    @Test("a command that leaves a daemon behind returns its exit status at once")
    func daemonLeftBehind() throws {
        let bash = try #require(ExternalTool.find("bash"))
        let started = Date()
        let result = try ExternalTool.run(bash, ["-c", "sleep 30 >/dev/null 2>&1 </dev/null & echo $!; exit 3"], timeout: 20)
        #expect(result.status == 3)
        #expect(Date().timeIntervalSince(started) < 15, "waited for the daemon")
        if let daemon = Int32(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(daemon, SIGKILL) }
    }
}
