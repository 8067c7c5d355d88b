//! A calibrated timing loop for the report (the criterion benches use criterion instead).
//!
//! The operation runs in batches sized to last about [`BATCH_TARGET`] each, after a warm-up that
//! also estimates the cost of one call. Each batch is timed on two clocks:
//!
//! - the thread's CPU-time clock (`CLOCK_THREAD_CPUTIME_ID`, POSIX `clock_gettime`), which runs
//!   only while the thread is on a CPU. Calls per CPU-second is the per-core throughput, and it is
//!   what `openssl speed` reports too (it divides by user CPU time unless given `-elapsed`), so the
//!   two are compared on the same footing even when other processes take turns on the cores;
//! - the wall clock, for throughput that includes waiting for a CPU: the 2-thread scaling.
//!
//! A figure is the median over batches; the mean over the whole run is kept next to it.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Wall time one batch aims at.
pub const BATCH_TARGET: Duration = Duration::from_millis(10);

/// Share of the budget spent warming up and calibrating.
const WARMUP_SHARE: f64 = 0.15;

/// CPU time the calling thread has used so far.
pub fn thread_cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// The result of measuring one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    /// Median over batches of calls per CPU-second of the measuring thread (per-core rate).
    pub median: f64,
    /// Median over batches of calls per wall-clock second.
    pub wall_median: f64,
    /// Calls per wall-clock second over all measured batches together.
    pub mean: f64,
    /// Calls measured (warm-up excluded).
    pub calls: u64,
    /// Number of batches.
    pub batches: usize,
    /// Measured wall-clock seconds (warm-up excluded).
    pub seconds: f64,
    /// Measured CPU seconds of the measuring thread(s).
    pub cpu_seconds: f64,
    /// Calls per CPU-second of each batch.
    pub batch_rates: Vec<f64>,
    /// Calls per wall-clock second of each batch.
    pub wall_batch_rates: Vec<f64>,
}

impl Rate {
    fn from_batches(
        calls: u64,
        seconds: f64,
        cpu_seconds: f64,
        batch_rates: Vec<f64>,
        wall_batch_rates: Vec<f64>,
    ) -> Rate {
        Rate {
            median: median(&mut batch_rates.clone()),
            wall_median: median(&mut wall_batch_rates.clone()),
            mean: calls as f64 / seconds.max(1e-12),
            calls,
            batches: batch_rates.len(),
            seconds,
            cpu_seconds,
            batch_rates,
            wall_batch_rates,
        }
    }

    /// Pools the batches of several measurements of the same operation (for example rounds
    /// interleaved with other cases, so that every case sees the same mix of background load).
    pub fn pool(parts: &[Rate]) -> Rate {
        Rate::from_batches(
            parts.iter().map(|p| p.calls).sum(),
            parts.iter().map(|p| p.seconds).sum(),
            parts.iter().map(|p| p.cpu_seconds).sum(),
            parts.iter().flat_map(|p| p.batch_rates.clone()).collect(),
            parts
                .iter()
                .flat_map(|p| p.wall_batch_rates.clone())
                .collect(),
        )
    }
}

/// Runs `op` on the calling thread for about `budget` (wall clock) and returns its rate. `op` gets
/// the index of the call (to cycle through inputs); its result goes through `black_box` so that
/// it is not optimised away.
pub fn rate<T, F: FnMut(u64) -> T>(budget: Duration, mut op: F) -> Rate {
    // Warm-up and calibration: at least one call, until the warm-up share of the budget is spent.
    let start = Instant::now();
    let (batch, mut i) = calibrate(budget.mul_f64(WARMUP_SHARE), &mut op, BATCH_TARGET);

    let measured = budget.saturating_sub(start.elapsed());
    let mut cpu_rates = Vec::new();
    let mut wall_rates = Vec::new();
    let mut calls = 0u64;
    let mut total = Duration::ZERO;
    let mut total_cpu = Duration::ZERO;
    // Always at least 3 batches, so that a median exists even when one call is slow.
    while total < measured || wall_rates.len() < 3 {
        let t = Instant::now();
        let c = thread_cpu_time();
        for _ in 0..batch {
            black_box(op(i));
            i = i.wrapping_add(1);
        }
        let dc = thread_cpu_time().saturating_sub(c);
        let dt = t.elapsed();
        total += dt;
        total_cpu += dc;
        calls += batch;
        wall_rates.push(batch as f64 / dt.as_secs_f64().max(1e-12));
        // A CPU clock that did not advance (no such clock) falls back to the wall clock.
        let d = if dc.is_zero() { dt } else { dc };
        cpu_rates.push(batch as f64 / d.as_secs_f64().max(1e-12));
    }
    Rate::from_batches(
        calls,
        total.as_secs_f64(),
        total_cpu.as_secs_f64(),
        cpu_rates,
        wall_rates,
    )
}

/// Two operations measured in alternating batches, for a ratio that slow changes in background
/// load cannot bias: each pair of adjacent batches gives one ratio of rates.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    /// The first operation.
    pub a: Rate,
    /// The second operation.
    pub b: Rate,
    /// Per pair of adjacent batches: rate of `a` / rate of `b` (per CPU-second).
    pub ratios: Vec<f64>,
}

impl Paired {
    /// Median over pairs of rate(a) / rate(b).
    pub fn median_ratio(&self) -> f64 {
        median(&mut self.ratios.clone())
    }

    /// Pools several paired measurements of the same two operations.
    pub fn pool(parts: &[Paired]) -> Paired {
        let a: Vec<Rate> = parts.iter().map(|p| p.a.clone()).collect();
        let b: Vec<Rate> = parts.iter().map(|p| p.b.clone()).collect();
        Paired {
            a: Rate::pool(&a),
            b: Rate::pool(&b),
            ratios: parts.iter().flat_map(|p| p.ratios.clone()).collect(),
        }
    }
}

/// Calls `op` for `warm` (at least once) and returns the batch size that takes about `target`,
/// and the number of calls made. Calibrates on the wall clock: an operation that waits, such as a
/// sleep, uses little CPU time, and calibrating on that would make its batches far too long.
fn calibrate<T, F: FnMut(u64) -> T>(warm: Duration, op: &mut F, target: Duration) -> (u64, u64) {
    let start = Instant::now();
    let mut i = 0u64;
    loop {
        black_box(op(i));
        i = i.wrapping_add(1);
        if start.elapsed() >= warm {
            break;
        }
    }
    let per_call = start.elapsed().as_secs_f64() / i.max(1) as f64;
    (
        ((target.as_secs_f64() / per_call.max(1e-12)) as u64).max(1),
        i,
    )
}

/// Measures `a` and `b` for about `budget` together, in alternating batches of about half
/// [`BATCH_TARGET`] each.
pub fn paired<T, U, A, B>(budget: Duration, mut a: A, mut b: B) -> Paired
where
    A: FnMut(u64) -> T,
    B: FnMut(u64) -> U,
{
    let start = Instant::now();
    let warm = budget.mul_f64(WARMUP_SHARE / 2.0);
    let half = BATCH_TARGET / 2;
    let (batch_a, _) = calibrate(warm, &mut a, half);
    let (batch_b, _) = calibrate(warm, &mut b, half);
    let measured = budget.saturating_sub(start.elapsed());
    let (mut ra, mut rb, mut wa, mut wb, mut ratios) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut total_a, mut total_b) = (Duration::ZERO, Duration::ZERO);
    let (mut cpu_a, mut cpu_b) = (Duration::ZERO, Duration::ZERO);
    let mut i = 0u64;
    let run = |op: &mut dyn FnMut(u64), n: u64, i: &mut u64| {
        let t = Instant::now();
        let c = thread_cpu_time();
        for _ in 0..n {
            op(*i);
            *i = i.wrapping_add(1);
        }
        let dc = thread_cpu_time().saturating_sub(c);
        let dt = t.elapsed();
        (dt, if dc.is_zero() { dt } else { dc })
    };
    while total_a + total_b < measured || ratios.len() < 3 {
        let (dt, dc) = run(&mut |i| drop(black_box(a(i))), batch_a, &mut i);
        total_a += dt;
        cpu_a += dc;
        let rate_a = batch_a as f64 / dc.as_secs_f64().max(1e-12);
        ra.push(rate_a);
        wa.push(batch_a as f64 / dt.as_secs_f64().max(1e-12));
        let (dt, dc) = run(&mut |i| drop(black_box(b(i))), batch_b, &mut i);
        total_b += dt;
        cpu_b += dc;
        let rate_b = batch_b as f64 / dc.as_secs_f64().max(1e-12);
        rb.push(rate_b);
        wb.push(batch_b as f64 / dt.as_secs_f64().max(1e-12));
        ratios.push(rate_a / rate_b.max(1e-12));
    }
    let n = ratios.len() as u64;
    Paired {
        a: Rate::from_batches(
            batch_a * n,
            total_a.as_secs_f64(),
            cpu_a.as_secs_f64(),
            ra,
            wa,
        ),
        b: Rate::from_batches(
            batch_b * n,
            total_b.as_secs_f64(),
            cpu_b.as_secs_f64(),
            rb,
            wb,
        ),
        ratios,
    }
}

/// Runs `op` on `threads` threads at once, each for about `budget`, and returns the sum of their
/// rates (each median and the mean summed separately). With one thread this is [`rate`]. The
/// throughput of the threads together is `wall_median`.
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
        wall_median: rates.iter().map(|r| r.wall_median).sum(),
        mean: rates.iter().map(|r| r.mean).sum(),
        calls: rates.iter().map(|r| r.calls).sum(),
        batches: rates.iter().map(|r| r.batches).sum(),
        seconds: rates.iter().map(|r| r.seconds).fold(0.0, f64::max),
        cpu_seconds: rates.iter().map(|r| r.cpu_seconds).sum(),
        batch_rates: Vec::new(),
        wall_batch_rates: Vec::new(),
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
    use std::sync::{Mutex, MutexGuard};

    /// The timing tests run one at a time, so that they do not compete with each other.
    fn timing() -> MutexGuard<'static, ()> {
        static LOCK: Mutex<()> = Mutex::new(());
        LOCK.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }

    #[test]
    fn pooling_takes_the_median_of_all_batches() {
        let part = |rates: &[f64], calls, seconds| {
            Rate::from_batches(calls, seconds, seconds, rates.to_vec(), rates.to_vec())
        };
        let p = Rate::pool(&[part(&[10.0, 30.0], 40, 2.0), part(&[20.0], 20, 1.0)]);
        assert_eq!(p.median, 20.0);
        assert_eq!(p.wall_median, 20.0);
        assert_eq!(p.mean, 20.0);
        assert_eq!((p.calls, p.batches), (60, 3));
    }

    #[test]
    fn the_thread_cpu_clock_runs_with_work_not_with_sleep() {
        let _t = timing();
        let c = thread_cpu_time();
        std::thread::sleep(Duration::from_millis(30));
        let slept = thread_cpu_time().saturating_sub(c);
        let c = thread_cpu_time();
        let t = Instant::now();
        let mut x = 0u64;
        while t.elapsed() < Duration::from_millis(30) {
            x = black_box(x.wrapping_add(1));
        }
        let worked = thread_cpu_time().saturating_sub(c);
        assert!(slept < Duration::from_millis(10), "{slept:?}");
        assert!(worked > Duration::from_millis(3), "{worked:?}");
    }

    #[test]
    fn a_sleep_is_slow_on_the_wall_clock_and_free_on_the_cpu_clock() {
        // A 2 ms sleep runs at most 500 times a wall-clock second; it uses almost no CPU time,
        // so its rate per CPU-second is far higher.
        let _t = timing();
        let r = rate(Duration::from_millis(150), |_| {
            std::thread::sleep(Duration::from_millis(2))
        });
        assert!(r.wall_median <= 500.0, "{r:?}");
        assert!(r.wall_median > 100.0, "{r:?}");
        assert!(r.median > 10.0 * r.wall_median, "{r:?}");
        assert!(r.batches >= 3);
    }

    #[test]
    fn two_threads_of_sleep_double_the_wall_rate() {
        // Sleeping does not need a core, so two sleeping threads reach about twice one thread's
        // rate even on a loaded machine: a check that the per-thread rates are summed (an
        // average would give about 1). The naps are long and the band wide because wake-up
        // delays grow on a loaded machine.
        let _t = timing();
        let nap = || std::thread::sleep(Duration::from_millis(20));
        let one = rate_on_threads(1, Duration::from_millis(250), |_| nap());
        let two = rate_on_threads(2, Duration::from_millis(250), |_| nap());
        let ratio = two.wall_median / one.wall_median;
        assert!((1.4..2.8).contains(&ratio), "{ratio} {one:?} {two:?}");
    }

    #[test]
    fn paired_ratio_of_one_and_four_units_of_work_is_about_four() {
        // `b` does the work of `a` four times, so rate(a) / rate(b) is about 4 (and an operation
        // against itself about 1: the negative control for a ratio that is always 4). The bands
        // are wide because other tests load the machine at the same time.
        let _t = timing();
        let work = |n: u64| {
            let mut x = 0u64;
            for k in 0..n * 5000 {
                x = black_box(x.wrapping_mul(31).wrapping_add(k));
            }
            x
        };
        let p = paired(Duration::from_millis(200), |_| work(1), |_| work(4));
        let r = p.median_ratio();
        assert!((2.5..6.0).contains(&r), "{r}");
        let same = paired(Duration::from_millis(200), |_| work(1), |_| work(1));
        let r = same.median_ratio();
        assert!((0.6..1.6).contains(&r), "{r}");
        assert_eq!(p.ratios.len(), p.a.batches);
        let pooled = Paired::pool(&[p.clone(), same]);
        assert_eq!(pooled.ratios.len(), pooled.a.batches);
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
