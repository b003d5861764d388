import Foundation

public enum Eventually {
    /// Polls `condition` every 200 ms for at most `seconds`; whether it became true.
    public static func check(within seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return try await condition()
    }
}
