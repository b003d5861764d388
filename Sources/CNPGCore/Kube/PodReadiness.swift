/// Whether a pod (as JSON) reports condition `Ready` True: what services, controllers and the
/// operator count as a ready instance.
public enum PodReadiness {
    public static func isReady(_ pod: JSONValue) -> Bool {
        guard case .array(let conditions)? = pod["status"]?["conditions"] else { return false }
        return conditions.contains { $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True" }
    }
}
