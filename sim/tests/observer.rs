//! Issue 16: the observer who saw the lock-screen PIN typed (`pin_observed`), in `sim run` and
//! `sim national`, and `sim list | head` (a closed stdout) exiting quietly.
//!
//! Expected values are computed here from the figures alone: with `o = pin_observed`, `b`
//! presentations at FAR `f` and `g` uniform guesses of `N` PINs, a lock-screen row is
//! `1 - (1 - o)(1 - f)^b (1 - g/N)`; a PIN-only row (the card) ignores `o`.

mod common;

use std::process::{Command, Stdio};

use common::{scratch, sim};

use sim::national::{self, National, Shard};
use sim::run;
use sim::scenario::Scenario;

/// Card PIN (3 tries) and a lock screen with 5 presentations at FAR 1/50,000 and 3 guesses of a
/// 4-digit PIN; the finder and the observer differ only in `pin_observed`.
fn scenario(o: &str) -> String {
    format!(
        r#"
name = "observer-test"
seed = 3
trials = 20000
window_hours = 72
baseline = "card-pin"

[[policy]]
name = "card-pin"
pin_digits = 4
pin_tries = 3

[[policy]]
name = "lock"
far = 0.00002
sar = 0.07
bio_tries = 5
bio_attempts = 5
pin_digits = 4
pin_attempts = 3

[[attacker]]
name = "finder"
biometric = "zero-effort"
pin = "uniform"

[[attacker]]
name = "observer"
biometric = "zero-effort"
pin = "uniform"
{o}
"#
    )
}

fn rows(text: &str) -> Vec<run::Row> {
    let s = Scenario::from_toml("t.toml", text).expect("valid");
    let (plan, skipped) = run::plan(&s);
    let accs = run::simulate(&s, &plan, run::Shard::WHOLE, &|_| {});
    run::report(&s, &plan, &skipped, &accs, run::Shard::WHOLE).rows
}

fn lock(o: f64) -> f64 {
    let miss_bio = (1.0f64 - 0.00002).powi(5);
    1.0 - (1.0 - o) * miss_bio * (1.0 - 3.0 / 10_000.0)
}

#[test]
fn closed_form_and_its_edges() {
    // The study's single-observation rate (Aviv et al. 2017, 6-digit PINs): 10.8%.
    for (o, text) in [
        (0.108, "pin_observed = 0.108"),
        (0.0, "pin_observed = 0.0"),
        (1.0, "pin_observed = 1.0"),
    ] {
        let r = rows(&scenario(text));
        let get = |p: &str, a: &str| {
            r.iter()
                .find(|x| x.policy == p && x.attacker == a)
                .expect("row")
                .clone()
        };
        let card = get("card-pin", "observer");
        assert!(
            (card.exact.expect("exact") - 3e-4).abs() < 1e-15,
            "card ignores o"
        );
        let obs = get("lock", "observer");
        let e = obs.exact.expect("exact");
        assert!((e - lock(o)).abs() < 1e-12, "o = {o}: {e} vs {}", lock(o));
        assert!(obs.ci_low <= e && e <= obs.ci_high, "o = {o}: {obs:?}");
        // Negative control: the ordinary finder's value is far from the observer's when o > 0.
        if o > 0.0 {
            assert!((lock(0.0) - e).abs() > 0.5 * o);
        }
        if o == 1.0 {
            // PIN known: the biometric is irrelevant, every trial gets in.
            assert_eq!(e, 1.0);
            assert_eq!(obs.estimate, 1.0);
            assert_eq!(obs.hits, obs.trials);
        }
    }
}

#[test]
fn zero_reproduces_the_ordinary_attacker_bit_for_bit() {
    // pin_observed = 0 draws nothing extra: the same bytes as the file without the key.
    let a = rows(&scenario("pin_observed = 0.0"));
    let b = rows(&scenario(""));
    assert_eq!(a, b);
    // ... and the observer's exact value is the finder's, bit for bit.
    let f = a
        .iter()
        .find(|x| x.policy == "lock" && x.attacker == "finder");
    let o = a
        .iter()
        .find(|x| x.policy == "lock" && x.attacker == "observer");
    assert_eq!(f.and_then(|x| x.exact), o.and_then(|x| x.exact));
    // Negative control: a tiny positive rate changes the row.
    let c = rows(&scenario("pin_observed = 0.001"));
    assert_ne!(a, c);
}

#[test]
fn default_scenario_without_the_observer_keeps_its_figures() {
    // The committed default rows of the other attackers are those of the scenario without the
    // observer's table, apart from their trial streams (a row's stream follows its index): the
    // exact values are identical.
    let with = Scenario::builtin("default")
        .expect("builtin")
        .expect("valid");
    let mut without = with.clone();
    without.attackers.retain(|a| a.name != "observer");
    let (p1, _) = run::plan(&with);
    let (p0, _) = run::plan(&without);
    for r in &p0 {
        let same = p1
            .iter()
            .find(|x| x.policy == r.policy && x.attacker == r.attacker)
            .expect("row");
        assert_eq!(same.experiment.exact(), r.experiment.exact());
    }
    assert_eq!(p1.len(), p0.len() + 4);
}

#[test]
fn bad_rate_is_one_line_and_exit_2() {
    for v in ["1.5", "-0.1", "nan", "\"often\""] {
        let dir = scratch(&format!("bad-{}", v.len()));
        let f = dir.join("s.toml");
        std::fs::write(&f, scenario(&format!("pin_observed = {v}"))).expect("write");
        let out = dir.join("out");
        let o = sim(&[
            "run",
            "--scenario",
            f.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{v}: {err}");
        assert_eq!(err.lines().count(), 1, "{v}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains("pin_observed"),
            "{v}: {err}"
        );
        assert!(!out.exists(), "{v}: nothing written");
    }
}

const NATIONAL: &str = r#"
name = "observer-national"
seed = 5
trials = 16
window_hours = 72
baseline = "card-pin"

[[policy]]
name = "card-pin"
pin_digits = 4
pin_tries = 3

[[policy]]
name = "lock"
far = 0.00002
sar = 0.07
bio_tries = 5
bio_attempts = 5
pin_digits = 4
pin_attempts = 3

[[attacker]]
name = "finder"
biometric = "zero-effort"
pin = "uniform"

[[attacker]]
name = "observer"
biometric = "zero-effort"
pin = "uniform"
pin_observed = OBSERVED

[population]
holders = 100000000
loss_rate_per_year = 0.02
report_delay_hours = 72
far_sigma = 0.0

[[population.policy]]
policy = "card-pin"
share = 0.7

[[population.policy]]
policy = "lock"
share = 0.3

[[population.attacker]]
attacker = "finder"
share = 0.9

[[population.attacker]]
attacker = "observer"
share = 0.1
"#;

fn national_rows(o: &str) -> national::Report {
    let n = National::from_toml("n.toml", &NATIONAL.replace("OBSERVED", o)).expect("valid");
    let v = national::simulate(&n, Shard::WHOLE);
    national::report(&n, &v)
}

#[test]
fn national_rows_follow_the_closed_form() {
    for (o, s) in [(0.108, "0.108"), (0.0, "0.0"), (1.0, "1.0")] {
        let r = national_rows(s);
        let get = |p: &str, a: &str| {
            r.rows
                .iter()
                .find(|x| x.policy == p && x.attacker == a && x.role == "mix")
                .expect("row")
                .expected_per_year
        };
        // holders x share(policy) x loss x share(observer) x P.
        let want = 1e8 * 0.3 * 0.02 * 0.1 * lock(o);
        let got = get("lock", "observer");
        assert!(
            ((got - want) / want).abs() < 1e-9,
            "o = {o}: {got} vs {want}"
        );
        let card = 1e8 * 0.7 * 0.02 * 0.1 * 3e-4;
        let got = get("card-pin", "observer");
        assert!(((got - card) / card).abs() < 1e-9, "card, o = {o}: {got}");
        if o == 0.0 {
            // The observer is then the finder, at its share: 0.1 / 0.9 of the finder's row.
            let f = get("lock", "finder");
            assert!((get("lock", "observer") - f / 9.0).abs() < 1e-9 * f);
        }
    }
    // The sensitivity analysis varies the rate (x0.5 / x2) when it is not 0.
    let r = national_rows("0.108");
    let s = r
        .sensitivity
        .iter()
        .find(|x| x.parameter == "observer pin_observed")
        .expect("sensitivity entry");
    assert!(s.total_low < s.total_high, "{s:?}");
    assert!(
        !national_rows("0.0")
            .sensitivity
            .iter()
            .any(|x| x.parameter == "observer pin_observed")
    );
}

#[test]
fn closed_stdout_is_a_quiet_exit() {
    // `sim list | head`: the reader goes away; the write fails with EPIPE (Rust ignores
    // SIGPIPE). Before the fix println! panicked (exit 101, "failed printing to stdout").
    for _ in 0..3 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sim"))
            .arg("list")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let o = child.wait_with_output().expect("wait");
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
