//! What the attacker knows about the victim's PIN: a distribution over the positions of the
//! attacker's guessing order. The attacker succeeds with `g` guesses if and only if the victim's
//! PIN sits at a position below `g`, so the exact success probability is the mass of the first `g`
//! positions, and a Monte-Carlo trial draws the victim's position and compares.
//!
//! Models (DESIGN.md §6):
//! - [`PinModel::Uniform`]: a random PIN over `10^digits`, guessed without repeats: `min(g, N)/N`.
//! - [`PinModel::human`]: human-chosen 4-digit PINs, guessed most popular first. Built from the
//!   public aggregate figures of DataGenetics, "PIN analysis" (Nick Berry, September 2012, 3.4
//!   million PINs): the twenty most common PINs with their published shares ([`TOP20`]; "1234"
//!   10.713%, the twenty together 26.832%). The published aggregates do not give the other 9,980
//!   shares, so we complete the distribution with a Zipf tail: rank `k` in 21..=10000 gets weight
//!   `share(20) * (20/k)^s`, continuous with rank 20, with `s` chosen so that the tail carries the
//!   remaining 73.168% exactly (`s` is about 0.79; see [`zipf_exponent`]). Shares are quantised to
//!   integer parts of 10^9 (largest-remainder rounding) so that every probability is an exact
//!   ratio of integers and sampling is exact integer arithmetic. The powers use a portable
//!   `ln`/`exp` built from IEEE basic operations, so the table is the same on every platform.
//! - [`PinModel::birthday`]: a thief holding the owner's documents (Bonneau, Preibusch, Anderson,
//!   "A birthday present every eleven wallets? The security of customer-chosen banking PINs",
//!   Financial Cryptography 2012): 9.1% of victims are found within 3 guesses derived from the
//!   birthday (5.6% when the issuer blocks the most popular PINs). The paper publishes the 3-guess
//!   figure only, so we model a mixture: with probability 0.091 (0.056) the victim's PIN is one of
//!   the 3 birthday guesses, each equally likely (so fewer than 3 guesses find a proportional
//!   share); otherwise it follows the human distribution above, which the attacker tries after the
//!   birthday guesses. Overlaps between the two lists are ignored (a slight under-count of the
//!   attacker past 3 guesses); with the blocklist the human part is not re-weighted (a slight
//!   over-count). Both models need a 4-digit PIN.

/// The DataGenetics 2012 top-20 4-digit PINs and their shares in units of 10^-5 (0.001%).
/// Sum: 10713 + 6016 + 1881 + 1197 + 745 + 616 + 613 + 526 + 516 + 512 + 451 + 419 + 395 + 391
/// + 366 + 304 + 303 + 293 + 290 + 285 = 26832, the published "top 20 = 26.83%".
pub const TOP20: [(&str, u64); 20] = [
    ("1234", 10713),
    ("1111", 6016),
    ("0000", 1881),
    ("1212", 1197),
    ("7777", 745),
    ("1004", 616),
    ("2000", 613),
    ("4444", 526),
    ("2222", 516),
    ("6969", 512),
    ("9999", 451),
    ("3333", 419),
    ("5555", 395),
    ("6666", 391),
    ("1122", 366),
    ("1313", 304),
    ("8888", 303),
    ("4321", 293),
    ("2001", 290),
    ("1010", 285),
];

/// Integer total of the human distribution: shares are in parts of 10^9.
pub const HUMAN_TOTAL: u64 = 1_000_000_000;
/// 10^-5 (the published resolution) in parts of 10^9.
const TOP20_UNIT: u64 = 10_000;
/// Number of 4-digit PINs.
const PIN4_SPACE: usize = 10_000;
/// Bonneau, Preibusch, Anderson, "A birthday present every eleven wallets? The security of
/// customer-chosen banking PINs", FC 2012, abstract: guessing from the victim's birthday "will
/// enable a competent thief to gain use of an ATM card once for every 11-18 stolen wallets,
/// depending on whether banks prohibit weak PINs such as 1234" (3 guesses at an ATM). Once in 11
/// wallets is 1/11 = 9.09%, rounded to 91 per mille (the abstract gives the ratio, not a
/// percentage; J. Bonneau's summary quoted by ZDNet, 2012: "around 9%").
pub const BIRTHDAY_PER_MILLE: u64 = 91;
/// The same with a blocklist of weak PINs: once in 18 wallets, 1/18 = 5.56%, 56 per mille (same
/// abstract).
pub const BIRTHDAY_BLOCKLIST_PER_MILLE: u64 = 56;
/// Guesses the birthday figures refer to.
pub const BIRTHDAY_GUESSES: u64 = 3;

/// A distribution over the attacker's guessing order.
#[derive(Debug, Clone, PartialEq)]
pub enum PinModel {
    /// Uniform over `space` PINs.
    Uniform { space: u64 },
    /// Integer weights per position; `cumulative[k]` is the weight of positions `0..k`
    /// (`cumulative[0] = 0`, the last entry is the total). Shared: every row that uses one of
    /// the built-in tables holds the same allocation, so memory does not grow with the rows.
    Table { cumulative: std::sync::Arc<[u64]> },
}

impl PinModel {
    /// The human-chosen 4-digit distribution (DataGenetics top 20 + Zipf tail).
    pub fn human() -> PinModel {
        static TABLE: std::sync::OnceLock<std::sync::Arc<[u64]>> = std::sync::OnceLock::new();
        PinModel::Table {
            cumulative: TABLE.get_or_init(|| cumulate(&human_weights())).clone(),
        }
    }

    /// The birthday mixture of Bonneau et al.; `blocklist` selects the 5.6% figure.
    pub fn birthday(blocklist: bool) -> PinModel {
        static TABLES: [std::sync::OnceLock<std::sync::Arc<[u64]>>; 2] =
            [std::sync::OnceLock::new(), std::sync::OnceLock::new()];
        PinModel::Table {
            cumulative: TABLES[usize::from(blocklist)]
                .get_or_init(|| birthday_cumulative(blocklist))
                .clone(),
        }
    }
}

fn birthday_cumulative(blocklist: bool) -> std::sync::Arc<[u64]> {
    {
        let per_mille = if blocklist {
            BIRTHDAY_BLOCKLIST_PER_MILLE
        } else {
            BIRTHDAY_PER_MILLE
        };
        // Total 3000 * 10^9: each birthday slot gets per_mille/1000/3 of it, the human part
        // (1000 - per_mille)/1000 of it, i.e. its 10^9-scaled weights times 3 * (1000 - per_mille).
        let slot = per_mille * HUMAN_TOTAL;
        let mut w = vec![slot; BIRTHDAY_GUESSES as usize];
        let scale = BIRTHDAY_GUESSES * (1000 - per_mille);
        w.extend(human_weights().iter().map(|h| h * scale));
        cumulate(&w)
    }
}

impl PinModel {
    /// Number of positions.
    pub fn len(&self) -> u64 {
        match self {
            PinModel::Uniform { space } => *space,
            PinModel::Table { cumulative } => cumulative.len().saturating_sub(1) as u64,
        }
    }

    /// True if there are no positions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total integer weight (the denominator of every probability).
    pub fn total(&self) -> u64 {
        match self {
            PinModel::Uniform { space } => *space,
            PinModel::Table { cumulative } => cumulative.last().copied().unwrap_or(0),
        }
    }

    /// Integer weight of the first `g` positions.
    pub fn weight_below(&self, g: u64) -> u64 {
        match self {
            PinModel::Uniform { space } => g.min(*space),
            PinModel::Table { cumulative } => {
                let i = usize::try_from(g)
                    .unwrap_or(usize::MAX)
                    .min(cumulative.len() - 1);
                cumulative[i]
            }
        }
    }

    /// Integer weight of position `k`.
    pub fn weight_at(&self, k: u64) -> u64 {
        match self {
            PinModel::Uniform { space } => u64::from(k < *space),
            PinModel::Table { cumulative } => {
                let k = usize::try_from(k).unwrap_or(usize::MAX);
                match (cumulative.get(k), cumulative.get(k.saturating_add(1))) {
                    (Some(a), Some(b)) => b - a,
                    _ => 0,
                }
            }
        }
    }

    /// Exact probability that `g` guesses find the PIN.
    pub fn success(&self, g: u64) -> f64 {
        let t = self.total();
        if t == 0 {
            return 0.0;
        }
        self.weight_below(g) as f64 / t as f64
    }

    /// The position whose cumulative interval holds `u` (`u < total`).
    pub fn position_of(&self, u: u64) -> u64 {
        match self {
            PinModel::Uniform { .. } => u,
            // First k with cumulative[k + 1] > u.
            PinModel::Table { cumulative } => cumulative[1..].partition_point(|&c| c <= u) as u64,
        }
    }
}

fn cumulate(w: &[u64]) -> std::sync::Arc<[u64]> {
    let mut c = Vec::with_capacity(w.len() + 1);
    let mut acc = 0u64;
    c.push(0);
    for &x in w {
        acc += x;
        c.push(acc);
    }
    c.into()
}

/// Natural logarithm of a positive normal `x` from IEEE basic operations only, so that the table
/// is the same on every platform (libm's `ln`/`powf` may differ in the last bit between systems).
/// `x = m 2^e` with `m` in [1, 2); `ln m = 2 atanh(z)`, `z = (m-1)/(m+1)` in [0, 1/3), whose series
/// `sum z^(2j+1)/(2j+1)` is below 1e-40 after 40 terms.
fn det_ln(x: f64) -> f64 {
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52));
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    let (mut term, mut sum) = (z, 0.0);
    for j in 0..40 {
        sum += term / f64::from(2 * j + 1);
        term *= z2;
    }
    2.0 * sum + e as f64 * std::f64::consts::LN_2
}

/// `e^y` for moderate `y` from basic operations: `y = n ln 2 + r`, `|r| <= ln 2 / 2`, Taylor series
/// of `e^r` to 30 terms (the remainder is below 0.35^30 / 30!), times `2^n`.
fn det_exp(y: f64) -> f64 {
    let n = (y / std::f64::consts::LN_2).round();
    let r = y - n * std::f64::consts::LN_2;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for k in 1..30 {
        term *= r / f64::from(k);
        sum += term;
    }
    // |y| stays far inside the normal range here (|y| < 4 ln 500).
    sum * f64::from_bits(((1023 + n as i64) as u64) << 52)
}

/// `(20/k)^s`, deterministically.
fn zipf(k: usize, s: f64) -> f64 {
    det_exp(s * det_ln(20.0 / k as f64))
}

/// Sum of `(20/k)^s` over the tail ranks 21..=10000.
fn tail_shape(s: f64) -> f64 {
    (21..=PIN4_SPACE).map(|k| zipf(k, s)).sum()
}

/// The Zipf exponent `s` with `share(20) * sum_{k=21}^{10000} (20/k)^s` = the tail mass, by 100
/// bisection steps on [0, 4] (the left side falls as `s` grows).
pub fn zipf_exponent() -> f64 {
    let top: u64 = TOP20.iter().map(|(_, s)| s).sum();
    let tail = (100_000 - top) as f64 / TOP20[19].1 as f64;
    let (mut lo, mut hi) = (0.0f64, 4.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if tail_shape(mid) > tail {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The 10,000 human weights in parts of 10^9, most popular first (computed once).
pub fn human_weights() -> Vec<u64> {
    static TABLE: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(build_human_weights).clone()
}

fn build_human_weights() -> Vec<u64> {
    let mut w: Vec<u64> = TOP20.iter().map(|(_, s)| s * TOP20_UNIT).collect();
    let tail_total = HUMAN_TOTAL - w.iter().sum::<u64>();
    let s = zipf_exponent();
    let shape: Vec<f64> = (21..=PIN4_SPACE).map(|k| zipf(k, s)).collect();
    let shape_sum: f64 = shape.iter().sum();
    // Largest-remainder rounding to integers summing to tail_total exactly. The ideal shares
    // decrease with the rank, so ties in the remainder are broken by rank.
    let ideal: Vec<f64> = shape
        .iter()
        .map(|x| x / shape_sum * tail_total as f64)
        .collect();
    let mut tail: Vec<u64> = ideal.iter().map(|x| x.floor() as u64).collect();
    let short = tail_total.saturating_sub(tail.iter().sum::<u64>());
    let mut order: Vec<usize> = (0..tail.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = ideal[a] - ideal[a].floor();
        let rb = ideal[b] - ideal[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take(short as usize) {
        tail[i] += 1;
    }
    w.extend(tail);
    w
}

/// A human-chosen secret described by its guessing curve: the share of holders whose secret is
/// found within `g` guesses, given at a few published guess counts and linear in between (the
/// secrets between two anchors are taken as equally likely, which is the least-informative
/// completion of a table that gives only cumulative shares), and reaching 1 at the whole space.
/// Used by `sim national` for the secrets the 4-digit DataGenetics table does not cover: 6-digit
/// lock-screen passcodes, blocklisted PINs, and the JPKI signing password.
#[derive(Debug, Clone, PartialEq)]
pub struct GuessCurve {
    /// `(guesses, share found)`, strictly increasing in both, starting at `(0, 0)` and ending at
    /// `(space, 1)`.
    pub anchors: Vec<(u64, f64)>,
}

impl GuessCurve {
    /// A curve through `(0, 0)`, the `anchors`, and `(space, 1)`.
    pub fn new(space: u64, anchors: &[(u64, f64)]) -> GuessCurve {
        let mut a = vec![(0, 0.0)];
        a.extend_from_slice(anchors);
        a.push((space, 1.0));
        GuessCurve { anchors: a }
    }

    /// Share of holders whose secret is among the first `g` guesses.
    pub fn success(&self, g: u64) -> f64 {
        for w in self.anchors.windows(2) {
            let ((g0, c0), (g1, c1)) = (w[0], w[1]);
            if g <= g1 {
                let t = (g.saturating_sub(g0)) as f64 / (g1 - g0) as f64;
                return c0 + t * (c1 - c0);
            }
        }
        1.0
    }

    /// The same secret against a thief with the owner's birth date (Bonneau et al. FC 2012, as in
    /// [`PinModel::birthday`]): with probability `birthday` the secret is one of 3 birthday
    /// guesses, otherwise the thief continues with this curve.
    pub fn with_birthday(&self, birthday: f64, g: u64) -> f64 {
        let b = BIRTHDAY_GUESSES;
        birthday * g.min(b) as f64 / b as f64 + (1.0 - birthday) * self.success(g.saturating_sub(b))
    }
}

/// Guessing curves of human-chosen numeric PINs against a throttled attacker with 10, 30 and 100
/// guesses, the guess counts of Markert, Bailey, Golla, Dürmuth, Aviv, "This PIN Can Be Easily
/// Guessed: Analyzing the Security of Smartphone Unlock PINs", IEEE S&P 2020 (n = 1220 PINs chosen
/// by participants primed for smartphone unlocking; iOS blocklists of 274 4-digit and 2910
/// 6-digit PINs). Their findings that we rely on: 6-digit PINs are about as guessable as 4-digit
/// ones at these guess counts, and the iOS-sized blocklists help little. What we could verify of
/// the paper is its abstract only (quoted in sim/README.md): "against a throttled attacker (with
/// 10, 30, or 100 guesses ...), using 6-digit PINs instead of 4-digit PINs provides little to no
/// increase in security, and surprisingly may even decrease security" and "relatively small
/// blocklists in use today by iOS offer little or no benefit against a throttled guessing
/// attack". The tables with the success rates at 10/30/100 guesses were not reachable: searched
/// (December 2026, the `search` tool's pages and docs corpora) ar5iv.labs.arxiv.org/html/
/// 2003.04868, readkong.com, scribd.com, sciencestack.ai, par.nsf.gov, the project site
/// this-pin-can-be-easily-guessed.github.io and its GitHub repository; every stored copy stops
/// after the abstract and introduction. So the shares below remain OUR ROUNDED ASSUMPTIONS, not
/// figures of the paper: replace them with its table to calibrate. Each is `(guesses, share of
/// PINs found)`.
pub const PIN6_HUMAN: [(u64, f64); 3] = [(10, 0.06), (30, 0.09), (100, 0.14)];
/// 6-digit with the iOS blocklist (click-through warning).
pub const PIN6_HUMAN_BLOCKLIST: [(u64, f64); 3] = [(10, 0.04), (30, 0.07), (100, 0.12)];
/// 4-digit with the iOS blocklist (274 PINs): the most popular PINs are discouraged, so the
/// DataGenetics top 10 (23.3%) no longer applies; assumption of the same order as the 6-digit.
pub const PIN4_HUMAN_BLOCKLIST: [(u64, f64); 3] = [(10, 0.05), (30, 0.09), (100, 0.16)];
/// The JPKI signing password (6-16 characters, upper-case letters and digits, locked after 5
/// wrong tries; J-LIS). Human-chosen passwords against an online trawling attacker.
/// - 10 guesses, 1%: Bonneau, "The science of guessing: analyzing an anonymized corpus of 70
///   million passwords", IEEE S&P 2012 (Yahoo!, ~70 million users), as summarised by Gates
///   Cambridge, "Online insecurity", 23 March 2012: "one per cent can be cracked within 10
///   guesses". The paper's abstract: "fewer than 10 bits of security against an online, trawling
///   attack". With 5 tries only this anchor matters (the curve is linear from (0, 0)): 0.5%.
/// - 100 guesses, 2%: ASSUMPTION (no 100-guess figure was found in the searched excerpts).
///
/// Not calibrated to a Japanese or an alphanumeric-only data set.
pub const PASSWORD_HUMAN: [(u64, f64); 2] = [(10, 0.01), (100, 0.02)];
/// Size of the signing password space used for the curve's end point: 36^6, the shortest
/// passwords (a lower bound; only the first anchors matter for 5 tries).
pub const PASSWORD_SPACE: u64 = 2_176_782_336;

#[cfg(test)]
mod tests {
    use super::*;

    /// The portable ln/exp agree with libm's to 1e-14 relative over the range used.
    #[test]
    fn portable_power_matches_libm() {
        for k in [21usize, 50, 137, 1000, 9999, 10_000] {
            for s in [0.5, 0.79, 1.0, 2.5] {
                let libm = (20.0 / k as f64).powf(s);
                let ours = zipf(k, s);
                assert!(
                    ((ours - libm) / libm).abs() < 1e-14,
                    "{k} {s}: {ours} vs {libm}"
                );
            }
        }
        // Negative control: a wrong exponent is far off.
        assert!((zipf(1000, 0.79) - (0.02f64).powf(0.8)).abs() > 1e-3);
    }

    #[test]
    fn top20_matches_published_aggregates() {
        let top: u64 = TOP20.iter().map(|(_, s)| s).sum();
        assert_eq!(top, 26832); // 26.83%
        assert_eq!(TOP20[0], ("1234", 10713)); // 10.713%
        let h = PinModel::human();
        assert_eq!(h.total(), HUMAN_TOTAL);
        assert_eq!(h.len(), 10_000);
        assert_eq!(h.weight_below(1), 107_130_000);
        assert_eq!(h.weight_below(20), 268_320_000);
        assert_eq!(h.success(10_000), 1.0);
    }

    /// The distribution is a ranking: non-increasing weights, every PIN possible.
    #[test]
    fn human_weights_are_a_ranking() {
        let w = human_weights();
        assert!(w.windows(2).all(|p| p[0] >= p[1]));
        assert!(w.iter().all(|&x| x > 0));
        // The tail continues from rank 20 (0.285%) without a jump up.
        assert!(w[20] <= w[19]);
        let s = zipf_exponent();
        assert!((0.7..0.9).contains(&s), "{s}");
    }

    /// Bonneau et al.: 9.1% in 3 guesses, 5.6% with the blocklist, by construction.
    #[test]
    fn birthday_three_guesses() {
        assert_eq!(PinModel::birthday(false).success(3), 0.091);
        assert_eq!(PinModel::birthday(true).success(3), 0.056);
        // One guess finds a third of the birthday victims.
        assert_eq!(
            PinModel::birthday(false).weight_below(1) * 3,
            PinModel::birthday(false).weight_below(3)
        );
        // Guess 4 is "1234": 0.091 + 0.909 * 0.10713.
        let p4 = PinModel::birthday(false).success(4);
        assert!((p4 - (0.091 + 0.909 * 0.10713)).abs() < 1e-15, "{p4}");
    }

    #[test]
    fn position_lookup_inverts_the_cumulative() {
        let h = PinModel::human();
        assert_eq!(h.position_of(0), 0);
        assert_eq!(h.position_of(107_129_999), 0);
        assert_eq!(h.position_of(107_130_000), 1);
        assert_eq!(h.position_of(HUMAN_TOTAL - 1), 9_999);
        let u = PinModel::Uniform { space: 10_000 };
        assert_eq!(u.success(3), 3.0 / 10_000.0);
        assert_eq!(u.success(20_000), 1.0);
        assert_eq!(u.weight_at(9_999), 1);
        assert_eq!(u.weight_at(10_000), 0);
    }

    /// The curve passes through its anchors and is linear in between.
    #[test]
    fn guess_curve_interpolates() {
        let c = GuessCurve::new(1_000_000, &PIN6_HUMAN);
        assert_eq!(c.success(0), 0.0);
        assert_eq!(c.success(10), 0.06);
        assert_eq!(c.success(100), 0.14);
        // Halfway between 10 and 30: (0.06 + 0.09) / 2.
        assert!((c.success(20) - 0.075).abs() < 1e-15);
        // One guess: a tenth of the first anchor.
        assert!((c.success(1) - 0.006).abs() < 1e-15);
        assert_eq!(c.success(1_000_000), 1.0);
        assert_eq!(c.success(u64::MAX), 1.0);
        // Birthday mixture: 3 guesses find 9.1%, then the curve from its start.
        let b = c.with_birthday(0.091, 3);
        assert!((b - 0.091).abs() < 1e-15);
        let b13 = c.with_birthday(0.091, 13);
        assert!((b13 - (0.091 + 0.909 * 0.06)).abs() < 1e-15, "{b13}");
    }
}
