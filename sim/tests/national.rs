//! `sim national` (issue 11): the closed-form special case, the lognormal percentiles, bytes
//! independent of threads and shards, the committed default run, bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sim::national::{self, National, Shard};
use sim::scenario::Scenario;

const FILES: [&str; 4] = [
    "national.csv",
    "national.json",
    "national.svg",
    "sensitivity.svg",
];

fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .output()
        .expect("the sim binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sim-national-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create scratch dir");
    d
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "status {:?}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
}

fn same_files(a: &Path, b: &Path) {
    for f in FILES {
        assert!(read(&a.join(f)) == read(&b.join(f)), "{f} differs");
    }
}

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
    same_files(&a, &b);
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
    same_files(&a, &m);
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

/// The committed default run regenerates byte for byte (about 3 s on 2 loaded cores).
#[test]
fn committed_default_run_regenerates() {
    let d = scratch("default");
    ok(&sim(&["national", "--out", d.to_str().unwrap_or("")]));
    let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports");
    same_files(&d, &reports);
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
