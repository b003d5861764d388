import CNPGCore
import Foundation
import Logging

/// Fills PodDisruptionBudgets' status as kube-controller-manager's disruption controller does:
/// how many pods the selector matches, how many are healthy (Ready, not terminating), how many
/// must stay healthy, and how many may be disrupted now.
struct DisruptionBudgetController: Sendable {
    let client: LoopbackKubeClient
    let logger: Logger

    func reconcile(namespace: String) async {
        guard let budgets = try? await client.list(.podDisruptionBudgets, namespace: namespace, labelSelector: nil, fieldSelector: nil).items,
            !budgets.isEmpty, let pods = try? await client.list(.pods, namespace: namespace, labelSelector: nil, fieldSelector: nil).items
        else { return }
        for budget in budgets {
            let next = Self.status(of: budget, pods: pods)
            let previous = budget["status"] ?? .object([])
            let fields = ["observedGeneration", "expectedPods", "currentHealthy", "desiredHealthy", "disruptionsAllowed"]
            guard fields.map({ next[$0] }) != fields.map({ previous[$0] }) else { continue }
            guard let name = budget["metadata"]?["name"]?.stringValue else { continue }
            do {
                _ = try await client.patch(
                    .podDisruptionBudgets, namespace: namespace, name: name, .object([("status", next)]), patchType: .merge,
                    subresource: "status", fieldManager: nil)
            } catch {
                logger.debug("cannot write PodDisruptionBudget status \(namespace)/\(name): \(error)")
            }
        }
    }

    static func status(of budget: JSONValue, pods: [JSONValue], now: Date = Date()) -> JSONValue {
        let spec =
            (try? ObjectCodec.decode(PodDisruptionBudgetSpec.self, from: budget["spec"] ?? .object([])))
            ?? PodDisruptionBudgetSpec(minAvailable: nil, selector: nil)
        // An absent selector matches nothing in policy/v1; an empty one matches every pod.
        let matching =
            spec.selector.map { selector in
                pods.filter { SelectorExpression(selector).matches(labels: $0["metadata"]?["labels"]?.stringMap ?? [:]) }
            } ?? []
        let expected = matching.count
        let healthy = matching.filter { $0["metadata"]?["deletionTimestamp"] == nil && PodReadiness.isReady($0) }.count
        let desired: Int
        if let minimum = spec.minAvailable {
            desired = scaled(minimum, of: expected, roundingUp: true)
        } else if let maximum = spec.maxUnavailable {
            desired = max(0, expected - scaled(maximum, of: expected, roundingUp: true))
        } else {
            desired = 0
        }
        let allowed = max(0, healthy - desired)
        let condition: JSONValue = .object([
            ("type", .string("DisruptionAllowed")), ("status", .string(allowed > 0 ? "True" : "False")),
            ("reason", .string(allowed > 0 ? "SufficientPods" : "InsufficientPods")), ("message", .string("")),
            ("lastTransitionTime", .string(KubeTime.time(now))),
            ("observedGeneration", budget["metadata"]?["generation"] ?? .int(1)),
        ])
        return .object([
            ("observedGeneration", budget["metadata"]?["generation"] ?? .int(1)),
            ("disruptionsAllowed", .int(Int64(allowed))), ("currentHealthy", .int(Int64(healthy))),
            ("desiredHealthy", .int(Int64(desired))), ("expectedPods", .int(Int64(expected))),
            ("conditions", .array([condition])),
        ])
    }

    /// An int, or a percentage of `total` ("50%").
    static func scaled(_ value: IntOrString, of total: Int, roundingUp: Bool) -> Int {
        switch value {
        case .int(let number): return Int(number)
        case .string(let text):
            guard text.hasSuffix("%"), let percent = Double(text.dropLast()) else { return Int(text) ?? 0 }
            let exact = Double(total) * percent / 100
            return Int(roundingUp ? exact.rounded(.up) : exact.rounded(.down))
        }
    }
}
