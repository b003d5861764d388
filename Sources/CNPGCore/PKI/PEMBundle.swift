import SwiftASN1
import X509

/// Every certificate in a PEM text (a CA bundle); other blocks and unreadable ones are skipped.
public enum PEMBundle {
    public static func certificates(_ pem: String) -> [Certificate] {
        guard let documents = try? PEMDocument.parseMultiple(pemString: pem) else { return [] }
        return documents.filter { $0.discriminator == "CERTIFICATE" }.compactMap { try? Certificate(pemDocument: $0) }
    }
}
