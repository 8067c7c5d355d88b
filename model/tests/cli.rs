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
    assert!(v["states_per_second"].as_f64().is_some_and(|r| r >= 0.0));
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

/// Issue 15: attempts that start strictly before the window's end count, exactly. Android class 3
/// presents 5 times at t = 0 and 5 more at t = 30 s (after the 30 s lockout), so a window of
/// 0.72 s (0.0002 h) holds 5, 30.24 s (0.0084 h) holds 10 (the round at 30 s starts before
/// 30.24 s), and exactly 30 s (0.008333333333333333 h, the decimal just below 1/120) holds 5.
/// The old rounding gave 0 (0.72 s rounded to 0 s) and 5 (30.24 s rounded to 30 s).
#[test]
fn budget_window_counts_attempts_that_start_before_its_end() {
    for (hours, bio) in [
        ("0.0002", 5),
        ("0.0084", 10),
        ("0.008333333333333333", 5),
        ("0", 0),
    ] {
        let out = model(&["budget", "--policy", "android-class3", "--hours", hours]);
        assert_eq!(out.status.code(), Some(0), "{hours}");
        let v = json(&out);
        assert_eq!(v["biometric_presentations"], bio, "{hours}");
    }
    // 0.07 h is 252 s exactly (the binary product 0.07 * 3600 is 252.00000000000003).
    let v = json(&model(&[
        "budget", "--policy", "card-pin", "--hours", "0.07",
    ]));
    assert_eq!(v["window_secs"], 252);
}

/// A negative number for a numeric flag names the flag and the value, on one line.
#[test]
fn negative_numbers_name_the_flag() {
    for (args, needles) in [
        (vec!["check", "--threads", "-1"], ["--threads", "-1"]),
        (
            vec!["budget", "--policy", "card-pin", "--hours", "-0.5"],
            ["--hours", "-0.5"],
        ),
        (vec!["explore", "--addr", "-1"], ["--addr", "-1"]),
    ] {
        let out = model(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        for n in needles {
            assert!(err.contains(n), "{args:?}: {n} missing from {err}");
        }
        assert!(!err.contains("unexpected argument"), "{err}");
    }
}

/// `explore --addr 127.0.0.1:0` prints the port it really listens on, and serves there.
#[test]
fn explore_on_port_zero_prints_the_bound_port() {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = Command::new(env!("CARGO_BIN_EXE_model"))
        .args(["explore", "--addr", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("model explore starts");
    let mut line = String::new();
    if let Some(err) = child.stderr.take() {
        let _ = BufReader::new(err).read_line(&mut line);
    }
    let port: Option<u16> = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok());
    let mut answer = String::new();
    if let Some(port) = port.filter(|p| *p != 0) {
        // The server thread starts right after the line is printed: retry for a few seconds.
        for _ in 0..50 {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                let _ = s.write_all(b"GET /.status HTTP/1.0\r\n\r\n");
                let _ = s.read_to_string(&mut answer);
                if !answer.is_empty() {
                    break;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(port.is_some_and(|p| p != 0), "no bound port in {line:?}");
    assert!(answer.starts_with("HTTP/1."), "{answer}");
}

/// A reader that stops reading (`model check | head`) ends nothing but the output: the check
/// still exits with its verdict (1 here: the switch's property is violated), and no panic. Its
/// negative control is the shell's own: before `main.rs` wrote through `out`, this command
/// died with "failed printing to stdout: Broken pipe" and exit 101.
#[test]
fn a_closed_stdout_keeps_the_verdict() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_model"))
        .args([
            "check",
            "--bug",
            "card-pin-four-tries",
            "--scenario",
            "stolen-card",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("model runs");
    // Close the read end before the check (about a second of work) writes anything.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("model ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
}
