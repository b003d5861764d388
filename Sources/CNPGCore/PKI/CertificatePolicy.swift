import Foundation

/// Lifetimes and renewal rules for operator-generated certificates, as CNPG applies them.
public struct CertificatePolicy: Sendable, Equatable {
    /// Validity of new certificates (`CERTIFICATE_DURATION`, days).
    public var validityDays: Int
    /// Renew when the certificate expires within this many days (`EXPIRING_CHECK_THRESHOLD`).
    public var renewalThresholdDays: Int
    /// New certificates start this much in the past to tolerate clock skew.
    public var backdate: TimeInterval = 5 * 60

    public init(validityDays: Int = 90, renewalThresholdDays: Int = 7) {
        self.validityDays = validityDays
        self.renewalThresholdDays = renewalThresholdDays
    }

    public init(configuration: OperatorConfiguration) {
        self.init(validityDays: configuration.certificateDurationDays, renewalThresholdDays: configuration.expiringCheckThresholdDays)
    }

    public func validity(from now: Date) -> (notBefore: Date, notAfter: Date) {
        let notBefore = now.addingTimeInterval(-backdate)
        return (notBefore, notBefore.addingTimeInterval(TimeInterval(validityDays) * 86_400))
    }

    /// Expiring: inside the threshold before `notAfter`, or not valid yet.
    public func isExpiring(notBefore: Date, notAfter: Date, now: Date) -> Bool {
        now.addingTimeInterval(TimeInterval(renewalThresholdDays) * 86_400) > notAfter || now < notBefore
    }
}
