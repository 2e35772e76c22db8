#if canImport(Glibc)
import Glibc
#endif

/// Pearson's chi-square goodness-of-fit test, for split sample-ratio mismatch.
public enum ChiSquare {
    /// The p-value of observed counts against expected shares (which need not sum to 1; they are normalised).
    ///
    /// Returns 1 when there is nothing to test: fewer than two categories with a positive share, or no observations.
    public static func pValue(observed: [UInt64], expectedShares: [Double]) -> Double {
        precondition(observed.count == expectedShares.count, "one share per category")
        let total = observed.reduce(0, +)
        let shareSum = expectedShares.reduce(0, +)
        let categories = expectedShares.count(where: { $0 > 0 })
        guard total > 0, shareSum > 0, categories >= 2 else { return 1 }
        var statistic = 0.0
        for (count, share) in zip(observed, expectedShares) {
            let expected = Double(total) * share / shareSum
            if expected > 0 {
                let difference = Double(count) - expected
                statistic += difference * difference / expected
            } else if count > 0 {
                // Traffic where the config says there should be none: as far from the expectation as it gets.
                return 0
            }
        }
        return survival(statistic: statistic, degreesOfFreedom: categories - 1)
    }

    /// P(X ≥ statistic) for a chi-square variable with `degreesOfFreedom`: Q(k/2, x/2), the regularised upper
    /// incomplete gamma function.
    public static func survival(statistic: Double, degreesOfFreedom: Int) -> Double {
        guard statistic > 0 else { return 1 }
        return upperRegularizedGamma(Double(degreesOfFreedom) / 2, statistic / 2)
    }

    /// Q(a, x) by its series for x < a + 1 and by Lentz's continued fraction otherwise (Numerical Recipes §6.2).
    static func upperRegularizedGamma(_ a: Double, _ x: Double) -> Double {
        let logPrefactor = -x + a * log(x) - lgamma(a)
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var denominator = a
            for _ in 0..<10_000 {
                denominator += 1
                term *= x / denominator
                sum += term
                if abs(term) < abs(sum) * 1e-15 { break }
            }
            return max(0, min(1, 1 - sum * exp(logPrefactor)))
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var fraction = d
        for step in 1..<10_000 {
            let an = -Double(step) * (Double(step) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            fraction *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return max(0, min(1, exp(logPrefactor) * fraction))
    }
}
