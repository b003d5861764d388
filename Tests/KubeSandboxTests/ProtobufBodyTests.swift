import CNPGCore
import Foundation
import Testing

@testable import KubeSandbox

/// Protobuf bodies as client-go's typed clients write them (gogo: empty optional scalars included).
@Suite struct ProtobufBodyTests {
    /// A minimal protobuf writer for building test bodies.
    struct Writer {
        var bytes: [UInt8] = []
        mutating func varint(_ value: UInt64) {
            var rest = value
            repeat {
                var byte = UInt8(rest & 0x7f)
                rest >>= 7
                if rest != 0 { byte |= 0x80 }
                bytes.append(byte)
            } while rest != 0
        }
        mutating func bytes(_ field: Int, _ payload: [UInt8]) {
            varint(UInt64(field << 3 | 2))
            varint(UInt64(payload.count))
            bytes += payload
        }
        mutating func string(_ field: Int, _ text: String) { bytes(field, Array(text.utf8)) }
        mutating func int(_ field: Int, _ value: Int64) {
            varint(UInt64(field << 3))
            varint(UInt64(bitPattern: value))
        }
        static func message(_ build: (inout Writer) -> Void) -> [UInt8] {
            var writer = Writer()
            build(&writer)
            return writer.bytes
        }
    }

    static func envelope(apiVersion: String, kind: String, raw: [UInt8]) -> [UInt8] {
        KubernetesProtobuf.magic
            + Writer.message { unknown in
                unknown.bytes(
                    1,
                    Writer.message {
                        $0.string(1, apiVersion)
                        $0.string(2, kind)
                    })
                unknown.bytes(2, raw)
                unknown.string(3, "")
                unknown.string(4, "")
            }
    }

    @Test func aHelmReleaseSecretDecodes() throws {
        let metadata = Writer.message { meta in
            meta.string(1, "sh.helm.release.v1.demo.v1")
            meta.string(2, "")
            meta.string(3, "")
            meta.int(7, 0)
            meta.bytes(8, [])
            for (key, value) in [("name", "demo"), ("owner", "helm")] {
                meta.bytes(
                    11,
                    Writer.message {
                        $0.string(1, key)
                        $0.string(2, value)
                    })
            }
        }
        let secret = Writer.message { body in
            body.bytes(1, metadata)
            body.bytes(
                2,
                Writer.message {
                    $0.string(1, "release")
                    $0.bytes(2, [0x1f, 0x8b, 0x00, 0xff])
                })
            body.string(3, "helm.sh/release.v1")
        }
        let json = try KubernetesProtobuf.decode(Self.envelope(apiVersion: "v1", kind: "Secret", raw: secret))
        #expect(json["apiVersion"] == .string("v1"))
        #expect(json["kind"] == .string("Secret"))
        #expect(
            json["metadata"]
                == .object([
                    ("name", .string("sh.helm.release.v1.demo.v1")),
                    ("labels", .object([("name", .string("demo")), ("owner", .string("helm"))])),
                ]),
            "empty optional strings, zero generation and unset time are absent")
        #expect(json["data"]?["release"] == .string(Data([0x1f, 0x8b, 0x00, 0xff]).base64EncodedString()))
        #expect(json["type"] == .string("helm.sh/release.v1"))
    }

    @Test func deleteOptionsKeepAZeroGracePeriod() throws {
        let options = Writer.message {
            $0.int(1, 0)
            $0.string(4, "Background")
        }
        let json = try KubernetesProtobuf.decode(Self.envelope(apiVersion: "v1", kind: "DeleteOptions", raw: options))
        #expect(json["gracePeriodSeconds"] == .int(0))
        #expect(json["propagationPolicy"] == .string("Background"))
    }

    @Test func unknownKindsAndBrokenBodiesAreRefused() async throws {
        #expect(throws: KubernetesProtobuf.Unsupported.self) {
            try KubernetesProtobuf.decode(Self.envelope(apiVersion: "apps/v1", kind: "StatefulSet", raw: []))
        }
        #expect(throws: (any Error).self) { try KubernetesProtobuf.decode(KubernetesProtobuf.magic + [0x0a, 0x05, 0x01]) }
        let api = SandboxAPI(serverAddress: "127.0.0.1:1")
        var request = APIRequest(
            method: "POST", path: "/api/v1/namespaces/default/configmaps", contentType: "application/vnd.kubernetes.protobuf",
            body: Self.envelope(apiVersion: "apps/v1", kind: "StatefulSet", raw: []))
        #expect(await api.handle(request).status == 415)
        request.body = KubernetesProtobuf.magic + [0x0a, 0x05, 0x01]
        #expect(await api.handle(request).status == 400)
    }
}
