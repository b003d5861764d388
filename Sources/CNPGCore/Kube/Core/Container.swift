/// corev1.Container.
public struct Container: Codable, Sendable, Equatable {
    public var name: String
    public var image: String?
    public var command: [String]?
    public var args: [String]?
    public var workingDir: String?
    public var ports: [ContainerPort]?
    public var envFrom: [EnvFromSource]?
    public var env: [EnvVar]?
    public var resources: ResourceRequirements?
    public var resizePolicy: [ContainerResizePolicy]?
    public var restartPolicy: String?
    public var volumeMounts: [VolumeMount]?
    public var volumeDevices: [VolumeDevice]?
    public var livenessProbe: Probe?
    public var readinessProbe: Probe?
    public var startupProbe: Probe?
    public var lifecycle: Lifecycle?
    public var terminationMessagePath: String?
    public var terminationMessagePolicy: String?
    public var imagePullPolicy: String?
    public var securityContext: SecurityContext?
    public var stdin: Bool?
    public var stdinOnce: Bool?
    public var tty: Bool?
    public init(name: String) { self.name = name }
}

public struct ContainerPort: Codable, Sendable, Equatable {
    public var name: String?
    public var hostPort: Int32?
    public var containerPort: Int32
    public var `protocol`: String?
    public var hostIP: String?
    public init(name: String?, containerPort: Int32, protocol: String? = "TCP") {
        self.name = name
        self.containerPort = containerPort
        self.protocol = `protocol`
    }
}

public struct ContainerResizePolicy: Codable, Sendable, Equatable {
    public var resourceName: String
    public var restartPolicy: String
}

public struct VolumeMount: Codable, Sendable, Equatable {
    public var name: String
    public var readOnly: Bool?
    public var recursiveReadOnly: String?
    public var mountPath: String
    public var subPath: String?
    public var mountPropagation: String?
    public var subPathExpr: String?
    public init(name: String, mountPath: String, readOnly: Bool? = nil, subPath: String? = nil) {
        self.name = name
        self.mountPath = mountPath
        self.readOnly = readOnly
        self.subPath = subPath
    }
}

public struct VolumeDevice: Codable, Sendable, Equatable {
    public var name: String
    public var devicePath: String
}

public struct Lifecycle: Codable, Sendable, Equatable {
    public var postStart: LifecycleHandler?
    public var preStop: LifecycleHandler?
    public var stopSignal: String?
}

public struct LifecycleHandler: Codable, Sendable, Equatable {
    public var exec: ExecAction?
    public var httpGet: HTTPGetAction?
    public var tcpSocket: TCPSocketAction?
    public var sleep: SleepAction?
}

public struct SleepAction: Codable, Sendable, Equatable {
    public var seconds: Int64
}
