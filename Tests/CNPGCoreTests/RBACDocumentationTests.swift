import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// docs/rbac.md holds exactly the tables the role builders produce.
@Suite struct RBACDocumentationTests {
    @Test func theRBACPageMatchesTheBuilders() throws {
        let page = try String(contentsOf: BuiltProducts.repositoryRoot.appendingPathComponent("docs/rbac.md"), encoding: .utf8)
        let start = try #require(page.range(of: "(make generate) -->\n"), "docs/rbac.md lost its start marker")
        let end = try #require(page.range(of: "<!-- end of rbac tables -->"), "docs/rbac.md lost its end marker")
        #expect(String(page[start.upperBound..<end.lowerBound]) == RBACDocumentation.tables(), "run `make generate` after changing a role")
        #expect(RBACDocumentation.tables().contains("| core | `secrets` | get, watch | `cluster-example-app`"))
    }
}
