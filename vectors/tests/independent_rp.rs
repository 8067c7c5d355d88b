//! Independent relying parties judge every committed WebAuthn case (issue 12).
//!
//! `vectors/py/judge.py` runs py_webauthn (Duo Labs) and python-fido2's `Fido2Server` (Yubico),
//! pinned in `vectors/py/requirements.txt` and installed by `scripts/setup.d/20-python.sh`, over
//! every `*.json` under `vectors/data/` (recursively, so new cases and the browser captures in
//! `data/browser/` are picked up). Each of their verdicts is compared with ours
//! ([`vectors::case::verify_text`]); every disagreement must be a row of the table between the
//! `independent-rp-differences` markers in `vectors/README.md`, with its reason, and every row
//! must still be a disagreement (a stale row fails too).
//!
//! Negative controls: a tampered browser capture is rejected by both judges (they can fail),
//! and the comparison reports an unlisted disagreement and a stale row.
//!
//! Without `MYNAFIDO_PYTHON` the tests skip, except under `CI=true`, where they fail.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use vectors::case::verify_text;
use vectors::sig::Backend;
use vectors::webauthn::{b64, unb64};

const JUDGES: [&str; 2] = ["py_webauthn", "fido2"];

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> Option<String> {
    match std::env::var("MYNAFIDO_PYTHON") {
        Ok(p) if Path::new(&p).exists() => Some(p),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "MYNAFIDO_PYTHON is not set or missing under CI=true (scripts/setup.d/20-python.sh)"
            )
        }
        _ => {
            eprintln!(
                "skipped: MYNAFIDO_PYTHON not set (run scripts/test, which sources scripts/setup.d)"
            );
            None
        }
    }
}

/// The judges' verdict lines for `targets` (files or directories).
fn run_judges(py: &str, targets: &[&Path]) -> Vec<Value> {
    let out = Command::new(py)
        .arg(manifest().join("py/judge.py"))
        .args(targets)
        .output()
        .expect("run judge.py");
    assert!(
        out.status.success(),
        "judge.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("judge.py JSON line"))
        .collect()
}

/// One disagreement: (case path relative to data/, judge, our verdict line, theirs).
type Diff = (String, String, String, String);

/// Our verdict against each judge's, for every WebAuthn case the judges saw.
fn disagreements(lines: &[Value], data: &Path) -> Vec<Diff> {
    let mut diffs = Vec::new();
    for l in lines {
        let file = Path::new(l["file"].as_str().expect("file"));
        let rel = file
            .strip_prefix(data)
            .unwrap_or(file)
            .to_string_lossy()
            .into_owned();
        let kind = l["kind"].as_str().unwrap_or_default();
        if !kind.starts_with("webauthn.") {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("readable case");
        let ours = verify_text(&text, Backend::default()).expect("usable case");
        let our_verdict = if ours.reason().is_none() {
            "accept"
        } else {
            "reject"
        };
        for j in JUDGES {
            let theirs = l[j].as_str().unwrap_or_default();
            if theirs != our_verdict {
                diffs.push((rel.clone(), j.to_owned(), ours.line(), theirs.to_owned()));
            }
        }
    }
    diffs
}

/// The rows of the README's table: (case, judge, our verdict line, theirs, reason).
fn listed(readme: &str) -> Vec<(String, String, String, String, String)> {
    let start = readme
        .find("<!-- independent-rp-differences:start -->")
        .expect("start marker in vectors/README.md");
    let end = readme
        .find("<!-- independent-rp-differences:end -->")
        .expect("end marker in vectors/README.md");
    let mut rows = Vec::new();
    for line in readme[start..end].lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_owned())
            .collect();
        if cells.len() != 5 || cells[0] == "case" || cells[0].starts_with("---") {
            continue;
        }
        for judge in cells[1].split(',').map(str::trim) {
            rows.push((
                cells[0].clone(),
                judge.to_owned(),
                cells[2].clone(),
                cells[3].clone(),
                cells[4].clone(),
            ));
        }
    }
    rows
}

/// What is wrong between the disagreements found and the rows listed (empty: all explained).
fn unexplained(found: &[Diff], rows: &[(String, String, String, String, String)]) -> Vec<String> {
    let found_set: BTreeSet<Diff> = found.iter().cloned().collect();
    let mut problems = Vec::new();
    for (case, judge, ours, theirs, why) in rows {
        let key = (case.clone(), judge.clone(), ours.clone(), theirs.clone());
        if why.is_empty() {
            problems.push(format!("{case} ({judge}): row has no reason"));
        }
        if !found_set.contains(&key) {
            problems.push(format!(
                "stale row: {case} ({judge}) ours {ours}, theirs {theirs} is not a disagreement now"
            ));
        }
    }
    let row_set: BTreeSet<Diff> = rows
        .iter()
        .map(|(c, j, o, t, _)| (c.clone(), j.clone(), o.clone(), t.clone()))
        .collect();
    for d in found {
        if !row_set.contains(d) {
            problems.push(format!(
                "unlisted: | `{}` | {} | {} | {} | (reason) |",
                d.0, d.1, d.2, d.3
            ));
        }
    }
    problems
}

#[test]
fn independent_relying_parties_agree_except_where_the_readme_says_why() {
    let Some(py) = python() else { return };
    let data = manifest().join("data");
    let lines = run_judges(&py, &[&data]);
    let judged = lines
        .iter()
        .filter(|l| {
            l["kind"]
                .as_str()
                .unwrap_or_default()
                .starts_with("webauthn.")
        })
        .count();
    // 48 generated WebAuthn cases (vectors/data/create-*, get-*) and 6 browser captures.
    assert!(judged >= 54, "only {judged} WebAuthn cases judged");
    let found = disagreements(&lines, &data);
    let readme = std::fs::read_to_string(manifest().join("README.md")).expect("README");
    let problems = unexplained(&found, &listed(&readme));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    eprintln!(
        "{judged} WebAuthn cases x {} judges: {} explained differences",
        JUDGES.len(),
        found.len()
    );
}

#[test]
fn every_browser_capture_is_accepted_by_both_judges() {
    let Some(py) = python() else { return };
    let dir = manifest().join("data/browser");
    let lines = run_judges(&py, &[&dir]);
    assert!(lines.len() >= 4, "{} captures", lines.len());
    for l in &lines {
        for j in JUDGES {
            assert_eq!(
                l[j],
                "accept",
                "{}: {j}: {}",
                l["file"],
                l[format!("{j}_reason")]
            );
        }
    }
}

#[test]
fn judges_reject_a_tampered_capture() {
    let Some(py) = python() else { return };
    let text = std::fs::read_to_string(manifest().join("data/browser/chromium-es256-get-1.json"))
        .expect("capture");
    let mut v: Value = serde_json::from_str(&text).expect("json");
    let sig = v["credential"]["response"]["signature"]
        .as_str()
        .expect("signature");
    let mut bytes = unb64(sig).expect("base64url");
    if let Some(b) = bytes.last_mut() {
        *b ^= 1;
    }
    v["credential"]["response"]["signature"] = json!(b64(&bytes));
    let dir = std::env::temp_dir().join(format!("mynafido-judge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("tampered.json");
    std::fs::write(&path, v.to_string()).expect("write");
    let lines = run_judges(&py, &[&path]);
    let _ = std::fs::remove_dir_all(&dir);
    for j in JUDGES {
        assert_eq!(lines[0][j], "reject", "{j} accepted a flipped signature");
    }
}

#[test]
fn comparison_reports_unlisted_and_stale_rows() {
    let found = vec![(
        "get-x.json".to_owned(),
        "fido2".to_owned(),
        "reject: bad-signature".to_owned(),
        "accept".to_owned(),
    )];
    let stale = vec![(
        "get-y.json".to_owned(),
        "fido2".to_owned(),
        "accept".to_owned(),
        "reject".to_owned(),
        "a reason".to_owned(),
    )];
    let problems = unexplained(&found, &stale);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("stale row: get-y.json"));
    assert!(problems[1].starts_with("unlisted: | `get-x.json` | fido2"));
    let listed_ok = vec![(
        "get-x.json".to_owned(),
        "fido2".to_owned(),
        "reject: bad-signature".to_owned(),
        "accept".to_owned(),
        "why".to_owned(),
    )];
    assert!(unexplained(&found, &listed_ok).is_empty());
}
