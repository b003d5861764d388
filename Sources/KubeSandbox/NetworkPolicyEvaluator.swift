import CNPGCore
import Foundation

/// NetworkPolicy ingress rules, as a CNI plugin applies them, for the connections the sandbox makes
/// itself from an address outside the pod network (the API server's `pods/proxy`). Pods share the
/// host's loopback network, so traffic between pods is not filtered: only this path is.
enum NetworkPolicyEvaluator {
    /// Whether a connection from `address` (no pod, no namespace) to `port` of `pod` gets in: yes
    /// when no policy with Ingress selects the pod, else when one of their rules admits the port
    /// and has no peers, or an ipBlock holding the address.
    static func admits(address: String, to pod: JSONValue, port: Int, policies: [JSONValue]) -> Bool {
        let labels = WebhookMatcher.labels(of: pod)
        let selecting = policies.filter { policy in
            guard let spec = policy["spec"] else { return false }
            let types = spec["policyTypes"]?.arrayValue?.compactMap(\.stringValue) ?? ["Ingress"]
            return types.contains("Ingress") && WebhookMatcher.selector(spec["podSelector"] ?? .object([])).matches(labels: labels)
        }
        guard !selecting.isEmpty else { return true }
        return selecting.contains { policy in
            (policy["spec"]?["ingress"]?.arrayValue ?? []).contains { rule in
                admitsPort(rule["ports"]?.arrayValue, port: port, pod: pod) && admitsPeer(rule["from"]?.arrayValue, address: address)
            }
        }
    }

    static func admitsPort(_ ports: [JSONValue]?, port: Int, pod: JSONValue) -> Bool {
        guard let ports, !ports.isEmpty else { return true }
        return ports.contains { entry in
            guard (entry["protocol"]?.stringValue ?? "TCP") == "TCP" else { return false }
            switch entry["port"] {
            case nil: return true
            case .int(let number)?:
                let end = entry["endPort"]?.intValue ?? number
                return Int64(port) >= number && Int64(port) <= end
            case .string(let name)?:
                let containerPorts = (pod["spec"]?["containers"]?.arrayValue ?? []).flatMap { $0["ports"]?.arrayValue ?? [] }
                return containerPorts.contains { $0["name"]?.stringValue == name && $0["containerPort"]?.intValue == Int64(port) }
            default: return false
            }
        }
    }

    static func admitsPeer(_ peers: [JSONValue]?, address: String) -> Bool {
        guard let peers, !peers.isEmpty else { return true }
        return peers.contains { peer in
            guard let block = peer["ipBlock"], let cidr = block["cidr"]?.stringValue, contains(cidr, address) else { return false }
            return !(block["except"]?.arrayValue ?? []).compactMap(\.stringValue).contains { contains($0, address) }
        }
    }

    /// IPv4 CIDR membership (`10.0.0.0/8` holds `10.1.2.3`); anything else holds nothing.
    static func contains(_ cidr: String, _ address: String) -> Bool {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix),
            let network = ipv4(String(parts[0])), let host = ipv4(address)
        else { return false }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        return network & mask == host & mask
    }

    static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        return octets.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
