import CNPGTestSupport
import Testing

/// Every product builds, starts, and answers --help and --version with its own name.
@Suite struct ExecutablesTests {
    @Test(arguments: ["cnpg-operator", "instance-manager", "kubectl-cnpg", "kube-sandbox"])
    func answersHelpAndVersion(name: String) throws {
        let help = try BuiltProducts.run(name, ["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("USAGE: \(name)"))
        let version = try BuiltProducts.run(name, ["--version"])
        #expect(version.status == 0)
        #expect(version.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1.30.0")
    }

    @Test func unknownArgumentsFailWithUsage() throws {
        let result = try BuiltProducts.run("kubectl-cnpg", ["frobnicate"])
        #expect(result.status != 0)
        #expect(result.error.contains("Usage") || result.error.contains("USAGE") || result.error.contains("Error"))
    }
}

import Foundation
