import CNPGCore
import Testing

/// The operator's memory of instances that do not answer their status poll.
@Suite struct InstanceSilencesTests {
    func pod(_ name: String, uid: String) -> JSONValue {
        .object([("metadata", .object([("name", .string(name)), ("uid", .string(uid))]))])
    }

    @Test("silence counts from the first unanswered poll, an answer ends it, and a pod no longer polled is forgotten")
    func silences() {
        let tracker = InstanceSilences()
        let start = ContinuousClock.now
        tracker.record(uid: "u1", answered: false, now: start)
        tracker.record(uid: "u1", answered: false, now: start + .seconds(5))
        tracker.record(uid: "u2", answered: false, now: start + .seconds(5))
        let pods = [pod("pg-1", uid: "u1"), pod("pg-2", uid: "u2"), pod("pg-3", uid: "u3")]
        #expect(tracker.silence(of: pods, now: start + .seconds(8)) == ["pg-1": .seconds(8), "pg-2": .seconds(3)])
        tracker.record(uid: "u2", answered: true, now: start + .seconds(9))
        #expect(tracker.silence(of: pods, now: start + .seconds(9)).keys.sorted() == ["pg-1"])
        // u1 is deleted and never polled again; another pod's poll an hour later forgets it.
        tracker.record(uid: "u3", answered: false, now: start + .seconds(5) + InstanceSilences.forgetAfter)
        #expect(tracker.trackedCount == 1)
        #expect(tracker.silence(of: pods, now: start + .seconds(5) + InstanceSilences.forgetAfter).keys.sorted() == ["pg-3"])
    }
}
