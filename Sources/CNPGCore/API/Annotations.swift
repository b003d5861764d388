/// Label and annotation keys of the CNPG API, in one place.
public enum CNPGAnnotations {
    public static let validation = "cnpg.io/validation"
    public static let hibernation = "cnpg.io/hibernation"
    public static let podPatch = "cnpg.io/podPatch"
    public static let skipWalArchiving = "cnpg.io/skipWalArchiving"
    public static let failoverQuorum = "alpha.cnpg.io/failoverQuorum"
    public static let livenessPinger = "alpha.cnpg.io/livenessPinger"
    public static let volumeSnapshotDeadline = "cnpg.io/volumeSnapshotDeadline"
}
