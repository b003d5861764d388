/// corev1.Probe.
public struct Probe: Codable, Sendable, Equatable {
    public var exec: ExecAction?
    public var httpGet: HTTPGetAction?
    public var tcpSocket: TCPSocketAction?
    public var grpc: GRPCAction?
    public var initialDelaySeconds: Int32?
    public var timeoutSeconds: Int32?
    public var periodSeconds: Int32?
    public var successThreshold: Int32?
    public var failureThreshold: Int32?
    public var terminationGracePeriodSeconds: Int64?
    public init() {}
}

public struct ExecAction: Codable, Sendable, Equatable {
    public var command: [String]?
}

public struct HTTPGetAction: Codable, Sendable, Equatable {
    public var path: String?
    public var port: IntOrString
    public var host: String?
    public var scheme: String?
    public var httpHeaders: [HTTPHeader]?
    public init(path: String?, port: IntOrString, scheme: String? = nil) {
        self.path = path
        self.port = port
        self.scheme = scheme
    }
}

public struct HTTPHeader: Codable, Sendable, Equatable {
    public var name: String
    public var value: String
}

public struct TCPSocketAction: Codable, Sendable, Equatable {
    public var port: IntOrString
    public var host: String?
}

public struct GRPCAction: Codable, Sendable, Equatable {
    public var port: Int32
    public var service: String?
}
