//! Every exact value agrees with its Monte-Carlo estimate within the reported 95% interval, over
//! the built-in scenarios (including the rare-event one), and the check can fail: a wrong exact
//! value is caught, and across many seeds the intervals cover the exact value about 95% of the
//! time (neither too narrow nor vacuously wide).

use sim::estimate::{Experiment, PinSampler};
use sim::run::{self, Report, Shard};
use sim::scenario::Scenario;

fn scenario(name: &str) -> Scenario {
    match Scenario::builtin(name) {
        Some(Ok(s)) => s,
        other => panic!("built-in {name}: {other:?}"),
    }
}

fn run_report(s: &Scenario) -> Report {
    let (rows, skipped) = run::plan(s);
    let accs = run::simulate(s, &rows, Shard::WHOLE, &|_| {});
    run::report(s, &rows, &skipped, &accs, Shard::WHOLE)
}

fn inside(x: f64, lo: f64, hi: f64) -> bool {
    lo <= x && x <= hi
}

/// At the committed seeds and trial counts, every row's exact value is inside its interval.
#[test]
fn exact_values_lie_in_the_intervals_of_the_builtin_scenarios() {
    for name in ["default", "rare"] {
        let r = run_report(&scenario(name));
        assert!(r.rows.len() >= 20, "{name}");
        for row in &r.rows {
            let e = row.exact.expect("every built-in row has a closed form");
            assert!(
                inside(e, row.ci_low, row.ci_high),
                "{name}: {} x {}: exact {e:e} outside [{:e}, {:e}] (estimate {:e})",
                row.policy,
                row.attacker,
                row.ci_low,
                row.ci_high,
                row.estimate
            );
        }
        // The rare scenario really reaches 1e-9 with a tight interval (importance sampling).
        if name == "rare" {
            let tiny = r
                .rows
                .iter()
                .find(|x| x.policy == "face-strict" && x.attacker == "finder-bio")
                .expect("row exists");
            assert!(tiny.exact.is_some_and(|e| e < 1.01e-9 && e > 0.99e-9));
            assert!(tiny.std_error / tiny.estimate < 0.01, "{tiny:?}");
        }
    }
}

/// Negative control: wrong exact values fall outside the intervals: 2% too high on every row
/// with a non-zero probability, and one attempt too many wherever that moves the value by more
/// than 4 standard errors (one more guess at the 126th most popular PIN adds only 0.06%).
#[test]
fn wrong_exact_values_are_caught() {
    let mut off_by_one_checked = 0;
    for name in ["default", "rare"] {
        let s = scenario(name);
        let (plans, _) = run::plan(&s);
        let r = run_report(&s);
        for (row, plan) in r.rows.iter().zip(&plans) {
            let e = row.exact.unwrap_or(0.0);
            if e == 0.0 {
                continue;
            }
            let scaled = (e * 1.02).min(1.0);
            if scaled < 1.0 {
                assert!(
                    !inside(scaled, row.ci_low, row.ci_high),
                    "{name}: {} x {}: 2% error not caught",
                    row.policy,
                    row.attacker
                );
            }
            // One more attempt at the stage that carries the probability.
            let mut wrong: Experiment = plan.experiment.clone();
            if let Some(b) = wrong.bio.as_mut().filter(|b| b.q > 0.0 && b.q < 1.0) {
                *b = sim::estimate::BioSampler::new(b.q, b.attempts + 1);
            } else if let Some(p) = wrong.pin.as_mut().filter(|p| p.guesses < p.model.len()) {
                *p = PinSampler::new(p.model.clone(), p.guesses + 1);
            } else {
                continue;
            }
            let w = wrong.exact();
            if (w - e).abs() <= 4.0 * row.std_error {
                continue;
            }
            off_by_one_checked += 1;
            assert!(
                !inside(w, row.ci_low, row.ci_high),
                "{name}: {} x {}: off-by-one exact {w:e} not caught in [{:e}, {:e}]",
                row.policy,
                row.attacker,
                row.ci_low,
                row.ci_high
            );
        }
    }
    assert!(off_by_one_checked >= 20, "{off_by_one_checked}");
}

/// Coverage over 40 seeds: the 95% intervals contain the exact value between 90% and 99% of the
/// time (binomial sd at 95% over ~1300 checks is 0.6%, so both bounds are 6+ sd away). The same
/// intervals around a value 1% off cover far less often.
#[test]
fn intervals_cover_about_95_percent() {
    let mut checks = 0u32;
    let mut covered = 0u32;
    let mut covered_wrong = 0u32;
    for name in ["default", "rare"] {
        for seed in 0..40u64 {
            let mut s = scenario(name);
            s.seed = 1000 + seed;
            s.trials = 20_000;
            for row in run_report(&s).rows {
                let e = row.exact.unwrap_or(0.0);
                if e == 0.0 {
                    continue;
                }
                checks += 1;
                covered += u32::from(inside(e, row.ci_low, row.ci_high));
                let off = (e * 1.01).min(1.0);
                covered_wrong += u32::from(inside(off, row.ci_low, row.ci_high));
            }
        }
    }
    let rate = f64::from(covered) / f64::from(checks);
    let wrong_rate = f64::from(covered_wrong) / f64::from(checks);
    eprintln!("coverage {covered}/{checks} = {rate:.4}; 1%-off value covered {wrong_rate:.4}");
    assert!(checks > 1000);
    assert!((0.90..=0.99).contains(&rate), "coverage {rate}");
    assert!(
        wrong_rate < rate - 0.2,
        "1% error covered {wrong_rate} vs {rate}"
    );
}
