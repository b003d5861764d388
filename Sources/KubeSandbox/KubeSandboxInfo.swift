import CNPGCore

/// Facts about the sandbox build, shared by its executable and tests.
public enum KubeSandboxInfo {
    public static let version = CNPG.operatorVersion
}
