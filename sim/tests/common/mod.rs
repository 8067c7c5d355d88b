//! Helpers shared by the tests that drive the `sim` binary at its edges: run it with a time
//! limit, and check that what it wrote is a valid report.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test: this build's `sim`, or `SIM_UNDER_TEST` (to run a property against
/// another build, e.g. the one before a fix, as a negative control).
pub fn binary() -> PathBuf {
    std::env::var_os("SIM_UNDER_TEST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_sim")))
}

/// Run `sim` with `args`; `None` if it did not finish within `limit` (it is then killed).
pub fn sim_within(args: &[&str], limit: Duration) -> Option<Output> {
    let mut child = Command::new(binary())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sim binary starts");
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().ok(),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => return None,
        }
    }
}

pub fn sim(args: &[&str]) -> Output {
    sim_within(args, Duration::from_secs(600)).expect("sim finishes")
}

/// A fresh, empty scratch directory.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sim-edge-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create scratch dir");
    d
}

/// The bytes of `p` (the test fails naming the file if it cannot be read).
pub fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The text of `p`.
pub fn read_text(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `o` exited 0 (else the test fails showing its stderr).
pub fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "status {:?}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Each of `files` is byte for byte the same in directories `a` and `b`.
pub fn same_files(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        assert!(
            read(&a.join(f)) == read(&b.join(f)),
            "{f} differs: {} vs {}",
            a.display(),
            b.display()
        );
    }
}

/// stderr is exactly one line, `error: ...`.
pub fn one_error_line(o: &Output) -> Result<String, String> {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let lines: Vec<&str> = err.lines().collect();
    if lines.len() == 1 && lines[0].starts_with("error: ") {
        Ok(err)
    } else {
        Err(format!("not one error line: {err:?}"))
    }
}

fn num(v: &serde_json::Value, key: &str) -> Result<f64, String> {
    v[key]
        .as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("{key} is not a finite number: {}", v[key]))
}

/// Wilson score bounds at `z`, the textbook form (for the statistical check only).
fn wilson_z(hits: f64, n: f64, z: f64) -> (f64, f64) {
    let p = hits / n;
    let z2 = z * z;
    let d = 1.0 + z2 / n;
    let c = (p + z2 / (2.0 * n)) / d;
    let h = z / d * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    (c - h, c + h)
}

/// Check a report directory: exactly the expected files (no temporaries), a CSV without `inf`
/// or `NaN` that parses, an SVG that is well-formed XML, and in the JSON every row with
/// `0 <= ci_low <= estimate <= ci_high <= 1`, a finite `std_error >= 0`, `exact` in [0, 1],
/// `pin_guesses` at most the PIN space (`spaces`: policy -> 10^digits, where known), a finite
/// ratio or null. The exact value: inside the 95% interval wherever it is 0 or 1 (there the
/// interval is not statistical: it must); elsewhere, with at least 1000 trials, inside the
/// z = 6 interval (a miss has probability about 2e-9 per row; the 95% interval misses 5% of
/// the time by design, so it cannot be the test).
pub fn check_report(dir: &Path, state: bool, spaces: &HashMap<String, u64>) -> Result<(), String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want = vec!["risk.csv", "risk.json", "risk.svg"];
    if state {
        want.push("risk.state.json");
    }
    want.sort();
    if names != want {
        return Err(format!("files {names:?}, expected {want:?}"));
    }
    let svg = std::fs::read_to_string(dir.join("risk.svg")).map_err(|e| e.to_string())?;
    roxmltree::Document::parse(&svg).map_err(|e| format!("risk.svg is not XML: {e}"))?;
    let csv_text = std::fs::read_to_string(dir.join("risk.csv")).map_err(|e| e.to_string())?;
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let mut csv_rows = 0;
    for rec in reader.records() {
        let rec = rec.map_err(|e| format!("risk.csv: {e}"))?;
        csv_rows += 1;
        for (h, f) in headers.iter().zip(rec.iter()) {
            if matches!(h, "policy" | "attacker" | "method") || f.is_empty() {
                continue;
            }
            let x: f64 = f.parse().map_err(|_| format!("risk.csv: {h} = {f:?}"))?;
            if !x.is_finite() {
                return Err(format!("risk.csv: {h} = {f:?}"));
            }
        }
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("risk.json")).map_err(|e| e.to_string())?)
            .map_err(|e| format!("risk.json: {e}"))?;
    let rows = json["rows"].as_array().ok_or("risk.json: no rows")?;
    if rows.len() != csv_rows {
        return Err(format!("{} JSON rows, {csv_rows} CSV rows", rows.len()));
    }
    for r in rows {
        let who = format!("{} x {}", r["policy"], r["attacker"]);
        let (est, se) = (num(r, "estimate")?, num(r, "std_error")?);
        let (lo, hi) = (num(r, "ci_low")?, num(r, "ci_high")?);
        let exact = num(r, "exact")?;
        let trials = r["trials"].as_u64().ok_or("trials")? as f64;
        let hits = r["hits"].as_u64().ok_or("hits")? as f64;
        if !(0.0 <= lo && lo <= est && est <= hi && hi <= 1.0 && se >= 0.0) {
            return Err(format!("{who}: {est} [{lo}, {hi}] se {se}"));
        }
        if !(0.0..=1.0).contains(&exact) || hits > trials {
            return Err(format!("{who}: exact {exact}, {hits} hits of {trials}"));
        }
        if (exact == 0.0 || exact == 1.0) && !(lo <= exact && exact <= hi) {
            return Err(format!("{who}: exact {exact} outside [{lo}, {hi}]"));
        }
        if trials >= 1000.0 && exact > 0.0 && exact < 1.0 {
            let plain = r["method"].as_str().is_some_and(|m| m.starts_with("plain"));
            let ok = if plain {
                let (l, h) = wilson_z(hits, trials, 6.0);
                l - 1e-12 <= exact && exact <= h + 1e-12
            } else {
                (est - exact).abs() <= 6.0 * se + 1e-9 * exact
            };
            if !ok {
                return Err(format!(
                    "{who}: exact {exact:e} far from {est:e} (se {se:e}, {hits} of {trials})"
                ));
            }
        }
        if let (Some(g), Some(space)) = (
            r["pin_guesses"].as_u64(),
            r["policy"].as_str().and_then(|p| spaces.get(p)),
        ) && g > *space
        {
            return Err(format!("{who}: {g} PIN guesses, space {space}"));
        }
        if !(r["ratio_to_baseline"].is_null() || r["ratio_to_baseline"].as_f64().is_some()) {
            return Err(format!("{who}: ratio {}", r["ratio_to_baseline"]));
        }
    }
    Ok(())
}
