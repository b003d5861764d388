import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The report's archive and content: a ZIP that Python's zipfile reads back byte for byte (CRCs
/// checked), CNPG's folder names, and Secrets with their values removed.
@Suite struct ReportContentTests {
    @Test func theArchiveIsReadByPythonsZipfileWithEveryCRCRight() throws {
        let python = try #require(ExternalTool.find("python3"))
        var zip = ZipWriter(modified: Date(timeIntervalSince1970: 1_800_000_000))
        let files: [(String, [UInt8])] = [
            ("report/manifests/cluster.yaml", Array("kind: Cluster\n".utf8)),
            ("report/logs/pod-1-postgres.jsonl", Array(repeating: UInt8(ascii: "x"), count: 100_000)),
            ("report/empty.txt", []),
            ("report/ünïcode.txt", Array("é".utf8)),
        ]
        for (path, data) in files { try zip.add(path, data) }
        let file = try BuiltProducts.temporaryFile(String(decoding: [], as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(zip.finish()).write(to: file)
        let script = """
            import sys, zipfile, hashlib
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            for info in z.infolist():
                print(info.filename, info.file_size, hashlib.sha256(z.read(info)).hexdigest(), info.date_time[0])
            """
        let listed = try ExternalTool.run(python, ["-c", script, file.path])
        #expect(listed.status == 0, "\(listed.error)")
        let expected = files.map { path, data in
            "\(path) \(data.count) \(sha256Hex(Data(data))) \(Calendar(identifier: .gregorian).component(.year, from: Date(timeIntervalSince1970: 1_800_000_000)))"
        }
        #expect(listed.output.split(separator: "\n").map(String.init) == expected)
        #expect(ZipWriter.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func foldersAndRedaction() throws {
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(ReportContent.folder("cluster", name: "cluster-example", at: date) == "report_cluster_cluster-example_20270115_080000")
        #expect(ReportContent.folder("operator", at: date) == "report_operator_20270115_080000")
        let secret = try JSONText.parse(
            Array(
                #"{"kind":"Secret","metadata":{"name":"s","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"password\":\"c2VjcmV0\"}}","keep":"me"}},"data":{"password":"c2VjcmV0","ca.crt":"LS0t"},"stringData":{"token":"abc"}}"#
                    .utf8))
        let redacted = ReportContent.redacted(secret)
        let text = JSONText.serialize(redacted)
        #expect(!text.contains("c2VjcmV0") && !text.contains("LS0t") && !text.contains("abc"), "\(text)")
        #expect(redacted["data"]?.objectMembers?.map(\.0) == ["password", "ca.crt"])
        #expect(redacted["metadata"]?["annotations"]?["keep"] == .string("me"))
    }
}
