/// Parses container image references to find the PostgreSQL major version in the tag.
public enum ImageReference {
    public struct Problem: Error, Equatable, Sendable {
        public let message: String
    }

    /// The tag of `registry:port/path/name:tag@digest`, if any.
    public static func tag(of image: String) -> String? {
        let withoutDigest = image.split(separator: "@", maxSplits: 1).first.map(String.init) ?? image
        let lastComponent = withoutDigest.split(separator: "/").last.map(String.init) ?? withoutDigest
        guard let colon = lastComponent.lastIndex(of: ":") else { return nil }
        return String(lastComponent[lastComponent.index(after: colon)...])
    }

    public static func postgresMajorVersion(of image: String) -> Result<Int, Problem> {
        guard let tag = tag(of: image), !tag.isEmpty else {
            if image.contains("@") {
                return .failure(Problem(message: "an image reference with only a digest is not supported: add a tag with the PostgreSQL version"))
            }
            return .failure(Problem(message: "the image tag is missing: it must carry the PostgreSQL version"))
        }
        if tag == "latest" {
            return .failure(Problem(message: "the 'latest' tag is not supported: use a tag with the PostgreSQL version"))
        }
        let digits = tag.prefix { $0.isNumber }
        guard let major = Int(digits), digits.count < 4 else {
            return .failure(Problem(message: "the image tag \"\(tag)\" does not start with a PostgreSQL version"))
        }
        return .success(major)
    }
}
