/// Random passwords as CNPG makes them: 64 characters, letters of both cases and at least 10
/// digits, no symbols (safe in URIs, pgpass files and shells).
public enum PasswordGenerator {
    static let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    static let digits = Array("0123456789")

    public static func generate<R: RandomNumberGenerator>(length: Int = 64, minimumDigits: Int = 10, using generator: inout R) -> String {
        var characters: [Character] = (0..<minimumDigits).map { _ in digits.randomElement(using: &generator)! }
        let alphabet = letters + digits
        characters += (0..<max(length - minimumDigits, 0)).map { _ in alphabet.randomElement(using: &generator)! }
        characters.shuffle(using: &generator)
        return String(characters)
    }

    public static func generate(length: Int = 64) -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(length: length, using: &generator)
    }
}
