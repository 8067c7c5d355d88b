//! A calibrated timing loop for the report (the criterion benches use criterion instead).
//!
//! The operation is run in batches sized to last about [`BATCH_TARGET`] each, after a warm-up that
//! also estimates the cost of one call. The figure is the median over batches of (calls / batch
//! time): on a machine shared with other work, a batch that was preempted is slow and lands in the
//! tail, so the median is the rate the code reaches when it has the core, which is what a
//! per-core throughput means. The mean over the whole run is kept next to it.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Wall time one batch aims at.
pub const BATCH_TARGET: Duration = Duration::from_millis(20);

/// Share of the budget spent warming up and calibrating.
const WARMUP_SHARE: f64 = 0.15;

/// The result of measuring one operation on one thread.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    /// Median over batches of calls per second.
    pub median: f64,
    /// Calls per second over all measured batches together.
    pub mean: f64,
    /// Calls measured (warm-up excluded).
    pub calls: u64,
    /// Number of batches.
    pub batches: usize,
    /// Measured seconds (warm-up excluded).
    pub seconds: f64,
    /// Calls per second of each batch.
    pub batch_rates: Vec<f64>,
}

impl Rate {
    /// Pools the batches of several measurements of the same operation (for example rounds
    /// interleaved with other cases, so that every case sees the same mix of background load).
    pub fn pool(parts: &[Rate]) -> Rate {
        let mut batch_rates: Vec<f64> = parts.iter().flat_map(|p| p.batch_rates.clone()).collect();
        let calls = parts.iter().map(|p| p.calls).sum();
        let seconds: f64 = parts.iter().map(|p| p.seconds).sum();
        Rate {
            median: median(&mut batch_rates),
            mean: calls as f64 / seconds.max(1e-12),
            calls,
            batches: batch_rates.len(),
            seconds,
            batch_rates,
        }
    }
}

/// Runs `op` on the calling thread for about `budget` and returns its rate. `op` gets the index of
/// the call (to cycle through inputs); its result goes through `black_box` so that it is not
/// optimised away.
pub fn rate<T, F: FnMut(u64) -> T>(budget: Duration, mut op: F) -> Rate {
    let mut i: u64 = 0;
    // Warm-up and calibration: at least one call, until the warm-up share of the budget is spent.
    let warm = budget.mul_f64(WARMUP_SHARE);
    let start = Instant::now();
    loop {
        black_box(op(i));
        i = i.wrapping_add(1);
        if start.elapsed() >= warm {
            break;
        }
    }
    let per_call = start.elapsed().as_secs_f64() / i.max(1) as f64;
    let batch = ((BATCH_TARGET.as_secs_f64() / per_call.max(1e-12)) as u64).max(1);

    let measured = budget.saturating_sub(start.elapsed());
    let mut rates = Vec::new();
    let mut calls = 0u64;
    let mut total = Duration::ZERO;
    // Always at least 3 batches, so that a median exists even when one call is slow.
    while total < measured || rates.len() < 3 {
        let t = Instant::now();
        for _ in 0..batch {
            black_box(op(i));
            i = i.wrapping_add(1);
        }
        let dt = t.elapsed();
        total += dt;
        calls += batch;
        rates.push(batch as f64 / dt.as_secs_f64().max(1e-12));
    }
    let seconds = total.as_secs_f64();
    let mut sorted = rates.clone();
    Rate {
        median: median(&mut sorted),
        mean: calls as f64 / seconds.max(1e-12),
        calls,
        batches: rates.len(),
        seconds,
        batch_rates: rates,
    }
}

/// Runs `op` on `threads` threads at once, each for about `budget`, and returns the sum of their
/// rates (medians and means summed separately). With one thread this is [`rate`].
pub fn rate_on_threads<T, F>(threads: usize, budget: Duration, op: F) -> Rate
where
    F: Fn(u64) -> T + Sync,
{
    let op = &op;
    let rates: Vec<Rate> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| s.spawn(move || rate(budget, op)))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    Rate {
        median: rates.iter().map(|r| r.median).sum(),
        mean: rates.iter().map(|r| r.mean).sum(),
        calls: rates.iter().map(|r| r.calls).sum(),
        batches: rates.iter().map(|r| r.batches).sum(),
        seconds: rates.iter().map(|r| r.seconds).fold(0.0, f64::max),
        batch_rates: Vec::new(),
    }
}

/// Median of a non-empty slice (mean of the two middle values for an even length); 0 if empty.
pub fn median(xs: &mut [f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }

    #[test]
    fn pooling_takes_the_median_of_all_batches() {
        let part = |rates: &[f64], calls, seconds| Rate {
            median: 0.0,
            mean: 0.0,
            calls,
            batches: rates.len(),
            seconds,
            batch_rates: rates.to_vec(),
        };
        let p = Rate::pool(&[part(&[10.0, 30.0], 40, 2.0), part(&[20.0], 20, 1.0)]);
        assert_eq!(p.median, 20.0);
        assert_eq!(p.mean, 20.0);
        assert_eq!((p.calls, p.batches), (60, 3));
    }

    #[test]
    fn rate_of_a_sleep_is_about_its_inverse() {
        // A 2 ms sleep runs at most 500 times a second; the OS may oversleep, never undersleep.
        let r = rate(Duration::from_millis(150), |_| {
            std::thread::sleep(Duration::from_millis(2))
        });
        assert!(r.median <= 500.0, "{r:?}");
        assert!(r.median > 100.0, "{r:?}");
        assert!(r.batches >= 3);
    }

    #[test]
    fn two_threads_of_sleep_double_the_rate() {
        // Sleeping does not need a core, so two sleeping threads reach about twice one thread's
        // rate even on a loaded machine: a check that the per-thread rates are summed (an
        // average would give about 1). The band is wide because wake-up delays vary under load.
        let nap = || std::thread::sleep(Duration::from_millis(5));
        let one = rate_on_threads(1, Duration::from_millis(200), |_| nap());
        let two = rate_on_threads(2, Duration::from_millis(200), |_| nap());
        let ratio = two.median / one.median;
        assert!((1.5..2.6).contains(&ratio), "{ratio} {one:?} {two:?}");
    }

    #[test]
    fn the_op_sees_consecutive_indices() {
        let mut seen = Vec::new();
        let r = rate(Duration::from_millis(5), |i| {
            seen.push(i);
        });
        assert!(seen.len() as u64 >= r.calls);
        assert!(seen.windows(2).all(|w| w[1] == w[0] + 1));
    }
}
