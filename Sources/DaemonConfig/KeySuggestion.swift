/// "Did you mean …?" for a misspelt config key or section: the known name closest to what was
/// written, when it is close enough to be the likely intent (a typo, `-` for `_`, a cut-off
/// suffix) rather than just the least different of unrelated words.
enum KeySuggestion {
    static func closest(to name: String, among candidates: [String]) -> String? {
        let written = Array(name.lowercased())
        let scored = candidates.compactMap { candidate -> (String, Int)? in
            let known = Array(candidate.lowercased())
            let distance = editDistance(written, known)
            let truncated = min(written.count, known.count) >= 4
                && (known.starts(with: written) || written.starts(with: known))
            return distance <= (max(written.count, known.count) >= 5 ? 2 : 1) || truncated ? (candidate, distance) : nil
        }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance: insertions, deletions and substitutions, one each.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
