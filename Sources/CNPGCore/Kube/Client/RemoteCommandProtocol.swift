/// The channel protocol of `pods/exec` over WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`):
/// every binary message starts with the stream it belongs to; v5 adds the message `[255, id]`,
/// which closes one stream (how a client says its standard input ended). The error stream carries
/// one `Status` object telling how the command ended (kubectl reads the exit code from its
/// `details.causes`).
public enum RemoteCommandProtocol {
    public static let v5 = "v5.channel.k8s.io"
    public static let v4 = "v4.channel.k8s.io"
    /// In order of preference.
    public static let supported = [v5, v4]

    public enum Stream: UInt8, Sendable {
        case stdin = 0
        case stdout = 1
        case stderr = 2
        case error = 3
        case resize = 4
    }

    static let closeMarker: UInt8 = 255

    public enum Message: Equatable, Sendable {
        case data(Stream, [UInt8])
        case close(Stream)
    }

    /// The protocol to answer with, from a `Sec-WebSocket-Protocol` header listing the client's
    /// choices (comma separated, possibly in several headers joined the same way); nil if none fits.
    public static func negotiate(offered header: String?) -> String? {
        let offered = (header ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return offered.first { supported.contains($0) }
    }

    public static func encode(_ message: Message) -> [UInt8] {
        switch message {
        case .data(let stream, let bytes): [stream.rawValue] + bytes
        case .close(let stream): [closeMarker, stream.rawValue]
        }
    }

    /// nil for an empty message or an unknown stream.
    public static func decode(_ bytes: [UInt8]) -> Message? {
        guard let first = bytes.first else { return nil }
        if first == closeMarker {
            guard bytes.count == 2, let stream = Stream(rawValue: bytes[1]) else { return nil }
            return .close(stream)
        }
        guard let stream = Stream(rawValue: first) else { return nil }
        return .data(stream, Array(bytes.dropFirst()))
    }

    /// The error stream's `Status` for a command that ended with `exitCode`, as the kubelet writes it.
    public static func status(exitCode: Int32, command: [String]) -> JSONValue {
        guard exitCode != 0 else { return .object([("metadata", .object([])), ("status", .string("Success"))]) }
        return .object([
            ("metadata", .object([])), ("status", .string("Failure")),
            (
                "message",
                .string("command terminated with non-zero exit code: error executing command [\(command.joined(separator: " "))], exit code \(exitCode)")
            ),
            ("reason", .string("NonZeroExitCode")),
            ("details", .object([("causes", .array([.object([("reason", .string("ExitCode")), ("message", .string(String(exitCode)))])]))])),
        ])
    }

    /// A `Status` for a command that could not run at all.
    public static func failureStatus(_ message: String) -> JSONValue {
        .object([
            ("metadata", .object([])), ("status", .string("Failure")), ("message", .string(message)),
            ("reason", .string("InternalError")), ("code", .int(500)),
        ])
    }
}
