import Foundation

/// Lifetimes and renewal rules for operator-generated certificates, as CNPG applies them.
public struct CertificatePolicy: Sendable, Equatable {
    /// Validity of new certificates (`CERTIFICATE_DURATION`).
    public var validity: TimeInterval
    /// Renew when the certificate expires within this long (`EXPIRING_CHECK_THRESHOLD`).
    public var renewalThreshold: TimeInterval
    /// New certificates start this much in the past to tolerate clock skew.
    public var backdate: TimeInterval = 5 * 60

    public init(validityDays: Int = 90, renewalThresholdDays: Int = 7) {
        self.init(validity: TimeInterval(validityDays) * 86_400, renewalThreshold: TimeInterval(renewalThresholdDays) * 86_400)
    }

    public init(validity: TimeInterval, renewalThreshold: TimeInterval) {
        self.validity = validity
        self.renewalThreshold = renewalThreshold
    }

    public init(configuration: OperatorConfiguration) {
        self.init(validity: configuration.certificateDuration, renewalThreshold: configuration.expiringCheckThreshold)
    }

    /// `notAfter` is `validity` from now, so even a validity of minutes (tests) yields a usable certificate.
    public func validity(from now: Date) -> (notBefore: Date, notAfter: Date) {
        (now.addingTimeInterval(-backdate), now.addingTimeInterval(validity))
    }

    /// Expiring: inside the threshold before `notAfter`, or not valid yet.
    public func isExpiring(notBefore: Date, notAfter: Date, now: Date) -> Bool {
        now >= renewalDate(notAfter: notAfter) || now < notBefore
    }

    /// When a certificate valid until `notAfter` becomes due for renewal.
    public func renewalDate(notAfter: Date) -> Date {
        notAfter.addingTimeInterval(-renewalThreshold)
    }
}
