//! `sim national` (issue 11): the closed-form special case, the lognormal percentiles, bytes
//! independent of threads and shards, the committed default run, bad input.

mod common;

use std::path::Path;

use common::{ok, read, scratch, sim};

use sim::national::{self, National, Shard};
use sim::scenario::Scenario;

const FILES: [&str; 4] = [
    "national.csv",
    "national.json",
    "national.svg",
    "sensitivity.svg",
];

/// Fixed delay 72 h, fixed tries, far_sigma 0, no posterior: `sim run`'s closed form applies.
const CLOSED: &str = r#"
name = "closed"
seed = 3
trials = 50
window_hours = 72
baseline = "card-pin"

[[policy]]
name = "card-pin"

[[policy]]
name = "touch-id"
bio_attempts = 5
pin_attempts = 3
pin_digits = 4

[[attacker]]
name = "finder"
biometric = "zero-effort"
pin = "uniform"

[[attacker]]
name = "guesser-human"
biometric = "none"
pin = "human"

[population]
holders = 100000000
loss_rate_per_year = 0.02
report_delay_hours = 72
far_sigma = 0.0

[[population.policy]]
policy = "card-pin"
share = 0.7

[[population.policy]]
policy = "touch-id"
share = 0.3

[[population.attacker]]
attacker = "finder"
share = 0.8

[[population.attacker]]
attacker = "guesser-human"
share = 0.2
"#;

fn run_all(n: &National) -> national::Report {
    let v = national::simulate(n, Shard::WHOLE);
    national::report(n, &v)
}

#[test]
fn closed_form_special_case() {
    let n = National::from_toml("closed.toml", CLOSED).expect("valid");
    let r = run_all(&n);
    let s = Scenario::from_toml("closed.toml", CLOSED).expect("valid");
    let (plan, _) = sim::run::plan(&s);
    let shares_p = [("card-pin", 0.7), ("touch-id", 0.3)];
    let shares_a = [("finder", 0.8), ("guesser-human", 0.2)];
    let mut checked = 0;
    for row in r.rows.iter().filter(|x| x.role == "mix") {
        let p = plan
            .iter()
            .find(|x| x.policy == row.policy && x.attacker == row.attacker)
            .expect("sim run has the row")
            .experiment
            .exact();
        let sp = shares_p
            .iter()
            .find(|x| x.0 == row.policy)
            .map_or(0.0, |x| x.1);
        let sa = shares_a
            .iter()
            .find(|x| x.0 == row.attacker)
            .map_or(0.0, |x| x.1);
        let want = 1e8 * 0.02 * sp * sa * p;
        assert!(
            ((row.expected_per_year - want) / want).abs() < 1e-12,
            "{} {}: {} vs {want}",
            row.policy,
            row.attacker,
            row.expected_per_year
        );
        // No uncertainty: the interval is the point.
        assert_eq!(row.ci_low, row.ci_high);
        checked += 1;
    }
    assert_eq!(checked, 4);
    // Hand value for one row: card-pin x finder, 3 uniform guesses of 10^4:
    // 1e8 * 0.02 * 0.7 * 0.8 * 3e-4 = 336.
    let card = &r.rows[0];
    assert!(
        (card.expected_per_year - 336.0).abs() < 1e-9,
        "{}",
        card.expected_per_year
    );

    // Negative control: with heterogeneity and a wider delay the identity no longer holds.
    let other = CLOSED
        .replace("far_sigma = 0.0", "far_sigma = 2.0")
        .replace(
            "report_delay_hours = 72",
            "report_delay_hours = [[1, 0.5], [72, 0.5]]",
        )
        .replace("bio_attempts = 5\npin_attempts = 3\n", "");
    let m = National::from_toml("other.toml", &other).expect("valid");
    let r2 = run_all(&m);
    assert!(
        (r2.rows[2].expected_per_year - r.rows[2].expected_per_year).abs()
            > 1e-3 * r.rows[2].expected_per_year
    );
}

/// Bio-only zero-effort row with one presentation: the per-holder risk is `rate x FAR_u`, so
/// its percentiles are the lognormal's: `far exp(sigma z_q - sigma^2/2)`, with the normal
/// quantiles z_0.99 = 2.326347874040841 and z_0.999 = 3.090232306167814 (Abramowitz and Stegun
/// table 26.5), and the mean over holders is `far` (mean preserved).
#[test]
fn lognormal_percentiles() {
    let text = r#"
name = "lognormal"
trials = 400
window_hours = 72

[[policy]]
name = "bio"
far = 0.0001
sar = 0.1
bio_tries = 1
bio_attempts = 1

[[attacker]]
name = "finder"
biometric = "zero-effort"

[population]
holders = 1000000
loss_rate_per_year = 0.5
report_delay_hours = 24
far_sigma = 1.5

[[population.policy]]
policy = "bio"
share = 1.0

[[population.attacker]]
attacker = "finder"
share = 1.0
"#;
    let n = National::from_toml("lognormal.toml", text).expect("valid");
    let r = run_all(&n);
    let row = &r.rows[0];
    let (far, s, rate) = (1e-4f64, 1.5f64, 0.5f64);
    let at = |z: f64| rate * far * (s * z - s * s / 2.0).exp();
    for (got, z) in [
        (row.per_holder_p50, 0.0),
        (row.per_holder_p99, 2.326_347_874_040_841),
        (row.per_holder_p999, 3.090_232_306_167_814),
    ] {
        assert!(((got - at(z)) / at(z)).abs() < 1e-9, "{got} vs {}", at(z));
    }
    // Mean preserved: E[FAR_u] = far, so the yearly count is holders x rate x far = 50, within
    // the stratified sample's error (the cap at 1 is 12 sigma away).
    let want = 1e6 * rate * far;
    // Within 1.5x the reported 95% Monte-Carlo half-width, which itself is below 2%.
    let off = ((row.expected_per_year - want) / want).abs();
    assert!(
        off < 1.5 * row.mc_rel_error,
        "{} vs {want}: off {off}, mc {}",
        row.expected_per_year,
        row.mc_rel_error
    );
    assert!(row.mc_rel_error < 0.02, "{}", row.mc_rel_error);
    // Negative control: without the -sigma^2/2 term the median would be e^1.125 = 3.1x higher.
    assert!(row.per_holder_p50 * 2.0 < rate * far);
}

#[test]
fn threads_and_shards_do_not_change_a_byte() {
    let (a, b) = (scratch("t1"), scratch("t2"));
    ok(&sim(&[
        "national",
        "--trials",
        "300",
        "--threads",
        "1",
        "--out",
        a.to_str().unwrap_or(""),
    ]));
    ok(&sim(&[
        "national",
        "--trials",
        "300",
        "--threads",
        "2",
        "--out",
        b.to_str().unwrap_or(""),
    ]));
    common::same_files(&a, &b, &FILES);
    // Three shards merged in another order.
    let mut dirs = Vec::new();
    for i in [2, 0, 1] {
        let d = scratch(&format!("s{i}"));
        ok(&sim(&[
            "national",
            "--trials",
            "300",
            "--shard",
            &format!("{i}/3"),
            "--out",
            d.to_str().unwrap_or(""),
        ]));
        dirs.push(d);
    }
    let m = scratch("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(dirs.iter().map(|d| d.display().to_string()));
    args.extend(["--out".into(), m.display().to_string()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&sim(&argv));
    common::same_files(&a, &m, &FILES);
    // Negative control: another seed changes the bytes; a missing shard is refused.
    let c = scratch("seed");
    ok(&sim(&[
        "national",
        "--trials",
        "300",
        "--seed",
        "12",
        "--out",
        c.to_str().unwrap_or(""),
    ]));
    assert!(read(&a.join("national.json")) != read(&c.join("national.json")));
    let o = sim(&[
        "merge",
        dirs[0].to_str().unwrap_or(""),
        dirs[1].to_str().unwrap_or(""),
        "--out",
        scratch("partial").to_str().unwrap_or(""),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// The committed default run regenerates byte for byte (about 11 s on 2 loaded cores).
#[test]
fn committed_default_run_regenerates() {
    let d = scratch("default");
    ok(&sim(&["national", "--out", d.to_str().unwrap_or("")]));
    let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports");
    common::same_files(&d, &reports, &FILES);
    // Every Monte-Carlo error of the default run is within 5%.
    let j: serde_json::Value =
        serde_json::from_slice(&read(&d.join("national.json"))).expect("json");
    let rows = j["rows"].as_array().expect("rows");
    assert!(!rows.is_empty());
    for r in rows {
        let e = r["mc_rel_error"].as_f64().expect("number");
        assert!(e <= 0.05, "{r}");
    }
    for key in ["expected_per_year", "ci_low", "ci_high"] {
        assert!(j["total"][key].as_f64().is_some(), "{key}");
    }
}

#[test]
fn bad_input_names_file_key_value_and_writes_nothing() {
    let d = scratch("bad");
    for (needle, replacement, key) in [
        (
            "loss_rate_per_year = 0.02",
            "loss_rate_per_year = -1",
            "loss_rate_per_year",
        ),
        ("share = 0.7", "share = 0.5", "share"),
        (
            "report_delay_hours = 72",
            "report_delay_hours = [[24, 0.5]]",
            "report_delay_hours",
        ),
        ("far_sigma = 0.0", "far_sigma = -1", "far_sigma"),
        (
            "far_sigma = 0.0",
            "far_sigma = 0.0\npin_curve_scale = 0",
            "pin_curve_scale",
        ),
        ("attacker = \"finder\"", "attacker = \"nobody\"", "attacker"),
    ] {
        let file = d.join("bad.toml");
        let text = CLOSED.replace(needle, replacement);
        assert_ne!(text, CLOSED, "{needle}");
        std::fs::write(&file, text).expect("write");
        let out = d.join("out");
        let o = sim(&[
            "national",
            "--scenario",
            file.to_str().unwrap_or(""),
            "--out",
            out.to_str().unwrap_or(""),
        ]);
        assert_eq!(o.status.code(), Some(2), "{key}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains("bad.toml") && err.contains(key), "{err}");
        assert!(!out.exists(), "{key}: wrote output");
    }
    // No [population]: refused.
    let file = d.join("nopop.toml");
    let text = CLOSED.split("[population]").next().unwrap_or("");
    std::fs::write(&file, text).expect("write");
    let o = sim(&["national", "--scenario", file.to_str().unwrap_or("")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[population]"));
}

/// Per-holder percentiles use the posterior, as the totals do (issue 11 follow-up). One
/// bio-only zero-effort row, one presentation, no heterogeneity: every holder's yearly risk in
/// draw `j` is `rate x FAR_j`, so (i) the per-holder percentiles equal the row's per-holder mean
/// `expected_per_year / holders` (same draws, same arithmetic), and (ii) both are
/// `rate x E[FAR]` with `FAR ~ Beta(k + 1/2, n - k + 1/2)` (Jeffreys), `k = far n = 1` of
/// `n = 1000`: mean `1.5 / 1001 = 1.4985e-3`, not the claimed `1e-3`. The posterior's relative
/// standard deviation is `sqrt(b / (a (a + b + 1))) = 0.816`, so 4000 draws give the mean to
/// `0.816 / sqrt(4000) = 1.3%` (one standard error); we allow 5%.
#[test]
fn per_holder_percentiles_use_the_posterior() {
    let text = r#"
name = "posterior"
trials = 4000
window_hours = 72

[[policy]]
name = "bio"
far = 0.001
sar = 0.1
bio_tries = 1
bio_attempts = 1

[[attacker]]
name = "finder"
biometric = "zero-effort"

[population]
holders = 1000000
loss_rate_per_year = 0.5
report_delay_hours = 24
far_sigma = 0.0

[[population.policy]]
policy = "bio"
share = 1.0
far_comparisons = 1000

[[population.attacker]]
attacker = "finder"
share = 1.0
"#;
    let n = National::from_toml("posterior.toml", text).expect("valid");
    let r = run_all(&n);
    let row = &r.rows[0];
    let per_holder = row.expected_per_year / row.holders;
    for p in [row.per_holder_p50, row.per_holder_p99, row.per_holder_p999] {
        assert!(
            ((p - per_holder) / per_holder).abs() < 1e-12,
            "{p} vs {per_holder}"
        );
    }
    let want = 0.5 * 1.5 / 1001.0;
    assert!(
        ((row.per_holder_p50 - want) / want).abs() < 0.05,
        "{} vs {want}",
        row.per_holder_p50
    );
    // The interval is the posterior's spread, wide here (k = 1).
    assert!(row.per_holder_p999_ci_low < 0.5 * 1e-3 && row.per_holder_p999_ci_high > 0.5 * 3e-3);
    // Negative control: the claimed figure (what the percentiles used before) is 33% lower.
    let claimed = 0.5 * 1e-3;
    assert!(((row.per_holder_p999_claimed - claimed) / claimed).abs() < 1e-12);
    assert!(row.per_holder_p50 > 1.3 * claimed);
    // The sensitivity analysis uses the posterior too: its base total is the posterior mean over
    // the first 256 draws (relative sd 0.816 / 16 = 5%: within 20%), not the claimed total 10^6 x 0.5 x 10^-3 = 500.
    assert_eq!(r.sensitivity_draws, 256);
    let base_want = 1e6 * want;
    assert!(
        ((r.sensitivity_base_total - base_want) / base_want).abs() < 0.2,
        "{}",
        r.sensitivity_base_total
    );
    assert!(
        (r.nominal_total - 500.0).abs() < 1e-9,
        "{}",
        r.nominal_total
    );
}

/// The committed default run's card-PIN and signing-password rows, derived by hand from the
/// scenario's figures (sim/scenarios/national.toml) and the published tables, not from the code:
/// - card-pin x finder: 3 guesses of the DataGenetics order find "1234" 10.713% + "1111" 6.016%
///   + "0000" 1.881% = 18.610%; 10^8 x 0.55 x 0.0178 x 0.88 x 0.18610 = 160,329.2 (the finder's
///     share 0.88 since issue 16 gave 0.02 of the former 0.90 to the observer);
/// - card-pin x observer: the card's PIN is not the lock-screen PIN, so the observation does not
///   help; otherwise the finder: 10^8 x 0.55 x 0.0178 x 0.02 x 0.18610 = 3,643.8;
/// - card-pin x thief-birthday: the 3 guesses are the birthday ones, 1/11 -> 9.1% (Bonneau et
///   al.): 10^8 x 0.55 x 0.0178 x 0.09 x 0.091 = 8,017.9;
/// - card-pin x spoofer (no biometric stage; popular PINs): 10^8 x 0.55 x 0.0178 x 0.01 x 0.18610
///   = 1,821.9;
/// - jpki-signing x finder, baseline (every holder): 5 tries on a curve through (10, 1%) from 0:
///   0.5%; 10^8 x 0.0178 x 0.88 x 0.005 = 7,832.
#[test]
fn default_run_pinned_rows() {
    let mut n = National::builtin().expect("built-in");
    n.scenario.trials = 8; // these rows have no uncertain figure
    let r = run_all(&n);
    let want = [
        (
            "card-pin",
            "finder",
            "mix",
            1e8 * 0.55 * 0.0178 * 0.88 * 0.18610,
        ),
        (
            "card-pin",
            "observer",
            "mix",
            1e8 * 0.55 * 0.0178 * 0.02 * 0.18610,
        ),
        (
            "card-pin",
            "thief-birthday",
            "mix",
            1e8 * 0.55 * 0.0178 * 0.09 * 0.091,
        ),
        (
            "card-pin",
            "spoofer",
            "mix",
            1e8 * 0.55 * 0.0178 * 0.01 * 0.18610,
        ),
        (
            "jpki-signing",
            "finder",
            "baseline",
            1e8 * 0.0178 * 0.88 * 0.005,
        ),
    ];
    for (p, a, role, v) in want {
        let row = r
            .rows
            .iter()
            .find(|x| x.policy == p && x.attacker == a && x.role == role)
            .expect("row present");
        assert!(
            ((row.expected_per_year - v) / v).abs() < 1e-9,
            "{p} {a}: {} vs {v}",
            row.expected_per_year
        );
    }
    // Negative control: the old loss rate (0.02) would be 12% off.
    assert!((1e8 * 0.55 * 0.02 * 0.88 * 0.18610 - want[0].3).abs() > 0.1 * want[0].3);
}
