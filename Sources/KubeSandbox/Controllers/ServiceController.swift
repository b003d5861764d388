import CNPGCore
import Foundation
import Logging

/// Gives each ClusterIP Service a loopback address, keeps its Endpoints and EndpointSlice in step
/// with the ready pods its selector picks, points the service proxy at them and publishes its names.
actor ServiceController {
    let client: LoopbackKubeClient
    let names: ServiceNames
    let proxy: ServiceProxy
    let logger: Logger
    var addresses: AddressPool

    init(client: LoopbackKubeClient, names: ServiceNames, proxy: ServiceProxy, addressBlock: Int, logger: Logger) {
        self.addresses = AddressPool(secondOctet: addressBlock, firstHost: 0)
        self.client = client
        self.names = names
        self.proxy = proxy
        self.logger = logger
    }

    /// One backend of a service port.
    struct Backend: Hashable, Sendable {
        var ip: String
        var port: Int
    }

    /// Endpoints for one service, from the pods of its namespace.
    struct Endpoints: Equatable {
        struct Address: Equatable {
            var ip: String
            var podName: String
            var podUID: String
            var ready: Bool
            var terminating: Bool
        }
        /// One service port and, for each pod IP, the port it maps to there.
        struct Port: Equatable {
            var name: String
            var servicePort: Int
            var targetPorts: [String: Int]
            var proto: String
        }
        var addresses: [Address]
        var ports: [Port]
    }

    static func selects(_ selector: [(String, JSONValue)], _ pod: JSONValue) -> Bool {
        guard !selector.isEmpty else { return false }
        let labels = pod["metadata"]?["labels"]
        return selector.allSatisfy { key, value in labels?[key]?.stringValue == value.stringValue }
    }

    static func isReady(_ pod: JSONValue) -> Bool {
        pod["status"]?["phase"]?.stringValue == "Running" && PodReadiness.isReady(pod)
    }

    /// A service port's target on one pod: a number, or a named container port.
    static func targetPort(_ port: JSONValue, on pod: JSONValue) -> Int? {
        let target = port["targetPort"] ?? port["port"] ?? .null
        if case .int(let number) = target { return Int(number) }
        guard let name = target.stringValue else { return nil }
        if let number = Int(name) { return number }
        guard case .array(let containers)? = pod["spec"]?["containers"] else { return nil }
        for container in containers {
            guard case .array(let ports)? = container["ports"] else { continue }
            for candidate in ports where candidate["name"]?.stringValue == name {
                if case .int(let number)? = candidate["containerPort"] { return Int(number) }
            }
        }
        return nil
    }

    static func endpoints(for service: JSONValue, pods: [JSONValue]) -> Endpoints {
        let selector = service["spec"]?["selector"]?.objectMembers ?? []
        let selected = pods.filter { selects(selector, $0) && $0["status"]?["podIP"]?.stringValue != nil }
            .sorted { ($0["status"]?["podIP"]?.stringValue ?? "") < ($1["status"]?["podIP"]?.stringValue ?? "") }
        let addresses = selected.map { pod in
            Endpoints.Address(
                ip: pod["status"]?["podIP"]?.stringValue ?? "", podName: pod["metadata"]?["name"]?.stringValue ?? "",
                podUID: pod["metadata"]?["uid"]?.stringValue ?? "", ready: isReady(pod) && pod["metadata"]?["deletionTimestamp"] == nil,
                terminating: pod["metadata"]?["deletionTimestamp"] != nil)
        }
        var ports: [Endpoints.Port] = []
        if case .array(let servicePorts)? = service["spec"]?["ports"] {
            for port in servicePorts {
                guard case .int(let number)? = port["port"] else { continue }
                var targets: [String: Int] = [:]
                for pod in selected {
                    if let ip = pod["status"]?["podIP"]?.stringValue, let target = targetPort(port, on: pod) { targets[ip] = target }
                }
                ports.append(
                    Endpoints.Port(
                        name: port["name"]?.stringValue ?? "", servicePort: Int(number), targetPorts: targets,
                        proto: port["protocol"]?.stringValue ?? "TCP"))
            }
        }
        return Endpoints(addresses: addresses, ports: ports)
    }

    func reconcile(namespace: String, deleted: JSONValue?) async {
        if let deleted, let name = deleted["metadata"]?["name"]?.stringValue {
            addresses.release("\(namespace)/\(name)")
            await names.set(namespace: namespace, service: name, address: nil)
            await proxy.removeService("\(namespace)/\(name)")
        }
        guard let services = try? await client.list(.services, namespace: namespace, labelSelector: nil, fieldSelector: nil),
            let pods = try? await client.list(.pods, namespace: namespace, labelSelector: nil, fieldSelector: nil)
        else { return }
        for service in services.items { await reconcile(service, pods: pods.items) }
    }

    func reconcile(_ service: JSONValue, pods: [JSONValue]) async {
        guard let namespace = service["metadata"]?["namespace"]?.stringValue, let name = service["metadata"]?["name"]?.stringValue else { return }
        let key = "\(namespace)/\(name)"
        let type = service["spec"]?["type"]?.stringValue ?? "ClusterIP"
        var clusterIP = service["spec"]?["clusterIP"]?.stringValue
        if type != "ExternalName", clusterIP == nil || clusterIP == "" {
            guard let address = addresses.address(for: key) else { return }
            clusterIP = address
            let patch: JSONValue = .object([("spec", .object([("clusterIP", .string(address)), ("clusterIPs", .array([.string(address)]))]))])
            _ = try? await client.patch(.services, namespace: namespace, name: name, patch, patchType: .merge, subresource: nil, fieldManager: nil)
        } else if let clusterIP, clusterIP != "None" {
            addresses.claim(clusterIP, for: key)
        }
        let endpoints = Self.endpoints(for: service, pods: pods)
        if service["spec"]?["selector"] != nil {
            await writeEndpoints(endpoints, service: service, namespace: namespace, name: name)
        }
        if let clusterIP, clusterIP != "None" {
            await names.set(namespace: namespace, service: name, address: clusterIP)
            var routes: [Int: [Backend]] = [:]
            for port in endpoints.ports {
                routes[port.servicePort] = endpoints.addresses.filter(\.ready).compactMap { address in
                    port.targetPorts[address.ip].map { Backend(ip: address.ip, port: $0) }
                }
            }
            await proxy.update(service: key, address: clusterIP, routes: routes)
        } else if clusterIP == "None", let first = endpoints.addresses.first(where: \.ready) {
            await names.set(namespace: namespace, service: name, address: first.ip)
        }
    }

    func writeEndpoints(_ endpoints: Endpoints, service: JSONValue, namespace: String, name: String) async {
        let ready = endpoints.addresses.filter(\.ready)
        let notReady = endpoints.addresses.filter { !$0.ready }
        let reference = { (address: Endpoints.Address) -> JSONValue in
            .object([("kind", .string("Pod")), ("namespace", .string(namespace)), ("name", .string(address.podName)), ("uid", .string(address.podUID))])
        }
        let portList = { (address: String?) -> JSONValue in
            .array(
                endpoints.ports.map { port in
                    let target = address.flatMap { port.targetPorts[$0] } ?? port.targetPorts.values.first ?? port.servicePort
                    var fields: [(String, JSONValue)] = []
                    if !port.name.isEmpty { fields.append(("name", .string(port.name))) }
                    fields += [("port", .int(Int64(target))), ("protocol", .string(port.proto))]
                    return .object(fields)
                })
        }
        var subset: [(String, JSONValue)] = []
        if !ready.isEmpty {
            subset.append(
                ("addresses", .array(ready.map { .object([("ip", .string($0.ip)), ("nodeName", .string("sandbox")), ("targetRef", reference($0))]) })))
        }
        if !notReady.isEmpty {
            subset.append(
                (
                    "notReadyAddresses",
                    .array(notReady.map { .object([("ip", .string($0.ip)), ("nodeName", .string("sandbox")), ("targetRef", reference($0))]) })
                ))
        }
        subset.append(("ports", portList(endpoints.addresses.first?.ip)))
        let labels = service["metadata"]?["labels"] ?? .object([])
        let owner: JSONValue = .array([
            .object([
                ("apiVersion", .string("v1")), ("kind", .string("Service")), ("name", .string(name)),
                ("uid", service["metadata"]?["uid"] ?? .null), ("controller", .bool(true)), ("blockOwnerDeletion", .bool(true)),
            ])
        ])
        let endpointsObject: JSONValue = .object([
            ("apiVersion", .string("v1")), ("kind", .string("Endpoints")),
            ("metadata", .object([("name", .string(name)), ("namespace", .string(namespace)), ("labels", labels)])),
            ("subsets", endpoints.addresses.isEmpty ? .array([]) : .array([.object(subset)])),
        ])
        await upsert(.endpoints, namespace: namespace, name: name, endpointsObject, compare: ["subsets"])
        var sliceLabels = labels.objectMembers ?? []
        sliceLabels.append(("kubernetes.io/service-name", .string(name)))
        sliceLabels.append(("endpointslice.kubernetes.io/managed-by", .string("endpointslice-controller.k8s.io")))
        let slice: JSONValue = .object([
            ("apiVersion", .string("discovery.k8s.io/v1")), ("kind", .string("EndpointSlice")),
            (
                "metadata",
                .object([
                    ("name", .string("\(name)-sandbox")), ("namespace", .string(namespace)), ("labels", .object(sliceLabels)),
                    ("ownerReferences", owner),
                ])
            ),
            ("addressType", .string("IPv4")),
            (
                "endpoints",
                .array(
                    endpoints.addresses.map { address in
                        .object([
                            ("addresses", .array([.string(address.ip)])),
                            (
                                "conditions",
                                .object([
                                    ("ready", .bool(address.ready)), ("serving", .bool(address.ready || address.terminating)),
                                    ("terminating", .bool(address.terminating)),
                                ])
                            ),
                            ("nodeName", .string("sandbox")), ("targetRef", reference(address)),
                        ])
                    })
            ),
            ("ports", portList(endpoints.addresses.first?.ip)),
        ])
        await upsert(.endpointSlices, namespace: namespace, name: "\(name)-sandbox", slice, compare: ["endpoints", "ports"])
    }

    /// Creates the object, or replaces it when the compared fields differ (no write otherwise).
    func upsert(_ type: ResourceType, namespace: String, name: String, _ object: JSONValue, compare: [String]) async {
        do {
            let current = try await client.get(type, namespace: namespace, name: name)
            guard compare.contains(where: { current[$0] != object[$0] }) else { return }
            let metadata = (object["metadata"] ?? .object([])).setting("resourceVersion", to: current["metadata"]?["resourceVersion"] ?? .null)
            _ = try await client.update(type, namespace: namespace, object.setting("metadata", to: metadata), subresource: nil)
        } catch let error as KubeAPIError where error.code == 404 {
            _ = try? await client.create(type, namespace: namespace, object)
        } catch {
            logger.debug("cannot write \(type.plural) \(namespace)/\(name): \(error)")
        }
    }
}
