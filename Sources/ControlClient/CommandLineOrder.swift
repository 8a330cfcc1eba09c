import ControlProtocol

/// Lets `bssctl --socket PATH status` mean `bssctl status --socket PATH`, as git and systemctl
/// take their connection options on either side of the subcommand. ArgumentParser reads a
/// subcommand's options only after its name and passes nothing from the root command down, so
/// the connection options found before the subcommand are moved right after its name before
/// parsing. (Declaring them on the root command too would leave every subcommand to merge two
/// copies of each option.)
public enum CommandLineOrder {
    /// bssctl's connection options (`ConnectionOptions`), each with whether it takes a value.
    public static let connectionOptions: [String: Bool] = ["--socket": true, "--timeout": true, "--json": false]

    /// One connection option as given: its name, its value (nil for a flag), the words it took.
    private struct Given {
        let name: String
        let value: String?
        let words: ArraySlice<String>
    }

    /// `arguments` (without the program name) with the connection options that precede the
    /// subcommand moved after its name; unchanged when there are none or no subcommand follows
    /// them (ArgumentParser then explains). Throws when an option gets two different values.
    public static func connectionOptionsAfterSubcommand(_ arguments: [String]) throws(ControlError) -> [String] {
        var leading: [Given] = []
        var index = 0
        while let option = given(in: arguments, at: index) {
            leading.append(option)
            index += option.words.count
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        let subcommand = arguments[index]
        var trailing: [Given] = []
        var position = index + 1
        while position < arguments.count, arguments[position] != "--" {
            if let option = given(in: arguments, at: position) {
                trailing.append(option)
                position += option.words.count
            } else {
                position += 1
            }
        }
        var values: [String: String] = [:]
        for option in leading + trailing {
            guard let value = option.value else { continue }
            if let earlier = values[option.name], earlier != value {
                throw ControlError(.invalidParams, "\(option.name) is given twice, as '\(earlier)' and as '\(value)'; give it once, before or after the subcommand")
            }
            values[option.name] = value
        }
        return [subcommand] + leading.flatMap(\.words) + arguments[(index + 1)...]
    }

    /// The connection option starting at `index` (`--socket PATH`, `--socket=PATH`, `--json`),
    /// or nil when the word there is something else or a value is missing.
    private static func given(in arguments: [String], at index: Int) -> Given? {
        guard index < arguments.count else { return nil }
        let word = arguments[index]
        let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard let takesValue = connectionOptions[name] else { return nil }
        switch (takesValue, parts.count == 2) {
        case (true, true): return Given(name: name, value: String(parts[1]), words: arguments[index...index])
        case (true, false):
            guard index + 1 < arguments.count else { return nil }
            return Given(name: name, value: arguments[index + 1], words: arguments[index...(index + 1)])
        case (false, false): return Given(name: name, value: nil, words: arguments[index...index])
        case (false, true): return nil
        }
    }
}
