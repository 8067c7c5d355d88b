//! The `sim` binary as other tools see it: committed reports regenerate byte for byte, threads
//! and shards do not change a byte, bad input exits 2 with a clear message and writes nothing.

mod common;

use std::path::Path;

use common::{ok, read, same_files, scratch, sim};

const FILES: [&str; 3] = ["risk.csv", "risk.json", "risk.svg"];

/// `cargo run --release -p sim -- run` wrote the committed `reports/`; regenerate and compare.
#[test]
fn committed_reports_regenerate_byte_for_byte() {
    let out = scratch("committed");
    let o = sim(&["run", "--out", out.to_str().expect("utf-8 path")]);
    ok(&o);
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports");
    same_files(&out, &committed, &FILES);
    // The printed table names every row.
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("face-id") && table.contains("finder-bio"),
        "{table}"
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// Same seed, same bytes with 1 and 2 threads; a different seed changes the bytes (negative
/// control: the comparison can fail).
#[test]
fn threads_do_not_change_a_byte() {
    let base = scratch("threads");
    let run = |name: &str, extra: &[&str]| {
        let d = base.join(name);
        let mut args = vec![
            "run",
            "--scenario",
            "builtin:rare",
            "--trials",
            "30000",
            "--out",
        ];
        let ds = d.to_str().expect("utf-8").to_string();
        args.push(&ds);
        args.extend_from_slice(extra);
        ok(&sim(&args));
        d
    };
    let one = run("one", &["--threads", "1"]);
    let two = run("two", &["--threads", "2"]);
    same_files(&one, &two, &FILES);
    let other = run("other", &["--threads", "2", "--seed", "12"]);
    assert_ne!(read(&one.join("risk.json")), read(&other.join("risk.json")));
    let _ = std::fs::remove_dir_all(&base);
}

/// The merge of shards equals the unsharded run byte for byte, for an even and an uneven split
/// given in any order; a missing or repeated shard is refused.
#[test]
fn shards_merge_to_the_unsharded_bytes() {
    let base = scratch("shards");
    let trials = "50001"; // not divisible by 2 or 3
    let p = |n: &str| base.join(n).to_str().expect("utf-8").to_string();
    ok(&sim(&["run", "--trials", trials, "--out", &p("whole")]));
    for (i, n) in [(0, 2), (1, 2), (0, 3), (1, 3), (2, 3)] {
        let shard = format!("{i}/{n}");
        ok(&sim(&[
            "run",
            "--trials",
            trials,
            "--shard",
            &shard,
            "--threads",
            "1",
            "--out",
            &p(&format!("s{i}of{n}")),
        ]));
    }
    ok(&sim(&[
        "merge",
        &p("s0of2"),
        &p("s1of2"),
        "--out",
        &p("m2"),
    ]));
    ok(&sim(&[
        "merge",
        &p("s2of3"),
        &p("s0of3"),
        &p("s1of3"),
        "--out",
        &p("m3"),
    ]));
    same_files(&base.join("whole"), &base.join("m2"), &FILES);
    same_files(&base.join("whole"), &base.join("m3"), &FILES);
    // A shard's own report differs from the whole (it has fewer trials).
    assert_ne!(
        read(&base.join("s0of2/risk.json")),
        read(&base.join("whole/risk.json"))
    );

    let missing = sim(&["merge", &p("s0of3"), &p("s1of3"), "--out", &p("bad1")]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("only 2 directories"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    let twice = sim(&[
        "merge",
        &p("s0of2"),
        &p("s0of2"),
        &p("s1of2"),
        "--out",
        &p("bad2"),
    ]);
    assert_eq!(twice.status.code(), Some(2));
    let mixed = sim(&["merge", &p("s0of2"), &p("s1of3"), "--out", &p("bad3")]);
    assert_eq!(mixed.status.code(), Some(2));
    for bad in ["bad1", "bad2", "bad3"] {
        assert!(!base.join(bad).exists(), "{bad} was written");
    }
    let _ = std::fs::remove_dir_all(&base);
}

const GOOD: &str = r#"
name = "t"
seed = 3
trials = 1000
window_hours = 72
baseline = "card-pin"

[[policy]]
name = "card-pin"
pin_digits = 4
pin_tries = 3

[[policy]]
name = "touch-id"
far = 0.00002
sar = 0.07
bio_tries = 5
pin_digits = 6
pin_tries = 10

[[attacker]]
name = "finder"
biometric = "zero-effort"
pin = "uniform"
"#;

/// Run a scenario text; returns (exit code, stderr, whether the output dir exists).
fn run_text(name: &str, text: &str) -> (Option<i32>, String, bool) {
    let base = scratch(name);
    let file = base.join("scenario.toml");
    std::fs::write(&file, text).expect("write scenario");
    let out = base.join("out");
    let o = sim(&[
        "run",
        "--scenario",
        file.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let exists = out.exists();
    let _ = std::fs::remove_dir_all(&base);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        exists,
    )
}

/// The issue's example scenario runs (positive control for the bad-input cases below).
#[test]
fn the_issue_example_runs() {
    let (code, err, exists) = run_text("good", GOOD);
    assert_eq!(code, Some(0), "{err}");
    assert!(exists);
}

/// Each bad input: exit 2, one message naming the file, the key and the value, nothing written.
#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let cases: [(&str, String, &[&str]); 9] = [
        (
            "unknown-key",
            GOOD.replace("sar = 0.07", "sar = 0.07\nspoof_rate = 0.1"),
            &["spoof_rate"],
        ),
        (
            "missing-field",
            GOOD.replace("window_hours = 72\n", ""),
            &["window_hours", "missing"],
        ),
        (
            "far-range",
            GOOD.replace("far = 0.00002", "far = 1.5"),
            &["far", "1.5", "touch-id"],
        ),
        (
            "sar-negative",
            GOOD.replace("sar = 0.07", "sar = -0.07"),
            &["sar", "-0.07"],
        ),
        (
            "bio-tries-zero",
            GOOD.replace("bio_tries = 5", "bio_tries = 0"),
            &["bio_tries", "= 0"],
        ),
        (
            "pin-tries-zero",
            GOOD.replace("pin_tries = 3", "pin_tries = 0"),
            &["pin_tries", "= 0", "card-pin"],
        ),
        (
            "bad-attacker",
            GOOD.replace("\"uniform\"", "\"psychic\""),
            &["pin", "psychic"],
        ),
        (
            "bad-baseline",
            GOOD.replace("baseline = \"card-pin\"", "baseline = \"nope\""),
            &["baseline", "nope"],
        ),
        (
            "bad-type",
            GOOD.replace("trials = 1000", "trials = \"many\""),
            &["trials", "many"],
        ),
    ];
    for (name, text, needles) in cases {
        let (code, err, exists) = run_text(name, &text);
        assert_eq!(code, Some(2), "{name}: {err}");
        assert!(!exists, "{name}: output written");
        assert!(
            err.contains("scenario.toml"),
            "{name}: no file name in {err}"
        );
        for n in needles {
            assert!(err.contains(n), "{name}: {n:?} missing from {err}");
        }
        assert_eq!(err.matches("error:").count(), 1, "{name}: {err}");
    }
}

#[test]
fn unreadable_file_and_bad_flags_exit_2() {
    let base = scratch("unreadable");
    let out = base.join("out");
    let o = sim(&[
        "run",
        "--scenario",
        "/nonexistent/s.toml",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/nonexistent/s.toml") && err.contains("cannot read"),
        "{err}"
    );
    for args in [
        vec!["run", "--shard", "2/2"],
        vec!["run", "--trials", "0"],
        vec!["run", "--threads", "0"],
        vec!["run", "--scenario", "builtin:nope"],
    ] {
        let mut a = args.clone();
        let os = out.to_str().expect("utf-8").to_string();
        a.extend(["--out", &os]);
        let o = sim(&a);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&base);
}
