//! Issue 15, class by class: each audit finding as a test of the `sim` binary, with the bad
//! input and what must happen instead (exit 2, one `error:` line naming the file or flag, the
//! key and the value, nothing written; or a valid report).

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{check_report, one_error_line, scratch, sim};

fn s(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_string()
}

/// Run a scenario text; (output, out dir).
fn run_text(dir: &Path, text: &str, extra: &[&str]) -> (std::process::Output, std::path::PathBuf) {
    let file = dir.join("s.toml");
    std::fs::write(&file, text).expect("write scenario");
    let out = dir.join("out");
    let (f, o) = (s(&file), s(&out));
    let mut args = vec!["run", "--scenario", f.as_str(), "--out", o.as_str()];
    args.extend_from_slice(extra);
    (sim(&args), out)
}

/// Exit 2, one line holding every needle, `out` not created.
fn refused(o: &std::process::Output, out: &Path, needles: &[&str]) {
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = one_error_line(o).unwrap_or_else(|e| panic!("{e}"));
    for n in needles {
        assert!(err.contains(n), "{n:?} missing from {err}");
    }
    assert!(!out.exists(), "{} written", out.display());
}

const TWO: &str = "name = \"e\"\nseed = 4\ntrials = 2001\nwindow_hours = 72\nbaseline = \"card-pin\"\n\
    [[policy]]\nname = \"card-pin\"\n[[policy]]\nname = \"touch-id\"\n\
    [[attacker]]\nname = \"finder\"\nbiometric = \"zero-effort\"\npin = \"uniform\"\n";

/// Class 1: merge validates everything run validates, and the sums. Each tampering of a valid
/// pair of shard states is refused with one line naming the state file, the key and the value;
/// the untampered pair merges (positive control).
#[test]
fn merge_refuses_tampered_states() {
    let base = scratch("merge-tamper");
    let file = base.join("s.toml");
    std::fs::write(&file, TWO).expect("write");
    let mut states = Vec::new();
    for i in 0..2 {
        let out = base.join(format!("s{i}"));
        let o = sim(&[
            "run",
            "--scenario",
            &s(&file),
            "--shard",
            &format!("{i}/2"),
            "--out",
            &s(&out),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("risk.state.json")).expect("state"))
                .expect("JSON");
        states.push(v);
    }
    let merge = |name: &str, edit: &dyn Fn(&mut serde_json::Value, usize)| {
        let case = base.join(name);
        let mut dirs = Vec::new();
        for (i, st) in states.iter().enumerate() {
            let mut st = st.clone();
            edit(&mut st, i);
            let d = case.join(format!("s{i}"));
            std::fs::create_dir_all(&d).expect("dir");
            std::fs::write(
                d.join("risk.state.json"),
                serde_json::to_vec(&st).expect("JSON"),
            )
            .expect("write");
            dirs.push(s(&d));
        }
        let out = case.join("out");
        (sim(&["merge", &dirs[0], &dirs[1], "--out", &s(&out)]), out)
    };
    let (o, out) = merge("untouched", &|_, _| {});
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_report(&out, false, &HashMap::new()).unwrap_or_else(|e| panic!("{e}"));

    let set = |path: &'static str, v: serde_json::Value, both: bool| {
        move |st: &mut serde_json::Value, i: usize| {
            if (both || i == 0)
                && let Some(slot) = st.pointer_mut(path)
            {
                *slot = v.clone();
            }
        }
    };
    use serde_json::json;
    let far = "/scenario/policies/1/policy/biometric/far";
    type Edit = Box<dyn Fn(&mut serde_json::Value, usize)>;
    let cases: Vec<(&str, Edit, Vec<&str>)> = vec![
        (
            "far",
            Box::new(set(far, json!(1.5), true)),
            vec!["`far` = 1.5", "touch-id"],
        ),
        (
            "far-neg",
            Box::new(set(far, json!(-0.5), true)),
            vec!["`far` = -0.5"],
        ),
        (
            "digits0",
            Box::new(set(
                "/scenario/policies/0/policy/pin/digits",
                json!(0),
                true,
            )),
            vec!["`pin_digits` = 0"],
        ),
        (
            "digits30",
            Box::new(set(
                "/scenario/policies/0/policy/pin/digits",
                json!(30),
                true,
            )),
            vec!["`pin_digits` = 30"],
        ),
        (
            "window-neg",
            Box::new(set("/scenario/window_hours", json!(-72.0), true)),
            vec!["`window_hours` = -72"],
        ),
        (
            "window-huge",
            Box::new(set("/scenario/window_hours", json!(1e300), true)),
            vec!["`window_hours`"],
        ),
        (
            "baseline",
            Box::new(set("/scenario/baseline", json!("gone"), true)),
            vec!["`baseline` = \"gone\""],
        ),
        (
            "no-policies",
            Box::new(set("/scenario/policies", json!([]), true)),
            vec!["no [[policy]]"],
        ),
        (
            "no-attackers",
            Box::new(set("/scenario/attackers", json!([]), true)),
            vec!["no [[attacker]]"],
        ),
        (
            "dup-name",
            Box::new(set(
                "/scenario/policies/1/policy/name",
                json!("card-pin"),
                true,
            )),
            vec!["duplicate policy name"],
        ),
        (
            "huge-bio-attempts",
            Box::new(set(
                "/scenario/policies/1/bio_attempts",
                json!(u64::MAX),
                true,
            )),
            vec!["`bio_attempts` = 18446744073709551615"],
        ),
        (
            "huge-tries",
            Box::new(|st: &mut serde_json::Value, _| {
                let b = "/scenario/policies/1/policy/biometric";
                if let Some(x) = st.pointer_mut(&format!("{b}/tries_per_round")) {
                    *x = json!(u32::MAX);
                }
                if let Some(x) = st.pointer_mut(&format!("{b}/timed_lockouts")) {
                    *x = json!(u32::MAX);
                }
            }),
            vec!["`bio_tries` = 4294967295"],
        ),
        (
            "hits",
            Box::new(set("/rows/0/hits", json!(5000), false)),
            vec!["rows[0].hits", "5000"],
        ),
        (
            "absurd-sum",
            Box::new(set("/rows/1/sum_w", json!([[40, 7]]), false)),
            vec!["rows[1].sum_w"],
        ),
        (
            "plain-sum",
            Box::new(set("/rows/0/sum_w", json!([[34, 9]]), false)),
            vec!["rows[0].sum_w"],
        ),
        (
            "digits-repeat",
            Box::new(set("/rows/1/sum_w2", json!([[3, 1], [3, 1]]), false)),
            vec!["rows[1].sum_w2"],
        ),
        (
            "scale",
            Box::new(set("/rows/1/w2_exp", json!(7), false)),
            vec!["rows[1].w2_exp", "7"],
        ),
        (
            "format",
            Box::new(set("/format", json!("mynafido-sim-shard-v1"), false)),
            vec!["`format`", "v1"],
        ),
    ];
    for (name, edit, needles) in &cases {
        let start = Instant::now();
        let (o, out) = merge(name, edit.as_ref());
        let mut needles = needles.clone();
        needles.push("risk.state.json");
        refused(&o, &out, &needles);
        // Refusals are fast (no counting up to 2^32 presentations, no huge allocation).
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{name}: {:?}",
            start.elapsed()
        );
    }
    let _ = std::fs::remove_dir_all(&base);
}

/// Class 2: a policy whose presentations would be counted one by one up to 2^64 is refused at
/// once, naming `bio_tries` and its own value; the documented maximum trial count is accepted
/// (the run is stopped: accepting it without building a work list is the point).
#[test]
fn limits_are_checked_before_counting() {
    let base = scratch("limits");
    let text = "name = \"l\"\nwindow_hours = 72\n[[policy]]\nname = \"big\"\nfar = 0.01\nsar = 0.1\n\
                bio_tries = 4294967295\nbio_timed_lockouts = 4294967295\n\
                [[attacker]]\nname = \"a\"\nbiometric = \"zero-effort\"\n";
    let start = Instant::now();
    let (o, out) = run_text(&base, text, &[]);
    refused(
        &o,
        &out,
        &["s.toml", "policy `big`", "`bio_tries` = 4294967295"],
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    // 2^40 trials: the run starts (no memory error) and is stopped after a second.
    let file = base.join("ok.toml");
    std::fs::write(&file, TWO).expect("write");
    let mut child = std::process::Command::new(common::binary())
        .args([
            "run",
            "--scenario",
            &s(&file),
            "--trials",
            "1099511627776",
            "--threads",
            "1",
        ])
        .args(["--out", &s(&base.join("never"))])
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    std::thread::sleep(Duration::from_millis(1500));
    let still_running = matches!(child.try_wait(), Ok(None));
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        still_running,
        "a run of 2^40 trials ended within 1.5 s (refused or aborted)"
    );
    let _ = std::fs::remove_dir_all(&base);
}

/// Class 5: attempts that start strictly before the window's end count. Android class 3: 5
/// presentations at t = 0, 5 at t = 30 s. 0.72 s holds the first 5 (rounded to 0 s before),
/// 30.24 s holds 10 (rounded to 30 s before: 5), exactly 30 s holds 5.
#[test]
fn window_rounding_counts_what_starts_before_the_end() {
    let base = scratch("window");
    for (hours, bio) in [("0.0002", 5), ("0.0084", 10), ("0.008333333333333333", 5)] {
        let text = format!(
            "name = \"w\"\ntrials = 1000\nwindow_hours = {hours}\n[[policy]]\nname = \"android-class3\"\n\
             [[attacker]]\nname = \"a\"\nbiometric = \"zero-effort\"\n"
        );
        let (o, out) = run_text(&base, &text, &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("risk.json")).expect("json"))
                .expect("JSON");
        assert_eq!(v["rows"][0]["bio_presentations"], bio, "{hours}");
        let _ = std::fs::remove_dir_all(&out);
    }
    let _ = std::fs::remove_dir_all(&base);
}

/// Class 6: one line naming the flag or the file, the key and the value.
#[test]
fn messages_name_the_flag_the_key_and_the_value() {
    let base = scratch("messages");
    let out = base.join("out");
    for (args, needles) in [
        (vec!["run", "--seed", "-1"], vec!["--seed", "-1"]),
        (vec!["run", "--trials", "-5"], vec!["--trials", "-5"]),
        (vec!["run", "--threads", "-2"], vec!["--threads", "-2"]),
        (vec!["run", "--shard", "-1/2"], vec!["--shard", "-1/2"]),
        (vec!["bench", "--trials", "-1"], vec!["--trials", "-1"]),
    ] {
        let mut a = args.clone();
        let o = s(&out);
        a.extend(["--out", o.as_str()].iter().filter(|_| args[0] == "run"));
        let r = sim(&a);
        refused(&r, &out, &needles);
        assert!(!String::from_utf8_lossy(&r.stderr).contains("unexpected argument"));
    }
    // `--out` naming a file.
    let file = base.join("a-file");
    std::fs::write(&file, "keep").expect("write");
    let r = sim(&["run", "--out", &s(&file)]);
    assert_eq!(r.status.code(), Some(2));
    let err = one_error_line(&r).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        err.contains("--out") && err.contains("a-file") && err.contains("not a directory"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "keep");
    // TOML errors on one line, with the line quoted (it names the key and the value).
    let (r, out2) = run_text(
        &base,
        &TWO.replace("trials = 2001", "trials = \"many\""),
        &[],
    );
    refused(&r, &out2, &["s.toml", "line 3", "trials = \"many\""]);
    let (r, out2) = run_text(&base, &TWO.replace("window_hours = 72\n", ""), &[]);
    refused(&r, &out2, &["s.toml", "window_hours"]);
    let _ = std::fs::remove_dir_all(&base);
}

/// Class 7: names that XML cannot carry are refused; markup in names is escaped by plotters
/// and the SVG parses; a ratio over a tiny baseline is a finite number; `pin_guesses` stays at
/// the PIN space, and the whole space tried is p = 1, found in every trial, ci_high = 1.
#[test]
fn outputs_are_what_they_claim() {
    let base = scratch("outputs");
    let (o, out) = run_text(
        &base,
        &TWO.replace("name = \"finder\"", "name = \"fi\\u0000nder\""),
        &[],
    );
    refused(&o, &out, &["attacker", "U+0000"]);
    let markup = TWO
        .replace("name = \"e\"", "name = \"<svg>&amp;\\\"'\"")
        .replace("name = \"finder\"", "name = \"a<b>&c\"");
    let (o, out) = run_text(&base, &markup, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_report(&out, false, &HashMap::new()).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&out);

    let tiny = "name = \"r\"\ntrials = 1000\nwindow_hours = 1\nbaseline = \"tiny\"\n\
                [[policy]]\nname = \"tiny\"\nfar = 2.3e-308\nsar = 0.1\nbio_tries = 1\n\
                [[policy]]\nname = \"open\"\nfar = 1\nsar = 1\nbio_tries = 1\n\
                [[attacker]]\nname = \"a\"\nbiometric = \"zero-effort\"\n";
    let (o, out) = run_text(&base, tiny, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_report(&out, false, &HashMap::new()).unwrap_or_else(|e| panic!("{e}"));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("risk.json")).expect("json")).expect("JSON");
    // 1 / 2.3e-308 = 4.3e307, below f64::MAX = 1.8e308.
    let ratio = v["rows"][1]["ratio_to_baseline"]
        .as_f64()
        .expect("a number");
    assert!((ratio - 1.0 / 2.3e-308).abs() <= 1e-9 * ratio, "{ratio:e}");
    let _ = std::fs::remove_dir_all(&out);
    // A subnormal probability (where the ratio overflowed to inf before) is refused.
    let (o, out) = run_text(&base, &tiny.replace("2.3e-308", "1e-320"), &[]);
    refused(&o, &out, &["`far` = 0.00000", "smallest normal"]);

    let all = "name = \"b\"\ntrials = 1000\nwindow_hours = 1\n\
               [[policy]]\nname = \"p\"\nfar = 0.001\nsar = 0.1\nbio_tries = 5\npin_digits = 4\npin_attempts = 20000\n\
               [[attacker]]\nname = \"thief\"\nbiometric = \"zero-effort\"\npin = \"birthday\"\n";
    let (o, out) = run_text(&base, all, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut spaces = HashMap::new();
    spaces.insert("p".to_string(), 10_000);
    check_report(&out, false, &spaces).unwrap_or_else(|e| panic!("{e}"));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("risk.json")).expect("json")).expect("JSON");
    let row = &v["rows"][0];
    assert_eq!(row["pin_guesses"], 10_000);
    assert_eq!(row["exact"], 1.0);
    assert_eq!(row["hits"], 1000);
    assert_eq!(row["ci_high"], 1.0);
    assert_eq!(row["method"], "plain MC; Wilson");
    let _ = std::fs::remove_dir_all(&base);
}

/// Class 4 through the binary: a run whose output set cannot be put in place (risk.svg is a
/// directory) exits 1 and leaves the previous set untouched and no staging directory.
#[test]
fn a_failed_write_keeps_the_previous_run() {
    let base = scratch("atomic");
    let (o, out) = run_text(&base, TWO, &[]);
    assert!(o.status.success());
    let before: Vec<Vec<u8>> = ["risk.csv", "risk.json"]
        .iter()
        .map(|f| std::fs::read(out.join(f)).expect("read"))
        .collect();
    std::fs::remove_file(out.join("risk.svg")).expect("rm");
    std::fs::create_dir_all(out.join("risk.svg").join("blocker")).expect("dir");
    let (o, _) = run_text(&base, &TWO.replace("seed = 4", "seed = 5"), &[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = one_error_line(&o).unwrap_or_else(|e| panic!("{e}"));
    assert!(err.contains("risk.svg"), "{err}");
    let after: Vec<Vec<u8>> = ["risk.csv", "risk.json"]
        .iter()
        .map(|f| std::fs::read(out.join(f)).expect("read"))
        .collect();
    assert!(before == after, "the previous csv/json were replaced");
    assert!(!out.join(".sim-staging").exists());
    let _ = std::fs::remove_dir_all(&base);
}
