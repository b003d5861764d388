/// Failures talking to the API server, with the server's Status kept when there is one.
public enum KubeAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with a Kubernetes Status (404 NotFound, 409 Conflict, 410 Expired, 422 Invalid...).
    case status(code: Int, reason: String, message: String)
    /// No usable answer: connection refused, TLS failure, timeout, unreadable body.
    case transport(String)

    public var code: Int? {
        if case .status(let code, _, _) = self { return code }
        return nil
    }

    public var isNotFound: Bool { code == 404 }
    public var isConflict: Bool { code == 409 }
    public var isGone: Bool { code == 410 }
    /// Worth retrying with backoff: throttling, server errors, transport failures.
    public var isRetryable: Bool {
        switch self {
        case .status(let code, _, _): return code == 429 || code >= 500
        case .transport: return true
        }
    }

    public var description: String {
        switch self {
        case .status(let code, let reason, let message): return "\(code) \(reason): \(message)"
        case .transport(let message): return message
        }
    }

    public static func from(status code: Int, body: JSONValue?) -> KubeAPIError {
        .status(
            code: code, reason: body?["reason"]?.stringValue ?? "Unknown",
            message: body?["message"]?.stringValue ?? "the server answered HTTP \(code)")
    }
}
