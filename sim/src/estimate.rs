//! The attack as a random experiment, its exact probability, and the Monte-Carlo estimator.
//!
//! One trial: the attacker makes `b` biometric presentations, each accepted with probability `q`
//! (FAR for a zero-effort impostor, SAR for a spoofer), stopping at the first accept; if none is
//! accepted, the attacker makes `g` PIN guesses against the victim's PIN drawn from a
//! [`PinModel`]. Exact: `p_bio = 1 - (1 - q)^b`, computed as `q * sum_{j<b} (1 - q)^j` (no
//! cancellation at tiny `q`), `p_pin` = the mass of the first `g` guesses, and the two stages are
//! independent: `p = p_bio + (1 - p_bio) p_pin = 1 - (1 - p_bio)(1 - p_pin)`.
//!
//! Importance sampling, with proposals chosen from the parameters (never from the answer):
//! - biometric: when `q < min(1/b, 1/2)`, presentations are drawn at the tilted rate
//!   `q' = min(1/b, 1/2)` and a trial is weighted by its likelihood ratio, `(q/q') r^(k-1)` for an
//!   accept at presentation `k` and `r^b` for `b` rejects, with `r = (1-q)/(1-q')`. The relative
//!   variance per trial is then about `e - 2` however small `q` is, so 1% relative error takes
//!   about 10^4 trials at any `p`.
//! - PIN: when `0 < g < N`, the victim's position is drawn from the defensive mixture
//!   `1/2 Uniform(first g guesses) + 1/2 P` (Hesterberg 1995), weight `P(k) / (1/(2g) + P(k)/2)`,
//!   bounded by 2.
//!
//! An observer (issue 16: the attacker saw the lock-screen PIN typed) knows the PIN with
//! probability `o` and then gets in at the first guess, whatever the biometric: `p = o + (1 - o)
//! p_ordinary = 1 - (1 - o)(1 - p_bio)(1 - p_pin)`. The observation is not sampled: `o` is a
//! figure of the row, so each trial carries `o + (1 - o) w` for the ordinary trial's weight `w`
//! (conditioning on the observation, which removes its Bernoulli variance; the row is then
//! weighted). No extra random number is drawn, so every stream is what it was without observer.
//!
//! Every trial has its own ChaCha8 stream: the key is the seed and the row index, the stream
//! number is the trial index, so any trial can be recomputed alone and the result does not depend
//! on threads or shards. Weights are summed exactly ([`ExactSum`]).
//!
//! Intervals: Wilson score 95% for plain Monte-Carlo (hits out of trials). For importance
//! sampling, Wilson with the effective sample size `n_eff = p(1-p)/se^2` (the binomial sample
//! size with the same standard error; Korn and Graubard 1998 use the same device for weighted
//! survey proportions), so that the interval is about `estimate +- 1.96 se`.

use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::exact_sum::ExactSum;
use crate::pins::PinModel;

/// The 97.5% quantile of the standard normal distribution (two-sided 95%).
pub const Z95: f64 = 1.959_963_984_540_054;

/// Domain tag in the ChaCha key, after the seed and the row index.
const KEY_TAG: &[u8; 16] = b"mynafido-sim-v1\0";

/// Mixture weight of the PIN proposal's uniform-over-guesses component.
const PIN_MIX: f64 = 0.5;

/// `(sum_{j<n} r^j, r^n)` by binary splitting: every term is positive, so no cancellation.
fn geometric(r: f64, n: u64) -> (f64, f64) {
    if n == 0 {
        (0.0, 1.0)
    } else if n.is_multiple_of(2) {
        let (s, p) = geometric(r, n / 2);
        (s * (1.0 + p), p * p)
    } else {
        let (s, p) = geometric(r, n - 1);
        (1.0 + r * s, r * p)
    }
}

/// Exact `1 - (1 - q)^b`.
pub fn exact_bio(q: f64, b: u64) -> f64 {
    if q >= 1.0 {
        return if b > 0 { 1.0 } else { 0.0 };
    }
    q * geometric(1.0 - q, b).0
}

/// Exact `1 - (1 - a)(1 - b)` without cancellation.
pub fn combine(a: f64, b: f64) -> f64 {
    a + (1.0 - a) * b
}

/// The biometric stage of one row: `attempts` presentations at `q`, sampled at `tilt`.
#[derive(Debug, Clone)]
pub struct BioSampler {
    pub q: f64,
    pub attempts: u64,
    pub tilt: f64,
    /// `(1 - tilt)^k` for `k = 0..=attempts` (shared by clones: rows of one policy share it).
    survival: Arc<[f64]>,
    /// `r^k` for `k = 0..=attempts`, `r = (1-q)/(1-tilt)`.
    ratio_pow: Arc<[f64]>,
}

impl BioSampler {
    /// The stage, tilted to `q' = min(1/b, 1/2)` when `q` is below that.
    pub fn new(q: f64, attempts: u64) -> BioSampler {
        let target = if attempts == 0 {
            0.5
        } else {
            (1.0 / attempts as f64).min(0.5)
        };
        let tilt = if attempts > 0 && q > 0.0 && q < target {
            target
        } else {
            q
        };
        BioSampler::with_tilt(q, attempts, tilt)
    }

    /// The stage sampled at its own rate (plain Monte-Carlo): used when the PIN stage behind it
    /// succeeds surely, so that tilting could only add variance to a probability of exactly 1.
    pub fn untilted(q: f64, attempts: u64) -> BioSampler {
        BioSampler::with_tilt(q, attempts, q)
    }

    fn with_tilt(q: f64, attempts: u64, tilt: f64) -> BioSampler {
        let r = if tilt < 1.0 {
            (1.0 - q) / (1.0 - tilt)
        } else {
            1.0
        };
        let n = usize::try_from(attempts).unwrap_or(usize::MAX);
        let mut survival = Vec::with_capacity(n.saturating_add(1));
        let mut ratio_pow = Vec::with_capacity(n.saturating_add(1));
        let (mut s, mut rp) = (1.0f64, 1.0f64);
        for _ in 0..=n {
            survival.push(s);
            ratio_pow.push(rp);
            s *= 1.0 - tilt;
            rp *= r;
        }
        BioSampler {
            q,
            attempts,
            tilt,
            survival: survival.into(),
            ratio_pow: ratio_pow.into(),
        }
    }

    /// The largest weight a trial of this stage can carry: `(accept, all rejected)`.
    fn max_weights(&self) -> (f64, f64) {
        let n = self.survival.len() - 1;
        let accept = if self.is_tilted() {
            let top = self.ratio_pow[..n].iter().copied().fold(0.0, f64::max);
            self.q / self.tilt * top
        } else {
            1.0
        };
        (accept, self.ratio_pow[n])
    }

    pub fn is_tilted(&self) -> bool {
        self.tilt != self.q
    }

    pub fn exact(&self) -> f64 {
        exact_bio(self.q, self.attempts)
    }

    /// One stage from a uniform `u` in [0, 1): `Ok(weight)` on an accept, `Err(weight)` when all
    /// presentations are rejected (the weight to carry into the PIN stage).
    fn sample(&self, u: f64) -> Result<f64, f64> {
        // The first accept is at k = min{k >= 1 : u >= (1 - tilt)^k}: P(K > k) = (1 - tilt)^k.
        let n = self.survival.len() - 1;
        let k = self.survival[1..].partition_point(|&s| u < s) + 1;
        if k > n {
            return Err(self.ratio_pow[n]);
        }
        if self.is_tilted() {
            Ok(self.q / self.tilt * self.ratio_pow[k - 1])
        } else {
            Ok(1.0)
        }
    }
}

/// The PIN stage of one row: `guesses` guesses against `model`.
#[derive(Debug, Clone)]
pub struct PinSampler {
    pub model: PinModel,
    pub guesses: u64,
    pub mixture: bool,
}

impl PinSampler {
    /// The stage; the defensive mixture is used when `0 < g < N` and the success probability,
    /// as an `f64`, is below 1 (`(10^18 - 1) / 10^18` rounds to 1: plain sampling then finds
    /// the PIN in every trial, as the exact value says).
    pub fn new(model: PinModel, guesses: u64) -> PinSampler {
        let mixture = guesses > 0 && guesses < model.len() && model.success(guesses) < 1.0;
        PinSampler {
            model,
            guesses,
            mixture,
        }
    }

    pub fn exact(&self) -> f64 {
        self.model.success(self.guesses)
    }

    /// The largest weight a successful trial of this stage can carry.
    fn max_weight(&self) -> f64 {
        if !self.mixture {
            return 1.0;
        }
        let top = match &self.model {
            PinModel::Uniform { .. } => u64::from(self.guesses > 0),
            // At most the table's length (10,003 positions), whatever the guess count.
            PinModel::Table { .. } => (0..self.guesses.min(self.model.len()))
                .map(|k| self.model.weight_at(k))
                .max()
                .unwrap_or(0),
        };
        self.weight(top)
    }

    /// The likelihood ratio of a hit at a position of integer weight `w`.
    fn weight(&self, w: u64) -> f64 {
        // P(k) / (MIX / g + (1 - MIX) P(k)) with P(k) = w / total.
        let w = w as f64;
        let g = self.guesses as f64;
        let t = self.model.total() as f64;
        w * g / (PIN_MIX * t + (1.0 - PIN_MIX) * g * w)
    }

    /// `Some(weight)` if the guesses find the victim's PIN.
    fn sample(&self, rng: &mut ChaCha8Rng) -> Option<f64> {
        let total = self.model.total();
        if total == 0 || self.guesses == 0 {
            return None;
        }
        let from_guesses = self.mixture && rng.next_u64() >> 63 == 1;
        let k = if from_guesses {
            below(rng, self.guesses)
        } else {
            self.model.position_of(below(rng, total))
        };
        if k >= self.guesses {
            return None;
        }
        if !self.mixture {
            return Some(1.0);
        }
        Some(self.weight(self.model.weight_at(k)))
    }
}

/// A uniform integer in `0..n` (`n >= 1`), exactly (Lemire's multiply-and-reject).
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let threshold = n.wrapping_neg() % n;
    loop {
        let m = u128::from(rng.next_u64()) * u128::from(n);
        if (m as u64) >= threshold {
            return (m >> 64) as u64;
        }
    }
}

/// A uniform `f64` in [0, 1) with 53 random bits.
fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// One row's experiment.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub bio: Option<BioSampler>,
    pub pin: Option<PinSampler>,
    /// Probability that the attacker knows the PIN (0 when the row's policy has no lock-screen
    /// PIN or its window holds no guess).
    pub observed: f64,
}

impl Experiment {
    /// Exact success probability.
    pub fn exact(&self) -> f64 {
        let b = self.bio.as_ref().map_or(0.0, BioSampler::exact);
        let p = self.pin.as_ref().map_or(0.0, PinSampler::exact);
        combine(self.observed, combine(b, p))
    }

    /// The largest weight one trial can carry (1 for plain Monte-Carlo).
    pub fn max_weight(&self) -> f64 {
        let (accept, rejected) = self
            .bio
            .as_ref()
            .map_or((0.0, 1.0), BioSampler::max_weights);
        let pin = self.pin.as_ref().map_or(0.0, PinSampler::max_weight);
        self.observe(accept.max(rejected * pin))
    }

    /// `o + (1 - o) w`: the weight of a trial whose ordinary weight is `w` (just `w` when `o` is
    /// 0, bit for bit).
    fn observe(&self, w: f64) -> f64 {
        if self.observed > 0.0 {
            combine(self.observed, w)
        } else {
            w
        }
    }

    /// The binary exponent `e` with which this row's squared weights are accumulated, as
    /// `(w 2^-e)^2`: the exponent of the largest weight, so that the scaled squares are near 1
    /// and neither underflow (weights near 1e-200 have squares below the smallest `f64`) nor
    /// overflow. Scaling by a power of two is exact, so it changes no bit of a normal result.
    pub fn w2_exp(&self) -> i32 {
        exponent(self.max_weight())
    }

    /// Does any stage use importance sampling?
    pub fn is_weighted(&self) -> bool {
        self.bio.as_ref().is_some_and(BioSampler::is_tilted)
            || self.pin.as_ref().is_some_and(|p| p.mixture)
            || self.observed > 0.0
    }

    /// How the estimate is made, for the report.
    pub fn method(&self) -> String {
        let mut parts = Vec::new();
        if let Some(b) = self.bio.as_ref().filter(|b| b.is_tilted()) {
            parts.push(format!("bio q'={}", b.tilt));
        }
        if self.pin.as_ref().is_some_and(|p| p.mixture) {
            parts.push("PIN mix 1/2".to_string());
        }
        if self.observed > 0.0 {
            parts.push(format!("PIN observed o={} in closed form", self.observed));
        }
        if parts.is_empty() {
            "plain MC; Wilson".into()
        } else {
            format!("IS ({}); Wilson n_eff", parts.join(", "))
        }
    }

    /// The trial's weight: 0 if the attacker fails, the likelihood ratio if it succeeds.
    pub fn trial(&self, rng: &mut ChaCha8Rng) -> f64 {
        self.observe(self.ordinary_trial(rng))
    }

    /// The trial without the observation.
    fn ordinary_trial(&self, rng: &mut ChaCha8Rng) -> f64 {
        let mut w = 1.0;
        if let Some(b) = &self.bio {
            match b.sample(unit(rng)) {
                Ok(ws) => return ws,
                Err(wf) => w = wf,
            }
        }
        if let Some(p) = &self.pin
            && let Some(wp) = p.sample(rng)
        {
            return w * wp;
        }
        0.0
    }
}

/// The ChaCha key of a row: seed, row index, tag.
pub fn row_key(seed: u64, row: u64) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&row.to_le_bytes());
    key[16..].copy_from_slice(KEY_TAG);
    key
}

/// The generator of one trial.
pub fn trial_rng(key: &[u8; 32], trial: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::from_seed(*key);
    rng.set_stream(trial);
    rng
}

/// Exact sufficient statistics of a set of trials: the count, the hits, the sum of the weights
/// and the sum of the squared weights scaled by `2^(-2 w2_exp)` (see [`Experiment::w2_exp`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accumulator {
    pub trials: u64,
    pub hits: u64,
    pub sum_w: ExactSum,
    pub sum_w2: ExactSum,
    pub w2_exp: i32,
}

impl Accumulator {
    /// An empty accumulator for a row whose squared weights are scaled by `2^(-2 w2_exp)`.
    pub fn scaled(w2_exp: i32) -> Accumulator {
        Accumulator {
            w2_exp,
            ..Accumulator::default()
        }
    }

    pub fn add(&mut self, w: f64) {
        self.trials += 1;
        if w > 0.0 {
            self.hits += 1;
            self.sum_w.add(w);
            let ws = scale_pow2(w, -self.w2_exp);
            self.sum_w2.add(ws * ws);
        }
    }

    pub fn merge(&mut self, o: &Accumulator) {
        self.trials += o.trials;
        self.hits += o.hits;
        self.sum_w.merge(&o.sum_w);
        self.sum_w2.merge(&o.sum_w2);
    }
}

/// Run trials `range` of one row into `acc`.
pub fn run_trials(
    exp: &Experiment,
    key: &[u8; 32],
    range: std::ops::Range<u64>,
    acc: &mut Accumulator,
) {
    for t in range {
        let mut rng = trial_rng(key, t);
        acc.add(exp.trial(&mut rng));
    }
}

/// Estimate, standard error and 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub estimate: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Wilson score interval for a proportion `p` from `n` (possibly effective) trials.
///
/// Computed without cancellation, so that the bounds are right at the edges: the bounds are the
/// roots of `(1 + z^2/n) x^2 - (2p + z^2/n) x + p^2 = 0`, the upper one a sum of positive terms and
/// the lower one from the product of the roots, `lo = p^2 / ((1 + z^2/n) hi)`; for `p > 1/2` by
/// symmetry from `1 - p` (exact). So `p = 0` gives `lo = 0` and `p = 1` gives `hi = 1` exactly,
/// and a tiny `p` gives a tiny `lo`, never a rounding residue above `p`.
pub fn wilson(p: f64, n: f64, z: f64) -> (f64, f64) {
    if n.is_nan() || n <= 0.0 || p.is_nan() {
        return (0.0, 1.0);
    }
    let p = p.clamp(0.0, 1.0);
    if p > 0.5 {
        let (lo, hi) = wilson_lower_half(1.0 - p, n, z);
        return (1.0 - hi, 1.0 - lo);
    }
    wilson_lower_half(p, n, z)
}

/// [`wilson`] for `p` in [0, 1/2].
fn wilson_lower_half(p: f64, n: f64, z: f64) -> (f64, f64) {
    let z2n = z * z / n;
    let denom = 1.0 + z2n;
    let hi = ((p + z2n / 2.0) + z * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt()) / denom;
    let hi = hi.clamp(p, 1.0);
    let lo = if p > 0.0 { p * (p / (denom * hi)) } else { 0.0 };
    (lo.min(p), hi)
}

/// Summarise an accumulator: the estimate (in [0, 1]), its standard error and the 95% interval.
///
/// Plain Monte-Carlo: `hits / trials` with the Wilson interval. Importance sampling: the mean
/// weight, clamped into [0, 1] (a probability; the clamp only moves it towards the truth), the
/// standard error from the scaled squared weights, and Wilson with the effective sample size
/// `n_eff = p(1-p)/se^2` (computed as `(p/se)((1-p)/se)`, which cannot overflow or underflow
/// where the square would). At the upper edge (mean weight at or above 1 with a spread) `n_eff`
/// is 0, so the interval is the one-sided `[1 - 1.96 se, 1]`; with no spread at all (no hits, or
/// every weight equal) the binomial Wilson interval with the real trial count.
pub fn summarise(acc: &Accumulator, weighted: bool) -> Estimate {
    let n = acc.trials as f64;
    if acc.trials == 0 {
        return Estimate {
            estimate: 0.0,
            std_error: 0.0,
            ci_low: 0.0,
            ci_high: 1.0,
        };
    }
    let e = acc.w2_exp;
    let s1 = acc.sum_w.value();
    let s2 = acc.sum_w2.value();
    let mean = s1 / n;
    // In the scaled units: s1 2^-e, mean 2^-e, s2 = sum (w 2^-e)^2.
    let var = if acc.trials > 1 {
        let (s1s, ms) = (scale_pow2(s1, -e), scale_pow2(mean, -e));
        ((s2 - s1s * ms) / (n - 1.0)).max(0.0)
    } else {
        0.0
    };
    let se = scale_pow2((var / n).sqrt(), e);
    let p = if weighted {
        mean.clamp(0.0, 1.0)
    } else {
        acc.hits as f64 / n
    };
    let (lo, hi) = if !weighted || se <= 0.0 || !se.is_finite() {
        wilson(p, n, Z95)
    } else if p >= 1.0 {
        ((1.0 - Z95 * se).max(0.0), 1.0)
    } else if p <= 0.0 {
        // Unreachable: a mean of 0 has no spread. Kept total.
        (0.0, (Z95 * se).min(1.0))
    } else {
        wilson(p, (p / se) * ((1.0 - p) / se), Z95)
    };
    Estimate {
        estimate: p,
        std_error: se,
        ci_low: lo,
        ci_high: hi,
    }
}

/// The binary exponent of a positive normal `x` (`x` in `[2^e, 2^(e+1))`); 0 otherwise.
fn exponent(x: f64) -> i32 {
    if x.is_finite() && x >= f64::MIN_POSITIVE {
        ((x.to_bits() >> 52) & 0x7ff) as i32 - 1023
    } else {
        0
    }
}

/// `x * 2^e`, exact for normal results, by steps that stay inside the exponent range.
pub fn scale_pow2(mut x: f64, mut e: i32) -> f64 {
    while e != 0 {
        let k = e.clamp(-1000, 1000);
        x *= f64::from_bits(((1023 + k) as u64) << 52);
        e -= k;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1 - (1 - 1e-6)^5 = 5e-6 - 10e-12 + 10e-18 - ... = 4.99999000001e-6 (binomial expansion).
    #[test]
    fn exact_bio_matches_the_binomial_expansion() {
        let p = exact_bio(1e-6, 5);
        assert!((p - 4.999_990_000_01e-6).abs() < 1e-20, "{p:e}");
        assert_eq!(exact_bio(0.5, 2), 0.75);
        assert_eq!(exact_bio(0.3, 0), 0.0);
        assert_eq!(exact_bio(1.0, 3), 1.0);
        assert_eq!(exact_bio(0.0, 3), 0.0);
        // 1 - 0.93^20 = 0.76576...: 0.93^20 = exp(20 ln 0.93) = exp(-1.45143) = 0.234239.
        assert!((exact_bio(0.07, 20) - 0.765_761).abs() < 1e-6);
    }

    #[test]
    fn combine_is_one_minus_product_of_misses() {
        assert!((combine(0.2, 0.5) - 0.6).abs() < 1e-15);
        assert_eq!(combine(0.0, 0.25), 0.25);
        assert_eq!(combine(1.0, 0.25), 1.0);
    }

    /// The tilt weights are a likelihood ratio: summed over all outcomes they give probability 1
    /// under the proposal, i.e. sum over k of q'(1-q')^(k-1) * (q/q') r^(k-1) + (1-q')^b r^b = 1.
    #[test]
    fn tilt_weights_are_a_likelihood_ratio() {
        let b = BioSampler::new(1e-6, 5);
        assert_eq!(b.tilt, 0.2);
        let mut total = 0.0;
        let mut hit = 0.0;
        for k in 1..=5 {
            let pk = b.survival[k - 1] - b.survival[k];
            let w = b.q / b.tilt * b.ratio_pow[k - 1];
            total += pk * w;
            hit += pk * w;
        }
        total += b.survival[5] * b.ratio_pow[5];
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        assert!((hit - b.exact()).abs() < 1e-15 * 1e3, "{hit:e}");
    }

    #[test]
    fn wilson_known_value() {
        // 10 of 100: center (0.1 + 1.92/100)/(1.0384) = 0.11480, half = 1.96/1.0384 *
        // sqrt(0.0009 + 0.000096) = 0.05958: [0.0552, 0.1744] (the textbook Wilson interval).
        let (lo, hi) = wilson(0.1, 100.0, Z95);
        assert!(
            (lo - 0.0552).abs() < 1e-4 && (hi - 0.1744).abs() < 1e-4,
            "{lo} {hi}"
        );
    }

    /// The textbook form `center -+ half`, as a negative control for the edges.
    fn textbook(p: f64, n: f64, z: f64) -> (f64, f64) {
        let z2 = z * z;
        let denom = 1.0 + z2 / n;
        let center = (p + z2 / (2.0 * n)) / denom;
        let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        (center - half, center + half)
    }

    /// Wilson bounds reach 0 and 1 exactly (the textbook form misses them by rounding for some
    /// n: that is the control), agree with the textbook form inside, and always hold p.
    #[test]
    fn wilson_reaches_the_edges_exactly() {
        let mut textbook_missed = (false, false);
        for n in 1..2000u32 {
            let n = f64::from(n);
            let (lo0, hi0) = wilson(0.0, n, Z95);
            let (lo1, hi1) = wilson(1.0, n, Z95);
            assert_eq!(lo0, 0.0);
            assert_eq!(hi1, 1.0);
            // Closed forms: hi(0) = z^2 / (n + z^2), lo(1) = n / (n + z^2).
            let z2 = Z95 * Z95;
            assert!((hi0 - z2 / (n + z2)).abs() <= 1e-15, "{n}");
            assert!((lo1 - n / (n + z2)).abs() <= 1e-15, "{n}");
            let (t0, _) = textbook(0.0, n, Z95);
            let (_, t1) = textbook(1.0, n, Z95);
            textbook_missed.0 |= t0 != 0.0;
            textbook_missed.1 |= t1 != 1.0;
            for p in [1e-9, 0.1, 0.37, 0.5, 0.8, 1.0 - 1e-9] {
                let (lo, hi) = wilson(p, n, Z95);
                let (tl, th) = textbook(p, n, Z95);
                assert!(lo <= p && p <= hi, "{p} {n}: [{lo}, {hi}]");
                assert!(
                    (lo - tl).abs() < 1e-12 && (hi - th).abs() < 1e-12,
                    "{p} {n}"
                );
            }
        }
        assert_eq!(textbook_missed, (true, true));
        // Tiny p: the lower bound is tiny too, never a rounding residue above p.
        let (lo, hi) = wilson(1e-200, 1e4, Z95);
        assert!(lo <= 1e-200 && hi > 1e-200, "[{lo:e}, {hi:e}]");
        // Control: the textbook difference leaves a residue far larger than p itself.
        let (tl, _) = textbook(1e-200, 1e4, Z95);
        assert!(tl.abs() > 1e-200, "{tl:e}");
    }

    /// Far below 1e-155 the squared weights underflow unless scaled: the row's scale keeps a
    /// standard error and an interval that holds the exact value. Control: the unscaled
    /// accumulator (w2_exp = 0) loses every square and reports se = 0.
    #[test]
    fn tiny_probabilities_keep_their_standard_error() {
        let e = Experiment {
            bio: Some(BioSampler::new(1e-200, 5)),
            pin: None,
            observed: 0.0,
        };
        let key = row_key(3, 0);
        let mut scaled = Accumulator::scaled(e.w2_exp());
        let mut unscaled = Accumulator::default();
        run_trials(&e, &key, 0..4000, &mut scaled);
        run_trials(&e, &key, 0..4000, &mut unscaled);
        let s = summarise(&scaled, true);
        let u = summarise(&unscaled, true);
        let exact = e.exact();
        assert!((exact - 5e-200).abs() < 1e-212, "{exact:e}");
        assert!(s.std_error > 0.0 && s.std_error < s.estimate, "{s:?}");
        assert!(s.ci_low <= exact && exact <= s.ci_high, "{s:?} {exact:e}");
        assert!(s.ci_low > 0.0 && s.ci_high < 1e-190, "{s:?}");
        assert_eq!(u.std_error, 0.0);
        assert_eq!(s.estimate, u.estimate);
    }

    /// Mean weights above 1 are not probabilities: the estimate is clamped to 1 and the interval
    /// is [1 - 1.96 se, 1]; no hits give [0, z^2/(n + z^2)] with a lower bound of exactly 0.
    #[test]
    fn estimates_stay_in_the_unit_interval() {
        let mut acc = Accumulator::default();
        for w in [1.25, 0.75, 1.5, 1.0] {
            acc.add(w);
        }
        let s = summarise(&acc, true);
        assert_eq!(s.estimate, 1.0);
        assert_eq!(s.ci_high, 1.0);
        // Mean 1.125, sample variance ((0.125^2 + 0.375^2 + 0.375^2 + 0.125^2) / 3) = 0.104167,
        // se = sqrt(0.104167 / 4) = 0.161374.
        assert!((s.std_error - 0.161_374).abs() < 1e-6, "{s:?}");
        assert!((s.ci_low - (1.0 - Z95 * 0.161_374)).abs() < 1e-5, "{s:?}");
        let mut none = Accumulator::default();
        for _ in 0..1000 {
            none.add(0.0);
        }
        let z = summarise(&none, true);
        assert_eq!((z.estimate, z.ci_low), (0.0, 0.0));
        assert!((z.ci_high - Z95 * Z95 / (1000.0 + Z95 * Z95)).abs() < 1e-15);
    }

    /// (10^18 - 1) / 10^18 rounds to 1.0: no mixture then (plain sampling hits every time, as
    /// the exact value 1 says); 10^17 guesses keep it (control).
    #[test]
    fn no_mixture_where_success_rounds_to_one() {
        let space = 1_000_000_000_000_000_000u64;
        let all_but_one = PinSampler::new(PinModel::Uniform { space }, space - 1);
        assert_eq!(all_but_one.exact(), 1.0);
        assert!(!all_but_one.mixture);
        assert!(PinSampler::new(PinModel::Uniform { space }, space / 10).mixture);
    }

    /// Z95 against statrs' normal quantile (an independent implementation).
    #[test]
    fn z95_is_the_normal_quantile() {
        use statrs::distribution::{ContinuousCDF, Normal};
        let n = Normal::standard();
        assert!((n.inverse_cdf(0.975) - Z95).abs() < 1e-9);
    }

    #[test]
    fn a_trial_is_a_function_of_seed_row_and_index() {
        let e = Experiment {
            bio: Some(BioSampler::new(0.07, 5)),
            pin: Some(PinSampler::new(PinModel::human(), 10)),
            observed: 0.0,
        };
        let key = row_key(7, 3);
        let a: Vec<f64> = (0..50).map(|t| e.trial(&mut trial_rng(&key, t))).collect();
        let b: Vec<f64> = (0..50)
            .rev()
            .map(|t| e.trial(&mut trial_rng(&key, t)))
            .collect();
        let b: Vec<f64> = b.into_iter().rev().collect();
        assert_eq!(a, b);
        let other = row_key(7, 4);
        let c: Vec<f64> = (0..50)
            .map(|t| e.trial(&mut trial_rng(&other, t)))
            .collect();
        assert_ne!(a, c);
    }
}
