import CNPGCore
import Foundation
import Logging

/// Keeps the webhook PKI as CNPG does: `cnpg-ca-secret` and `cnpg-webhook-cert` in the operator
/// namespace (owned by the operator Deployment when there is one), renewed inside the expiry
/// threshold, and the serving certificate injected as `caBundle` into both webhook configurations.
struct WebhookCertificateManager: Sendable {
    let client: any KubeClient
    let namespace: String
    let policy: CertificatePolicy
    /// False leaves the webhook configurations alone (`MANAGE_WEBHOOK_CONFIGURATIONS=false`).
    let manageConfigurations: Bool
    let configurationNameSuffix: Bool
    let logger: Logger

    /// Brings the secrets and configurations up to date and returns the pair to serve and when to
    /// check again at the latest. Replicas racing on the same secrets lose with a 409 and read the
    /// winner's material on the next try.
    func reconcile(now: Date = Date()) async throws -> (serving: TLSKeyPair, nextRenewal: Date) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await reconcileOnce(now: now)
            } catch let error as KubeAPIError where error.isConflict && attempt < 4 {
                logger.debug("webhook certificate write conflicted; reading again", metadata: ["attempt": "\(attempt)"])
            }
        }
    }

    private func reconcileOnce(now: Date) async throws -> (serving: TLSKeyPair, nextRenewal: Date) {
        let ca = try await secretData(WebhookPKI.caSecretName)
        let certificate = try await secretData(WebhookPKI.certificateSecretName)
        let plan = try WebhookPKI.reconcile(
            namespace: namespace, existingCA: ca?.data, existingCertificate: certificate?.data,
            policy: policy, now: now)
        let owner = try await operatorDeployment()
        for planned in plan.secrets {
            var metadata = ObjectMeta(name: planned.name, namespace: namespace)
            if let owner { metadata.ownerReferences = [owner] }
            var secret = ObjectCodec.encode(
                Secret(
                    metadata: metadata, type: planned.kind == .certificateAuthority ? "Opaque" : "kubernetes.io/tls",
                    stringValues: planned.data))
            let existing = planned.name == WebhookPKI.caSecretName ? ca?.object : certificate?.object
            if let existing {
                secret = existing.setting("data", to: secret["data"] ?? .null)
                _ = try await client.update(.secrets, namespace: namespace, secret)
            } else {
                _ = try await client.create(.secrets, namespace: namespace, secret)
            }
            logger.info("webhook certificate written", metadata: ["secret": "\(planned.name)", "action": "\(planned.action)"])
        }
        if manageConfigurations { try await injectCABundle(plan.caBundle) }
        return (plan.serving, plan.nextRenewal)
    }

    private func secretData(_ name: String) async throws -> (object: JSONValue, data: [String: String])? {
        do {
            let object = try await client.get(.secrets, namespace: namespace, name: name)
            let secret = try ObjectCodec.decode(Secret.self, from: object)
            return (object, secret.stringValues)
        } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
    }

    /// The operator Deployment, found by CNPG's label, so the secrets go away with it.
    private func operatorDeployment() async throws -> OwnerReference? {
        let list: KubeList
        do {
            list = try await client.list(.deployments, namespace: namespace, labelSelector: "\(CNPGLabels.appName)=cloudnative-pg", fieldSelector: nil)
        } catch let error as KubeAPIError where error.code == 403 || error.isNotFound {
            return nil
        }
        guard let deployment = list.items.first, let name = deployment["metadata"]?["name"]?.stringValue,
            let uid = deployment["metadata"]?["uid"]?.stringValue
        else { return nil }
        return OwnerReference(apiVersion: "apps/v1", kind: "Deployment", name: name, uid: uid)
    }

    private func injectCABundle(_ pem: String) async throws {
        let suffix = configurationNameSuffix ? "-\(namespace)" : ""
        for (type, name) in [
            (ResourceType.mutatingWebhookConfigurations, WebhookConfigurationBuilder.mutatingName + suffix),
            (ResourceType.validatingWebhookConfigurations, WebhookConfigurationBuilder.validatingName + suffix),
        ] {
            let current: JSONValue
            do {
                current = try await client.get(type, namespace: nil, name: name)
            } catch let error as KubeAPIError where error.isNotFound {
                logger.debug("webhook configuration not installed; nothing to inject", metadata: ["name": "\(name)"])
                continue
            }
            guard let injected = WebhookConfigurationBuilder.injectingCABundle(current, pem: pem) else { continue }
            _ = try await client.patch(type, namespace: nil, name: name, .object([("webhooks", injected["webhooks"] ?? .null)]), patchType: .merge)
            logger.info("webhook CA bundle injected", metadata: ["configuration": "\(name)"])
        }
    }
}
