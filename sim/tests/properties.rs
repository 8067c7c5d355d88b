//! Property checks of the pieces reproducibility rests on, each with a negative control.

use proptest::prelude::*;
use sim::exact_sum::ExactSum;
use sim::run::Shard;

fn sum(xs: &[f64]) -> ExactSum {
    let mut s = ExactSum::default();
    for &x in xs {
        s.add(x);
    }
    s
}

proptest! {
    /// Any split point and any order give the same exact sum, bit for bit.
    #[test]
    fn exact_sum_ignores_grouping(
        xs in prop::collection::vec(0.0f64..1e6, 1..200),
        tiny in prop::collection::vec(0.0f64..1e-12, 0..50),
        cut in 0usize..250,
    ) {
        let mut all = xs.clone();
        all.extend(tiny);
        let whole = sum(&all);
        let cut = cut.min(all.len());
        let mut left = sum(&all[..cut]);
        left.merge(&sum(&all[cut..]));
        prop_assert_eq!(left.value().to_bits(), whole.value().to_bits());
        let mut rev = all.clone();
        rev.reverse();
        prop_assert_eq!(sum(&rev).value().to_bits(), whole.value().to_bits());
        // The sum is correct to f64 precision (compare with a compensated sum).
        let (mut s, mut c) = (0.0f64, 0.0f64);
        for &x in &all {
            let y = x - c;
            let t = s + y;
            c = (t - s) - y;
            s = t;
        }
        prop_assert!((whole.value() - s).abs() <= 1e-12 * s.max(1e-300));
    }

    /// Shards of any count partition the trials into contiguous ranges.
    #[test]
    fn shards_partition_the_trials(trials in 1u64..1_000_000_000, n in 1u64..64) {
        let mut next = 0;
        for i in 0..n {
            let r = Shard { index: i, count: n }.range(trials);
            prop_assert_eq!(r.start, next);
            next = r.end;
        }
        prop_assert_eq!(next, trials);
    }
}

/// Negative control for the grouping property: plain f64 summation does depend on the order for
/// such inputs, so the property above is not vacuous.
#[test]
fn plain_summation_depends_on_order() {
    // Forward, each 1e-16 is below half an ulp of 1 and vanishes; backward they first add to
    // 2e-16, which rounds 1 up to 1 + 2^-52.
    let xs = [1.0, 1e-16, 1e-16];
    let fwd: f64 = xs.iter().sum();
    let rev: f64 = xs.iter().rev().sum();
    assert_ne!(fwd.to_bits(), rev.to_bits());
    assert_eq!(sum(&xs).value().to_bits(), {
        let mut r = xs;
        r.reverse();
        sum(&r).value().to_bits()
    });
}
