//! The two statistics the detector rests on, for short series of `(t, v)`
//! points (at most a few hundred, so the quadratic forms are cheap):
//!
//! - [`theil_sen`]: the median of the slopes of all pairs of points. Up to 29%
//!   of the points can be arbitrarily wrong (a GC that ran late, a spike of
//!   in-flight requests) before the estimate moves, where least squares follows
//!   every outlier (Sen 1968).
//! - [`mann_kendall`]: a rank test of "no monotonic upward trend". It counts
//!   how many later points exceed earlier ones, so it cares about order only,
//!   not about the shape or size of the noise. Memory series are serially
//!   correlated (a high reading tends to follow a high reading), which makes the
//!   plain test see trends that are not there; the variance is therefore widened
//!   by the Hamed & Rao (1998) correction, computed from the autocorrelation of
//!   the ranks of the detrended series.

/// A series point: time in milliseconds, value in bytes.
pub type Point = (f64, f64);

/// Median of the slopes (value per ms) of every pair of points with distinct
/// times; `None` when no such pair exists.
pub fn theil_sen(points: &[Point]) -> Option<f64> {
    let mut slopes = Vec::with_capacity(points.len() * points.len().saturating_sub(1) / 2);
    for (i, &(ti, vi)) in points.iter().enumerate() {
        for &(tj, vj) in &points[i + 1..] {
            let dt = tj - ti;
            if dt != 0.0 {
                slopes.push((vj - vi) / dt);
            }
        }
    }
    median(&mut slopes)
}

/// The median; `None` when empty. Reorders `xs`.
pub fn median(xs: &mut [f64]) -> Option<f64> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let cmp = |a: &f64, b: &f64| a.total_cmp(b);
    let (_, &mut hi, _) = xs.select_nth_unstable_by(n / 2, cmp);
    if n % 2 == 1 {
        return Some(hi);
    }
    // The lower middle is the largest value left of the upper one.
    let lo = xs[..n / 2]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    Some((lo + hi) / 2.0)
}

/// The outcome of a one-sided Mann–Kendall test for an upward trend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// Concordant minus discordant pairs.
    pub s: f64,
    /// The continuity-corrected standard score of `s` under the corrected variance.
    pub z: f64,
    /// `Φ(z)`: one minus the probability of a trend this strong or stronger
    /// arising in a trendless series. 0.99 means a 1% chance of a false alarm
    /// per judgement, under the test's assumptions.
    pub confidence: f64,
}

/// Mann–Kendall test of the values in time order, with the variance corrected
/// for ties and for serial correlation. `slope` (from [`theil_sen`]) detrends
/// the series for the correlation estimate. `None` below 3 points.
pub fn mann_kendall(points: &[Point], slope: f64) -> Option<MannKendall> {
    let n = points.len();
    if n < 3 {
        return None;
    }
    let mut s = 0.0;
    for (i, &(_, vi)) in points.iter().enumerate() {
        for &(_, vj) in &points[i + 1..] {
            s += sign(vj - vi);
        }
    }
    let nf = n as f64;
    let mut var = nf * (nf - 1.0) * (2.0 * nf + 5.0);
    for t in tie_sizes(points.iter().map(|p| p.1)) {
        var -= t * (t - 1.0) * (2.0 * t + 5.0);
    }
    var /= 18.0;
    var *= correlation_factor(points, slope);
    let z = if var <= 0.0 {
        0.0
    } else {
        (s - sign(s)) / var.sqrt()
    };
    Some(MannKendall {
        s,
        z,
        confidence: normal_cdf(z),
    })
}

fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Sizes (> 1) of the groups of equal values.
fn tie_sizes(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    let mut sizes = Vec::new();
    let mut run = 1.0;
    for w in v.windows(2) {
        if w[0] == w[1] {
            run += 1.0;
        } else {
            if run > 1.0 {
                sizes.push(run);
            }
            run = 1.0;
        }
    }
    if run > 1.0 {
        sizes.push(run);
    }
    sizes
}

/// Hamed & Rao's `n / n*`: how much serial correlation inflates the variance
/// of `s`. Uses the lags whose rank autocorrelation is significant at 5%;
/// never below 1, so the correction can only make the test more cautious.
fn correlation_factor(points: &[Point], slope: f64) -> f64 {
    let n = points.len();
    let resid: Vec<f64> = points.iter().map(|&(t, v)| v - slope * t).collect();
    let ranks = ranks(&resid);
    let mean = (n as f64 + 1.0) / 2.0;
    let dev: Vec<f64> = ranks.iter().map(|r| r - mean).collect();
    let denom: f64 = dev.iter().map(|d| d * d).sum();
    if denom == 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let bound = 1.96 / nf.sqrt();
    let mut sum = 0.0;
    for k in 1..n.saturating_sub(2) {
        let rho: f64 = (0..n - k).map(|i| dev[i] * dev[i + k]).sum::<f64>() / denom;
        if rho.abs() > bound {
            let m = (n - k) as f64;
            sum += m * (m - 1.0) * (m - 2.0) * rho;
        }
    }
    (1.0 + 2.0 * sum / (nf * (nf - 1.0) * (nf - 2.0))).max(1.0)
}

/// Ranks from 1, ties sharing their mean rank.
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut out = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            out[k] = rank;
        }
        i = j + 1;
    }
    out
}

/// The standard normal CDF, from the complementary error function.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Chebyshev-fitted `erfc` with a fractional error below 1.2e-7 everywhere
/// (Press et al., Numerical Recipes, §6.2), ample for a confidence level.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize, slope: f64) -> Vec<Point> {
        (0..n)
            .map(|i| (i as f64, 10.0 + slope * i as f64))
            .collect()
    }

    #[test]
    fn theil_sen_ignores_outliers_that_move_least_squares() {
        let mut pts = line(21, 2.0);
        pts[5].1 += 1e6;
        pts[15].1 -= 1e6;
        pts[20].1 += 5e5;
        assert_eq!(theil_sen(&pts), Some(2.0));
        assert_eq!(theil_sen(&[(1.0, 5.0), (1.0, 9.0)]), None);
        assert_eq!(theil_sen(&[(0.0, 0.0), (2.0, 4.0)]), Some(2.0));
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn normal_cdf_matches_tables() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-2.326_348) - 0.01).abs() < 1e-6);
        assert!((normal_cdf(3.090_232) - 0.999).abs() < 1e-6);
    }

    #[test]
    fn mann_kendall_on_a_strict_increase_has_the_textbook_score() {
        // n = 10 strictly increasing: S = 45, Var = 10·9·25/18 = 125.
        let mk = mann_kendall(&line(10, 1.0), 1.0).unwrap();
        assert_eq!(mk.s, 45.0);
        assert!((mk.z - 44.0 / 125f64.sqrt()).abs() < 1e-9);
        assert!(mk.confidence > 0.9999);
        let down = mann_kendall(&line(10, -1.0), -1.0).unwrap();
        assert_eq!(down.s, -45.0);
        assert!(down.confidence < 1e-4);
    }

    #[test]
    fn ties_shrink_the_variance_and_a_constant_series_has_no_trend() {
        let flat: Vec<Point> = (0..8).map(|i| (i as f64, 7.0)).collect();
        let mk = mann_kendall(&flat, 0.0).unwrap();
        assert_eq!(mk.s, 0.0);
        assert_eq!(mk.z, 0.0);
        assert!((mk.confidence - 0.5).abs() < 1e-7);
        assert_eq!(
            tie_sizes([1.0, 2.0, 2.0, 3.0, 3.0, 3.0].into_iter()),
            vec![2.0, 3.0]
        );
        assert_eq!(ranks(&[10.0, 30.0, 20.0, 20.0]), vec![1.0, 4.0, 2.5, 2.5]);
    }

    #[test]
    fn serial_correlation_widens_the_variance() {
        // A slow wave around a flat mean: neighbours are alike, so the
        // correction must make the test less sure than the naive one.
        let wave: Vec<Point> = (0..60)
            .map(|i| (i as f64, (i as f64 / 6.0).sin() * 100.0))
            .collect();
        let f = correlation_factor(&wave, 0.0);
        assert!(f > 2.0, "factor {f}");
        let noise: Vec<Point> = (0..60)
            .map(|i| (i as f64, ((i * 7919) % 61) as f64))
            .collect();
        assert!(correlation_factor(&noise, 0.0) < 1.5);
    }
}
