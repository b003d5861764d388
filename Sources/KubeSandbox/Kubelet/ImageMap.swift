import CNPGCore
import Foundation

/// How container images become local programs. There are no images here: a container runs on the
/// host's system directories (read-only), or those of an image root folder, plus the files an
/// image would have added, its environment and its users. Loaded from `--image-map FILE` (YAML or JSON), else `cnpgDefault`.
public struct ImageMap: Sendable, Codable, Equatable {
    public struct User: Sendable, Codable, Equatable {
        public var name: String
        public var uid: Int64
        public var gid: Int64
        public var home: String?
    }

    public struct Entry: Sendable, Codable, Equatable {
        /// An image reference; a trailing `*` matches every reference with that prefix (tags, digests).
        public var image: String
        /// Path inside the container -> host file or directory mounted there read-only.
        public var files: [String: String]?
        /// Environment the image sets. `$(POD_IP)`, `$(POD_NAME)` and `$(POD_NAMESPACE)` are expanded.
        public var env: [String: String]?
        /// Accounts in the image's /etc/passwd (the host's accounts with these names or ids are replaced).
        public var users: [User]?
        /// The image's entrypoint, used when a container sets no command.
        public var entrypoint: [String]?
        /// A folder holding the image's root filesystem (as `make image-test` assembles it): its
        /// /usr, /etc, /lib... replace the host's system directories for this image's containers.
        public var root: String?

        public func matches(_ reference: String) -> Bool {
            image.hasSuffix("*") ? reference.hasPrefix(String(image.dropLast())) : reference == image
        }
    }

    public var images: [Entry]

    public init(images: [Entry]) { self.images = images }

    /// The first entry that matches; an unknown image runs on the host's system directories as is.
    public func entry(for reference: String) -> Entry {
        images.first { $0.matches(reference) } ?? Entry(image: reference)
    }

    public struct LoadError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static func load(path: String) throws -> ImageMap {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw LoadError(description: "--image-map: cannot read \(path)")
        }
        do {
            guard let document = try YAMLLoader.documents(from: text).first?.value else {
                throw LoadError(description: "--image-map: \(path) is empty")
            }
            let map = try ObjectCodec.decode(ImageMap.self, from: document)
            for entry in map.images {
                guard let root = entry.root else { continue }
                var isDirectory: ObjCBool = false
                guard root.hasPrefix("/"), FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw LoadError(description: "--image-map: \(path): images[\(entry.image)].root must be an existing absolute directory: \(root)")
                }
            }
            return map
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(description: "--image-map: \(path): \(error)")
        }
    }

    /// CNPG's images: the operator image provides `/manager` (our instance manager, which the
    /// bootstrap-controller init container copies), the PostgreSQL images the installed PostgreSQL
    /// binaries, user `postgres` with uid 26, and a listen address of the pod's own IP (pods share
    /// the host's network here, so `*` would collide); the PgBouncer images the installed PgBouncer.
    public static func cnpgDefault(binaryDirectory: String, postgresBinDirectory: String?) -> ImageMap {
        var postgres = Entry(image: "ghcr.io/cloudnative-pg/postgresql*")
        var environment = ["CNPG_LISTEN_ADDRESSES": "$(POD_IP)"]
        if let postgresBinDirectory { environment["CNPG_PG_BIN_DIR"] = postgresBinDirectory }
        postgres.env = environment
        postgres.users = [User(name: "postgres", uid: 26, gid: 26, home: "/var/lib/postgresql")]
        var operatorImage = Entry(image: "ghcr.io/cloudnative-pg/cloudnative-pg*")
        operatorImage.files = ["/manager": binaryDirectory + "/instance-manager", "/cnpg-operator": binaryDirectory + "/cnpg-operator"]
        operatorImage.entrypoint = ["/cnpg-operator"]
        // PgBouncer images: the installed PgBouncer, run as pgbouncer (998:996) on the pod's address.
        var pgbouncer = Entry(image: "ghcr.io/cloudnative-pg/pgbouncer*")
        pgbouncer.env = ["CNPG_LISTEN_ADDRESSES": "$(POD_IP)"]
        pgbouncer.users = [User(name: "pgbouncer", uid: PoolerBuilder.userID, gid: PoolerBuilder.groupID, home: "/")]
        return ImageMap(images: [postgres, operatorImage, pgbouncer])
    }

    /// The newest `/usr/lib/postgresql/N/bin` with a `postgres` binary, or `CNPG_PG_BIN_DIR` when set.
    public static func installedPostgresBinDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let configured = environment["CNPG_PG_BIN_DIR"], !configured.isEmpty { return configured }
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(base)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: "\($0)/postgres") }
    }
}
