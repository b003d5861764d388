import Foundation

/// Top-level core objects the operator creates.
public struct Secret: Codable, Sendable, Equatable {
    public var apiVersion = "v1"
    public var kind = "Secret"
    public var metadata: ObjectMeta
    public var type: String?
    /// Base64-encoded values, as the API carries them.
    public var data: [String: String]?
    public var stringData: [String: String]?
    public var immutable: Bool?

    public init(metadata: ObjectMeta, type: String?, stringValues: [String: String]) {
        self.metadata = metadata
        self.type = type
        data = stringValues.mapValues { Data($0.utf8).base64EncodedString() }
    }

    /// The decoded values (data, with stringData on top as the API server merges them).
    public var stringValues: [String: String] {
        var values = (data ?? [:]).compactMapValues { Data(base64Encoded: $0).flatMap { String(data: $0, encoding: .utf8) } }
        values.merge(stringData ?? [:]) { _, new in new }
        return values
    }
}

public struct Service: Codable, Sendable, Equatable {
    public var apiVersion = "v1"
    public var kind = "Service"
    public var metadata: ObjectMeta
    public var spec: ServiceSpec?
    public init(metadata: ObjectMeta, spec: ServiceSpec) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct PersistentVolumeClaim: Codable, Sendable, Equatable {
    public var apiVersion = "v1"
    public var kind = "PersistentVolumeClaim"
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeClaimSpec?
    public init(metadata: ObjectMeta, spec: PersistentVolumeClaimSpec) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct PodDisruptionBudget: Codable, Sendable, Equatable {
    public var apiVersion = "policy/v1"
    public var kind = "PodDisruptionBudget"
    public var metadata: ObjectMeta
    public var spec: PodDisruptionBudgetSpec?
    public init(metadata: ObjectMeta, spec: PodDisruptionBudgetSpec) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct PodDisruptionBudgetSpec: Codable, Sendable, Equatable {
    public var minAvailable: IntOrString?
    public var maxUnavailable: IntOrString?
    public var selector: LabelSelector?
    public var unhealthyPodEvictionPolicy: String?
    public init(minAvailable: IntOrString?, selector: LabelSelector?) {
        self.minAvailable = minAvailable
        self.selector = selector
    }
}

public struct Pod: Codable, Sendable, Equatable {
    public var apiVersion = "v1"
    public var kind = "Pod"
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: JSONValue?
    public init(metadata: ObjectMeta, spec: PodSpec) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct Job: Codable, Sendable, Equatable {
    public var apiVersion = "batch/v1"
    public var kind = "Job"
    public var metadata: ObjectMeta
    public var spec: JobSpec?
    public var status: JSONValue?
    public init(metadata: ObjectMeta, spec: JobSpec) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct JobSpec: Codable, Sendable, Equatable {
    public var parallelism: Int32?
    public var completions: Int32?
    public var activeDeadlineSeconds: Int64?
    public var backoffLimit: Int32?
    public var ttlSecondsAfterFinished: Int32?
    public var template: PodTemplateSpec
    public init(template: PodTemplateSpec) { self.template = template }
}
