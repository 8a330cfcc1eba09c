import EngineParameters

/// Every problem of a config file's values in one pass, without the follow-on errors of a value
/// already refused.
///
/// The keys are applied to a draft and `DaemonConfiguration.check()` is run on the result; it
/// stops at its first failure, so a key it refuses is reported, taken out and the check run
/// again until it passes. A key taken out leaves its setting at the default, so the keys checked
/// against it (`ConfigFileSchema.checked(against:)`) are taken out with it, unchecked: `hop = 512`
/// written for `frame = 2048` is no mistake just because the frame was refused. Problems that
/// name no key the file set (ALSA's request checks, in sentences) are reported only when nothing
/// else was, as any refused or misspelt key may be their cause.
enum ConfigFileChecks {
    static func read(
        _ document: ConfigFileDocument, directory: String
    ) -> (DaemonConfiguration, [ConfigFileError.Reason]) {
        var reasons = document.unknownNames
        var refused: Set<String> = []
        let given = Set(document.entries.map(\.key.dotted))
        for old in EngineParameter.Deprecated.allCases where given.contains(old.spelling(in: .configFile)) && given.contains(old.replacement.configKey) {
            reasons.append(.conflict(key: old.spelling(in: .configFile), message: old.conflict(in: .configFile)))
            refused.insert(old.spelling(in: .configFile))
        }
        while true {
            let dependents = ConfigFileSchema.checked(against: refused.union(document.misspelt))
            let skipped = refused.union(dependents)
            // Each pass applies the keys afresh (rereading `audio.asoundrc`): there is one pass per
            // refused key, and a draft cannot forget a key once applied.
            var draft = ConfigFileDraft(directory: directory)
            var applied: [String: ConfigFileValue] = [:]
            var failedToApply = false
            for (key, value) in document.entries where !skipped.contains(key.dotted) {
                do throws(ConfigFileError.Reason) {
                    try key.apply(value, &draft)
                    applied[key.dotted] = value
                } catch {
                    reasons.append(error)
                    refused.insert(key.dotted)
                    failedToApply = true
                }
            }
            if failedToApply { continue }
            let configuration = draft.configuration()
            do { try configuration.check() } catch {
                switch error {
                case let .setting(setting):
                    let key = ConfigFileSchema.key(named: setting.key)?.dotted ?? setting.key
                    if let value = applied[key] {
                        reasons.append(value.invalid(setting.allowed))
                        refused.insert(key)
                        continue
                    }
                    if reasons.isEmpty { reasons.append(.invalid(key: key, value: setting.value, allowed: setting.allowed)) }
                case let .request(problem):
                    if reasons.isEmpty { reasons.append(.rejected(problem)) }
                }
            }
            return (configuration, reasons)
        }
    }
}
