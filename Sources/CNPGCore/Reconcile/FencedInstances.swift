import Foundation

/// The `cnpg.io/fencedInstances` annotation: a JSON list of instance names, `["*"]` for all.
/// A fenced instance's PostgreSQL is stopped (the pod stays); a fenced primary is never failed
/// over, and fenced instances are skipped by rolling updates.
public struct FencedInstances: Equatable, Sendable {
    public static let annotation = "cnpg.io/fencedInstances"
    public static let everything = "*"

    public private(set) var names: [String]

    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public init(names: [String] = []) { self.names = names }

    /// The annotation's list; absent or empty means nothing is fenced.
    public init(annotationValue: String?) throws {
        guard let annotationValue, !annotationValue.trimmingCharacters(in: .whitespaces).isEmpty else {
            names = []
            return
        }
        guard let parsed = try? JSONText.parse(annotationValue), case .array(let items) = parsed,
            let strings = Optional(items.compactMap(\.stringValue)), strings.count == items.count
        else {
            throw Problem(description: "fencedInstances annotation has invalid syntax")
        }
        if strings.contains(Self.everything), strings.count > 1 {
            throw Problem(description: "the fencedInstances annotation cannot combine \"*\" with instance names")
        }
        names = strings
    }

    /// What the Cluster's annotation says; an unreadable annotation fences nothing.
    public init(cluster: Cluster) {
        self = (try? FencedInstances(annotationValue: cluster.metadata.annotation(Self.annotation))) ?? FencedInstances()
    }

    public var isEmpty: Bool { names.isEmpty }
    public var all: Bool { names == [Self.everything] }

    public func contains(_ instance: String) -> Bool { all || names.contains(instance) }

    /// `kubectl cnpg fencing on`: adding to a `*` set changes nothing; `*` replaces the list.
    public mutating func fence(_ instance: String) {
        if all { return }
        if instance == Self.everything {
            names = [Self.everything]
        } else if !names.contains(instance) {
            names = (names + [instance]).sorted()
        }
    }

    /// `kubectl cnpg fencing off`: `*` clears everything; one name while `*` is set is refused.
    public mutating func unfence(_ instance: String) throws {
        if instance == Self.everything {
            names = []
        } else if all {
            throw Problem(description: "unfencing an instance while the whole cluster is fenced is not supported")
        } else {
            names.removeAll { $0 == instance }
        }
    }

    /// The annotation value, or nil when nothing is fenced (the annotation is removed).
    public var annotationValue: String? {
        names.isEmpty ? nil : JSONText.serialize(.array(names.map(JSONValue.string)))
    }
}
