/// Loopback addresses handed out to pods or services, within `127.<second>.0.0/16`, skipping
/// network and broadcast-looking addresses. Freed addresses are reused last, so a recreated pod
/// does not silently take over a deleted pod's address while clients may still hold it.
struct AddressPool: Sendable {
    let secondOctet: Int
    private var next = 1
    private var inUse: [String: String] = [:]
    private var freed: [String] = []

    /// Host number n is 127.<second>.(n / 254).(n % 254 + 1): pods start at 254 (127.0.1.1, clear of the
    /// API server on 127.0.0.1), services at 0 (127.1.0.1).
    init(secondOctet: Int, firstHost: Int = 1) {
        self.secondOctet = secondOctet
        self.next = firstHost
    }

    /// The address held by `owner`, allocating one if needed; nil when the range is exhausted.
    mutating func address(for owner: String) -> String? {
        if let held = inUse[owner] { return held }
        let address: String
        if next < 254 * 256 {
            let third = next / 254
            let fourth = next % 254 + 1
            address = "127.\(secondOctet).\(third).\(fourth)"
            next += 1
        } else if !freed.isEmpty {
            address = freed.removeFirst()
        } else {
            return nil
        }
        inUse[owner] = address
        return address
    }

    /// Records an address an owner already has (for example after a restart of the sandbox).
    mutating func claim(_ address: String, for owner: String) { inUse[owner] = address }

    mutating func release(_ owner: String) {
        if let address = inUse.removeValue(forKey: owner) { freed.append(address) }
    }

    func holder(of address: String) -> String? { inUse.first { $0.value == address }?.key }
}
