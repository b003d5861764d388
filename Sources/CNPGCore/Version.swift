public enum CNPGCoreVersion { public static let version = "0.1.0" }
