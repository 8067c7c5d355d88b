//! The `model` binary's contract: names, JSON shapes, exit codes.

use serde_json::Value;
use std::process::{Command, Output};

fn model(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_model"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn check_json_shape_and_exit_zero() {
    let out = model(&["check", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let props = v["properties"].as_array().expect("properties");
    assert!(props.len() >= 11);
    for p in props {
        assert!(p["name"].is_string());
        assert!(matches!(p["kind"].as_str(), Some("always" | "sometimes")));
        assert!(matches!(p["verdict"].as_str(), Some("holds" | "witnessed")));
        assert!(p["trace"].is_null());
    }
    assert!(v["unique_states"].as_u64().is_some_and(|n| n > 0));
    assert!(v["seconds"].as_f64().is_some());
}

#[test]
fn check_with_a_bug_exits_one_with_a_trace() {
    let out = model(&["check", "--bug", "skip-origin-check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let props = v["properties"].as_array().expect("properties");
    let origin = props
        .iter()
        .find(|p| p["name"] == "origin binding")
        .expect("origin binding");
    assert_eq!(origin["verdict"], "violated");
    let trace = origin["trace"].as_array().expect("trace");
    assert!(!trace.is_empty());
    for step in trace {
        assert!(step["actor"].is_string() && step["action"].is_string());
        assert!(step["message"].is_string());
    }
    // The human table names the verdict and prints the steps.
    let text = model(&["check", "--bug", "skip-origin-check"]);
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("VIOLATED") && text.contains("counterexample for `origin binding`"));
}

#[test]
fn bugs_json_lists_every_switch() {
    let out = model(&["bugs", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), model::bugs::Bug::ALL.len());
    for r in rows {
        assert!(r["name"].is_string() && r["breaks"].is_string());
    }
}

#[test]
fn budget_prints_the_automaton_figures() {
    let out = model(&["budget", "--policy", "card-pin", "--hours", "72"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["pin_guesses"], 3);
    let out = model(&["budget", "--policy", "android-class3", "--hours", "1"]);
    let v = json(&out);
    // 20 presentations (4 rounds of 5, 30 s apart) and 63 gatekeeper guesses in an hour.
    assert_eq!(v["biometric_presentations"], 20);
    assert_eq!(v["pin_guesses"], 63);
    let list = model(&["budget", "--list"]);
    assert_eq!(list.status.code(), Some(0));
    let text = String::from_utf8_lossy(&list.stdout);
    for name in [
        "card-pin",
        "jpki-signing",
        "android-class3",
        "touch-id",
        "face-id",
    ] {
        assert!(text.contains(name), "{name}");
    }
}

#[test]
fn bad_values_exit_two_with_one_line() {
    for (args, needle) in [
        (vec!["check", "--bug", "no-such-bug"], "no-such-bug"),
        (vec!["check", "--threads", "zero"], "zero"),
        (vec!["check", "--scenario", "moon"], "moon"),
        (vec!["budget", "--policy", "nope", "--hours", "1"], "nope"),
        (
            vec!["budget", "--policy", "card-pin", "--hours", "-3"],
            "-3",
        ),
        (
            vec!["budget", "--policy", "card-pin", "--hours", "abc"],
            "abc",
        ),
        (
            vec!["explore", "--addr", "not-an-address"],
            "not-an-address",
        ),
    ] {
        let out = model(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
