import ArgumentParser
import CNPGCore
import Foundation

extension OperatorConfiguration {
    /// The settings from this process's environment; unusable values stop the command with one
    /// line per setting.
    static func fromEnvironment() throws -> OperatorConfiguration {
        let configuration = OperatorConfiguration(settings: ProcessInfo.processInfo.environment)
        guard configuration.invalidSettings.isEmpty else {
            throw ValidationError("invalid operator settings:\n  " + configuration.invalidSettings.joined(separator: "\n  "))
        }
        return configuration
    }
}
