import CNPGCore
import Foundation

/// Kubernetes protobuf request bodies turned into the JSON the rest of the sandbox handles: the
/// `k8s\0` envelope (`runtime.Unknown`) and the messages typed clients send (helm's release
/// Secrets, `kubectl create configmap|namespace|token`, DeleteOptions, access reviews).
enum KubernetesProtobuf {
    static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]

    /// How a field is turned into JSON.
    indirect enum FieldType: Sendable {
        case string
        /// A string the gogo encoder writes even when unset: "" means absent.
        case optionalString
        case int64
        /// An int the encoder writes even when unset: 0 means absent.
        case optionalInt64
        case bool
        case bytes
        case time
        case message(Schema)
        case repeated(FieldType)
        case map(FieldType)
    }

    typealias Schema = [Int: (name: String, type: FieldType)]

    struct Unsupported: Error, CustomStringConvertible {
        let description: String
    }

    static let ownerReference: Schema = [
        1: ("kind", .string), 3: ("name", .string), 4: ("uid", .string), 5: ("apiVersion", .string),
        6: ("controller", .bool), 7: ("blockOwnerDeletion", .bool),
    ]
    static let objectMeta: Schema = [
        1: ("name", .optionalString), 2: ("generateName", .optionalString), 3: ("namespace", .optionalString),
        5: ("uid", .optionalString), 6: ("resourceVersion", .optionalString), 7: ("generation", .optionalInt64),
        8: ("creationTimestamp", .time), 9: ("deletionTimestamp", .time), 10: ("deletionGracePeriodSeconds", .int64),
        11: ("labels", .map(.string)), 12: ("annotations", .map(.string)), 13: ("ownerReferences", .repeated(.message(ownerReference))),
        14: ("finalizers", .repeated(.string)),
    ]
    static let resourceAttributes: Schema = [
        1: ("namespace", .optionalString), 2: ("verb", .optionalString), 3: ("group", .optionalString),
        4: ("version", .optionalString), 5: ("resource", .optionalString),
        6: ("subresource", .optionalString), 7: ("name", .optionalString),
    ]

    static let policyRule: Schema = [
        1: ("verbs", .repeated(.string)), 2: ("apiGroups", .repeated(.string)), 3: ("resources", .repeated(.string)),
        4: ("resourceNames", .repeated(.string)), 5: ("nonResourceURLs", .repeated(.string)),
    ]
    static let binding: Schema = [
        1: ("metadata", .message(objectMeta)),
        2: (
            "subjects",
            .repeated(
                .message([
                    1: ("kind", .string), 2: ("apiGroup", .optionalString), 3: ("name", .string),
                    4: ("namespace", .optionalString),
                ]))
        ),
        3: ("roleRef", .message([1: ("apiGroup", .string), 2: ("kind", .string), 3: ("name", .string)])),
    ]

    /// The messages by `apiVersion/kind`.
    static let kinds: [String: Schema] = [
        "v1/Secret": [
            1: ("metadata", .message(objectMeta)), 2: ("data", .map(.bytes)), 3: ("type", .optionalString),
            4: ("stringData", .map(.string)), 5: ("immutable", .bool),
        ],
        "v1/ConfigMap": [
            1: ("metadata", .message(objectMeta)), 2: ("data", .map(.string)), 3: ("binaryData", .map(.bytes)),
            4: ("immutable", .bool),
        ],
        "v1/Namespace": [1: ("metadata", .message(objectMeta)), 2: ("spec", .message([1: ("finalizers", .repeated(.string))]))],
        "v1/ServiceAccount": [
            1: ("metadata", .message(objectMeta)), 3: ("imagePullSecrets", .repeated(.message([1: ("name", .string)]))),
            4: ("automountServiceAccountToken", .bool),
        ],
        "v1/DeleteOptions": [
            1: ("gracePeriodSeconds", .int64),
            2: (
                "preconditions",
                .message([
                    1: ("uid", .optionalString),
                    2: ("resourceVersion", .optionalString),
                ])
            ),
            3: ("orphanDependents", .bool), 4: ("propagationPolicy", .optionalString), 5: ("dryRun", .repeated(.string)),
        ],
        "rbac.authorization.k8s.io/v1/Role": [1: ("metadata", .message(objectMeta)), 2: ("rules", .repeated(.message(policyRule)))],
        "rbac.authorization.k8s.io/v1/ClusterRole": [1: ("metadata", .message(objectMeta)), 2: ("rules", .repeated(.message(policyRule)))],
        "rbac.authorization.k8s.io/v1/RoleBinding": binding,
        "rbac.authorization.k8s.io/v1/ClusterRoleBinding": binding,
        "authentication.k8s.io/v1/TokenRequest": [
            1: ("metadata", .message(objectMeta)),
            2: (
                "spec",
                .message([
                    1: ("audiences", .repeated(.string)), 4: ("expirationSeconds", .optionalInt64),
                    3: (
                        "boundObjectRef",
                        .message([
                            1: ("kind", .string), 2: ("apiVersion", .string), 3: ("name", .string),
                            4: ("uid", .optionalString),
                        ])
                    ),
                ])
            ),
        ],
        "authorization.k8s.io/v1/SelfSubjectAccessReview": [
            1: ("metadata", .message(objectMeta)),
            2: (
                "spec",
                .message([
                    1: ("resourceAttributes", .message(resourceAttributes)),
                    2: ("nonResourceAttributes", .message([1: ("path", .optionalString), 2: ("verb", .optionalString)])),
                ])
            ),
        ],
        "authorization.k8s.io/v1/SelfSubjectRulesReview": [
            1: ("metadata", .message(objectMeta)), 2: ("spec", .message([1: ("namespace", .optionalString)])),
        ],
    ]

    static func isProtobuf(_ contentType: String?) -> Bool { contentType?.contains("application/vnd.kubernetes.protobuf") == true }

    /// The JSON form of an enveloped body; kinds not in `kinds` are refused with the reason.
    static func decode(_ body: [UInt8]) throws -> JSONValue {
        guard body.starts(with: magic) else { throw Unsupported(description: "the protobuf body lacks the k8s envelope") }
        var apiVersion = ""
        var kind = ""
        var raw: [UInt8] = []
        for field in try ProtobufWire.fields(body[magic.count...]) {
            guard case .bytes(let bytes) = field.value else { continue }
            switch field.number {
            case 1:
                for typeField in try ProtobufWire.fields(bytes[...]) {
                    guard case .bytes(let text) = typeField.value else { continue }
                    if typeField.number == 1 { apiVersion = String(decoding: text, as: UTF8.self) }
                    if typeField.number == 2 { kind = String(decoding: text, as: UTF8.self) }
                }
            case 2: raw = bytes
            default: break
            }
        }
        guard let schema = kinds["\(apiVersion)/\(kind)"] ?? (kind == "DeleteOptions" ? kinds["v1/DeleteOptions"] : nil) else {
            throw Unsupported(description: "the sandbox does not decode protobuf \(apiVersion) \(kind); send JSON")
        }
        var object = try message(raw[...], schema)
        if case .object(let members) = object {
            object = .object([("apiVersion", .string(apiVersion)), ("kind", .string(kind))] + members)
        }
        return object
    }

    static func message(_ bytes: ArraySlice<UInt8>, _ schema: Schema) throws -> JSONValue {
        var members: [(String, JSONValue)] = []
        func append(_ name: String, _ value: JSONValue) {
            if let index = members.firstIndex(where: { $0.0 == name }) {
                if case .array(let existing) = members[index].1, case .array(let more) = value {
                    members[index].1 = .array(existing + more)
                } else if case .object(let existing) = members[index].1, case .object(let more) = value {
                    members[index].1 = .object(existing + more)
                } else {
                    members[index].1 = value
                }
            } else {
                members.append((name, value))
            }
        }
        for field in try ProtobufWire.fields(bytes) {
            guard let (name, type) = schema[field.number] else { continue }
            if let value = try self.value(field.value, type) { append(name, value) }
        }
        return .object(members)
    }

    static func value(_ wire: ProtobufWire.Value, _ type: FieldType) throws -> JSONValue? {
        switch (type, wire) {
        case (.string, .bytes(let bytes)):
            return .string(String(decoding: bytes, as: UTF8.self))
        case (.optionalString, .bytes(let bytes)):
            return bytes.isEmpty ? nil : .string(String(decoding: bytes, as: UTF8.self))
        case (.int64, .varint(let number)):
            return .int(Int64(bitPattern: number))
        case (.optionalInt64, .varint(let number)):
            return number == 0 ? nil : .int(Int64(bitPattern: number))
        case (.bool, .varint(let number)):
            return .bool(number != 0)
        case (.bytes, .bytes(let bytes)):
            return .string(Data(bytes).base64EncodedString())
        case (.time, .bytes(let bytes)):
            var seconds: Int64 = 0
            for field in try ProtobufWire.fields(bytes[...]) where field.number == 1 {
                if case .varint(let value) = field.value { seconds = Int64(bitPattern: value) }
            }
            return seconds == 0 ? nil : .string(KubeTime.time(Date(timeIntervalSince1970: TimeInterval(seconds))))
        case (.message(let schema), .bytes(let bytes)):
            return try message(bytes[...], schema)
        case (.repeated(let element), _):
            return try value(wire, element).map { .array([$0]) }
        case (.map(let valueType), .bytes(let bytes)):
            var key = ""
            var entry: JSONValue = .string("")
            for field in try ProtobufWire.fields(bytes[...]) {
                if field.number == 1, case .bytes(let text) = field.value { key = String(decoding: text, as: UTF8.self) }
                if field.number == 2, let decoded = try value(field.value, valueType) { entry = decoded }
            }
            return .object([(key, entry)])
        default:
            throw ProtobufWire.Malformed(description: "unexpected wire type for a field")
        }
    }
}
