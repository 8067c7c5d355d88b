//! The oracle of `model/mutants.sh` (issue 9, "Mutation adequacy, measured"): `model check`
//! alone, through its command line, judges a mutant of the model's defence code. A mutant is
//! caught when the default check no longer exits 0 (some `always` property fails or some
//! `sometimes` witness is lost), or when some bug switch is no longer caught (its `check --bug`
//! no longer exits 1 with the property it names violated).
//!
//! The unit tests (pinned state counts, traces that read well) are deliberately not part of the
//! oracle: they would catch mutants by a changed number rather than by a property, and the
//! question is whether the properties can fail on what the broken defence lets happen.
//!
//! Ignored in the normal test run (it repeats what `tests/check.rs` checks, at the cost of a
//! check per switch); `model/mutants.sh` runs it with `--ignored`. Its negative control is the
//! mutation run itself: cargo-mutants first runs this oracle on the unmutated tree and stops if
//! it fails there, and every caught mutant is a case where it fails.

use serde_json::Value;
use std::process::Command;

fn model(args: &[&str]) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_model"))
        .args(args)
        .output()
        .expect("the model binary runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), json)
}

fn verdict<'a>(report: &'a Value, property: &str) -> Option<&'a str> {
    report["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == property)?["verdict"]
        .as_str()
}

#[test]
#[ignore = "the oracle of model/mutants.sh; run with --ignored"]
fn model_check_alone_judges_the_defences() {
    let (code, report) = model(&["check", "--json", "--threads", "1"]);
    assert_eq!(code, Some(0), "the default check fails: {report}");

    let (code, bugs) = model(&["bugs", "--json"]);
    assert_eq!(code, Some(0));
    let bugs: Vec<(String, String)> = bugs
        .as_array()
        .expect("a list of switches")
        .iter()
        .map(|b| {
            let s = |k: &str| b[k].as_str().expect("a string").to_string();
            (s("name"), s("breaks"))
        })
        .collect();
    assert!(!bugs.is_empty());

    // Two switches at a time: the machines this runs on have 2 cores.
    let missed: Vec<String> = std::thread::scope(|scope| {
        let halves: Vec<_> = bugs
            .chunks(bugs.len().div_ceil(2))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|(name, breaks)| {
                            let (code, report) =
                                model(&["check", "--json", "--threads", "1", "--bug", name]);
                            let caught =
                                code == Some(1) && verdict(&report, breaks) == Some("violated");
                            (!caught).then(|| format!("{name} (must break `{breaks}`)"))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves
            .into_iter()
            .flat_map(|h| h.join().expect("no panic"))
            .collect()
    });
    assert!(missed.is_empty(), "switches no longer caught: {missed:?}");
}
