/// Constants of the `postgresql.cnpg.io` API.
public enum CNPG {
    public static let group = "postgresql.cnpg.io"
    public static let version = "v1"
    public static let apiVersion = "\(group)/\(version)"
    public static let operatorVersion = "1.30.0"
    public static let defaultImageName = "ghcr.io/cloudnative-pg/postgresql:18.6-system-trixie"
    public static let defaultOperatorImageName = "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0"
}

/// The four CNPG kinds this project serves.
public protocol CNPGResource: Codable, Sendable {
    static var kind: String { get }
    static var plural: String { get }
    var metadata: ObjectMeta { get set }
}
