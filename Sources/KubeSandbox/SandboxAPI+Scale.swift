import CNPGCore

/// Where a resource keeps what its `/scale` subresource shows (a CRD's `subresources.scale`).
struct ScalePaths: Sendable, Equatable {
    var specReplicas: [String]
    var statusReplicas: [String]
    var labelSelector: [String]?

    /// `.spec.instances` -> ["spec", "instances"].
    static func components(_ path: String?) -> [String]? {
        guard let path, path.hasPrefix(".") else { return nil }
        let parts = path.dropFirst().split(separator: ".").map(String.init)
        return parts.isEmpty ? nil : parts
    }

    init?(crdScale: JSONValue?) {
        guard let scale = crdScale, let spec = Self.components(scale["specReplicasPath"]?.stringValue),
            let status = Self.components(scale["statusReplicasPath"]?.stringValue)
        else { return nil }
        specReplicas = spec
        statusReplicas = status
        labelSelector = Self.components(scale["labelSelectorPath"]?.stringValue)
    }

    init(specReplicas: [String], statusReplicas: [String], labelSelector: [String]?) {
        self.specReplicas = specReplicas
        self.statusReplicas = statusReplicas
        self.labelSelector = labelSelector
    }

    /// The `autoscaling/v1` Scale of `object`.
    func scale(of object: JSONValue) -> JSONValue {
        let metadata = object["metadata"] ?? .object([])
        var status: [(String, JSONValue)] = [("replicas", Self.value(at: statusReplicas, in: object) ?? .int(0))]
        if let labelSelector, let selector = Self.value(at: labelSelector, in: object)?.stringValue { status.append(("selector", .string(selector))) }
        return .object([
            ("kind", .string("Scale")), ("apiVersion", .string("autoscaling/v1")),
            ("metadata", .object(["name", "namespace", "uid", "resourceVersion", "creationTimestamp"].compactMap { key in metadata[key].map { (key, $0) } })),
            ("spec", .object([("replicas", Self.value(at: specReplicas, in: object) ?? .int(0))])),
            ("status", .object(status)),
        ])
    }

    static func value(at path: [String], in object: JSONValue) -> JSONValue? {
        path.reduce(Optional(object)) { current, key in current?[key] }
    }

    static func setting(_ value: JSONValue, at path: [String], in object: JSONValue) -> JSONValue {
        guard let first = path.first else { return value }
        return object.setting(first, to: setting(value, at: Array(path.dropFirst()), in: object[first] ?? .object([])))
    }
}

extension SandboxAPI {
    /// `GET|PUT|PATCH …/NAME/scale`: the replicas of a resource with a scale subresource, read and
    /// written as an `autoscaling/v1` Scale (`kubectl scale`). Writes go through the resource's
    /// schema (a CRD's minimum, say) and the stored object's resourceVersion.
    func scaleSubresource(_ request: APIRequest, _ path: APIPath, _ resource: ResourceType, name: String, paths: ScalePaths) throws -> APIResponse {
        let current = try store.get(resource, namespace: path.namespace, name: name)
        let scale = paths.scale(of: current)
        let desired: JSONValue
        switch request.method {
        case "GET": return .json(status: 200, scale)
        case "PUT":
            desired = try decodeBody(request)
            if let version = desired["metadata"]?["resourceVersion"]?.stringValue, !version.isEmpty,
                version != current["metadata"]?["resourceVersion"]?.stringValue
            {
                throw StatusError.conflict(resource, name)
            }
        case "PATCH":
            let patch = try decodeBody(request)
            switch request.contentType.flatMap({ PatchType(rawValue: $0.split(separator: ";").first.map(String.init) ?? $0) }) {
            case .merge?: desired = JSONPatch.mergePatch(scale, with: patch)
            case .json?:
                do { desired = try JSONPatch.apply(patch, to: scale) } catch { throw StatusError.badRequest("the JSON patch cannot be applied: \(error)") }
            default:
                throw StatusError(
                    code: 415, reason: "UnsupportedMediaType",
                    message:
                        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json"
                )
            }
        default:
            throw StatusError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        guard case .int(let replicas)? = desired["spec"]?["replicas"], replicas >= 0 else {
            throw StatusError.invalid(
                resource, name,
                [
                    .invalid(
                        FieldPath("spec").child("replicas"), desired["spec"]?["replicas"].map { JSONText.serialize($0) } ?? "null",
                        "must be greater than or equal to 0")
                ])
        }
        var updated = ScalePaths.setting(.int(replicas), at: paths.specReplicas, in: current)
        if crdSchemas[resource.groupResource] != nil { updated = try admitCustomResource(resource, updated) }
        if request.query["dryRun"] == "All" { return .json(status: 200, paths.scale(of: updated)) }
        let stored = try store.update(resource, namespace: path.namespace, name: name, updated)
        afterWrite(resource, stored)
        return .json(status: 200, paths.scale(of: stored))
    }
}
