//! Exact summation of non-negative `f64` values, so that results do not depend on grouping.
//!
//! Floating-point addition is not associative: summing per-trial weights in an order that depends
//! on the thread count or the shard split would change the last bits of an estimate. An
//! [`ExactSum`] holds the exact binary value of the sum (a fixed-point number with one 32-bit digit
//! per limb, wide enough for every finite `f64`), so any grouping of the same values gives the same
//! state, and [`ExactSum::value`] is a deterministic function of that state. Shards store the
//! state ([`ExactSum::to_digits`]) and `sim merge` adds the states back exactly.

use serde::{Deserialize, Serialize};

/// Bits per limb digit.
const DIGIT_BITS: u32 = 32;
const DIGIT_MASK: u64 = (1 << DIGIT_BITS) - 1;
/// Bit 0 of the accumulator has weight 2^-1074 (the smallest subnormal). The largest finite
/// `f64` has its top bit at position 2045 + 52 = 2097, in limb 65; two more limbs hold carries.
const LIMBS: usize = 68;
/// Weight of bit 0: 2^-1074.
const BIT0_EXP: i32 = -1074;
/// Limbs can take 2^31 un-normalised additions of digits below 2^32 before they could overflow.
const MAX_PENDING: u32 = 1 << 30;

/// The exact sum of the finite, non-negative `f64` values added to it.
#[derive(Clone, PartialEq, Eq)]
pub struct ExactSum {
    limbs: [u64; LIMBS],
    pending: u32,
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum {
            limbs: [0; LIMBS],
            pending: 0,
        }
    }
}

impl std::fmt::Debug for ExactSum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExactSum({})", self.value())
    }
}

/// The accumulator state as `[limb index, digit]` pairs of its non-zero digits, for shard files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digits(pub Vec<(u32, u32)>);

impl ExactSum {
    /// Add `x`, which must be finite and non-negative (others are ignored in release builds and
    /// panic in debug builds: the simulator only produces finite non-negative weights).
    pub fn add(&mut self, x: f64) {
        debug_assert!(x.is_finite() && x >= 0.0, "ExactSum::add({x})");
        if x.is_nan() || x <= 0.0 || x.is_infinite() {
            return;
        }
        let bits = x.to_bits();
        let biased = (bits >> 52) & 0x7ff;
        let frac = bits & ((1 << 52) - 1);
        // x = mant * 2^(pos - 1074): normal numbers have the hidden bit and pos = biased - 1.
        let (mant, pos) = if biased == 0 {
            (frac, 0)
        } else {
            (frac | (1 << 52), biased - 1)
        };
        let i = (pos / u64::from(DIGIT_BITS)) as usize;
        let v = u128::from(mant) << (pos % u64::from(DIGIT_BITS));
        self.limbs[i] += (v as u64) & DIGIT_MASK;
        self.limbs[i + 1] += ((v >> 32) as u64) & DIGIT_MASK;
        self.limbs[i + 2] += (v >> 64) as u64;
        self.pending += 1;
        if self.pending >= MAX_PENDING {
            self.normalize();
        }
    }

    /// Add another exact sum.
    pub fn merge(&mut self, other: &ExactSum) {
        self.normalize();
        let mut o = other.clone();
        o.normalize();
        for (a, b) in self.limbs.iter_mut().zip(o.limbs.iter()) {
            *a += b;
        }
        self.normalize();
    }

    /// Propagate carries so that every limb is a digit below 2^32.
    fn normalize(&mut self) {
        let mut carry = 0u64;
        for limb in self.limbs.iter_mut() {
            let v = *limb + carry;
            *limb = v & DIGIT_MASK;
            carry = v >> DIGIT_BITS;
        }
        // The top limbs are headroom: a carry out of them needs more than 2^64 huge values.
        debug_assert_eq!(carry, 0);
        self.pending = 0;
    }

    /// The sum, rounded from its top 96 bits (a deterministic function of the exact state).
    pub fn value(&self) -> f64 {
        let mut s = self.clone();
        s.normalize();
        let Some(top) = s.limbs.iter().rposition(|&d| d != 0) else {
            return 0.0;
        };
        let lo = top.saturating_sub(2);
        let mut v: u128 = 0;
        for i in (lo..=top).rev() {
            v = (v << DIGIT_BITS) | u128::from(s.limbs[i]);
        }
        // `as f64` rounds to nearest; scaling by a power of two is exact unless the result is
        // subnormal.
        scale_pow2(v as f64, lo as i32 * DIGIT_BITS as i32 + BIT0_EXP)
    }

    /// The non-zero digits, for a shard file.
    pub fn to_digits(&self) -> Digits {
        let mut s = self.clone();
        s.normalize();
        Digits(
            s.limbs
                .iter()
                .enumerate()
                .filter(|(_, d)| **d != 0)
                .map(|(i, d)| (i as u32, *d as u32))
                .collect(),
        )
    }

    /// Rebuild from [`ExactSum::to_digits`]; `None` unless the digits are in that canonical
    /// form (limb indices strictly increasing and below the width, digits non-zero) and the sum
    /// is at most the largest finite `f64` (no sum of finite weights exceeds it by much; a larger
    /// one is not a state this program writes).
    pub fn from_digits(d: &Digits) -> Option<ExactSum> {
        let mut s = ExactSum::default();
        let mut last: Option<u32> = None;
        for &(i, digit) in &d.0 {
            if digit == 0 || last.is_some_and(|l| i <= l) {
                return None;
            }
            last = Some(i);
            *s.limbs.get_mut(i as usize)? = u64::from(digit);
        }
        s.normalize();
        s.value().is_finite().then_some(s)
    }
}

/// `x * 2^e` by exact power-of-two steps.
fn scale_pow2(mut x: f64, mut e: i32) -> f64 {
    const STEP: i32 = 1000;
    while e > 0 {
        let k = e.min(STEP);
        x *= f64::from_bits(((1023 + k) as u64) << 52);
        e -= k;
    }
    while e < 0 {
        let k = (-e).min(STEP);
        x *= f64::from_bits(((1023 - k) as u64) << 52);
        e += k;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum_of(xs: &[f64]) -> ExactSum {
        let mut s = ExactSum::default();
        for &x in xs {
            s.add(x);
        }
        s
    }

    #[test]
    fn small_integers_and_powers_of_two_are_exact() {
        assert_eq!(sum_of(&[1.0, 2.0, 3.0]).value(), 6.0);
        assert_eq!(sum_of(&[0.5, 0.25, 0.125]).value(), 0.875);
        assert_eq!(sum_of(&[]).value(), 0.0);
        assert_eq!(
            sum_of(&[f64::MIN_POSITIVE / 4.0]).value(),
            f64::MIN_POSITIVE / 4.0
        );
        assert_eq!(sum_of(&[f64::MAX]).value(), f64::MAX);
    }

    /// 1e16 + 1 + 1 is 1e16 + 2 exactly; left-to-right f64 addition loses both ones (the spacing
    /// of f64 at 1e16 is 2). This is the negative control: plain summation depends on the order.
    #[test]
    fn order_does_not_matter_where_f64_does() {
        let xs = [1e16, 1.0, 1.0];
        let plain_ltr: f64 = xs.iter().sum();
        let plain_rtl: f64 = xs.iter().rev().sum();
        assert_ne!(plain_ltr, plain_rtl);
        assert_eq!(sum_of(&xs).value(), 1e16 + 2.0);
        assert_eq!(sum_of(&[1.0, 1.0, 1e16]).value(), 1e16 + 2.0);
    }

    #[test]
    fn merge_equals_single_pass_and_digits_round_trip() {
        let xs: Vec<f64> = (1..2000).map(|i| 1.0 / f64::from(i)).collect();
        let whole = sum_of(&xs);
        let mut a = sum_of(&xs[..700]);
        let b = sum_of(&xs[700..]);
        a.merge(&b);
        assert_eq!(a.value().to_bits(), whole.value().to_bits());
        let back = ExactSum::from_digits(&whole.to_digits()).expect("in range");
        assert_eq!(back.to_digits(), whole.to_digits());
        // Harmonic number H_1999 = ln(1999) + 0.5772157 + 1/(2*1999) - ...
        // = 7.6004023 + 0.5772157 + 0.0002501 = 8.1778681.
        assert!(
            (whole.value() - 8.177_868).abs() < 1e-6,
            "{}",
            whole.value()
        );
    }
}
