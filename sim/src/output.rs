//! Writing the report: `risk.csv`, `risk.json`, `risk.svg`, the printed table, and for shards
//! `risk.state.json`. Everything is rendered in memory first, then written to temporary files in
//! the output directory and renamed into place, so an error leaves no half-written file.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::run::{Report, ShardState};

/// File names inside the output directory.
pub const CSV: &str = "risk.csv";
pub const JSON: &str = "risk.json";
pub const SVG: &str = "risk.svg";
pub const STATE: &str = "risk.state.json";

/// Output failure.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("rendering {what}: {message}")]
    Render { what: &'static str, message: String },
}

/// A ratio for people: three significant digits, scientific below 0.001.
pub fn sig3(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else if x >= 1.0 {
        format!("{x:.2}")
    } else if x >= 0.001 {
        format!("{x:.3}")
    } else {
        format!("{x:.2e}")
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| format!("{v:e}"))
}

/// `risk.csv`: one line per row, probabilities in shortest round-trip scientific notation.
pub fn csv(r: &Report) -> Result<Vec<u8>, OutputError> {
    let render = |e: csv::Error| OutputError::Render {
        what: "csv",
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "policy",
        "attacker",
        "exact",
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        "method",
        "trials",
        "ratio_to_baseline",
        "bio_presentations",
        "pin_guesses",
        "hits",
    ])
    .map_err(render)?;
    for row in &r.rows {
        w.write_record([
            row.policy.clone(),
            row.attacker.clone(),
            opt(row.exact),
            format!("{:e}", row.estimate),
            format!("{:e}", row.std_error),
            format!("{:e}", row.ci_low),
            format!("{:e}", row.ci_high),
            row.method.clone(),
            row.trials.to_string(),
            opt(row.ratio_to_baseline),
            row.bio_presentations
                .map_or(String::new(), |v| v.to_string()),
            row.pin_guesses.map_or(String::new(), |v| v.to_string()),
            row.hits.to_string(),
        ])
        .map_err(render)?;
    }
    w.into_inner().map_err(|e| OutputError::Render {
        what: "csv",
        message: e.to_string(),
    })
}

/// Pretty JSON with a final newline.
pub fn json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, OutputError> {
    let mut s = serde_json::to_vec_pretty(v).map_err(|e| OutputError::Render {
        what: "json",
        message: e.to_string(),
    })?;
    s.push(b'\n');
    Ok(s)
}

/// The printed table.
pub fn table(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scenario {}  seed {}  trials {}  window {} h  baseline {}{}",
        r.scenario,
        r.seed,
        r.trials,
        r.window_hours,
        r.baseline.as_deref().unwrap_or("-"),
        r.shard
            .as_ref()
            .map_or(String::new(), |s| format!("  shard {s}")),
    );
    let pw = r
        .rows
        .iter()
        .map(|x| x.policy.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let aw = r
        .rows
        .iter()
        .map(|x| x.attacker.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        out,
        "{:pw$}  {:aw$}  {:>5}  {:>5}  {:>10}  {:>10}  {:>8}  {:>21}  {:>9}  method",
        "policy", "attacker", "bio", "pin", "exact", "estimate", "std err", "95% interval", "ratio"
    );
    for x in &r.rows {
        let n = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
        let _ = writeln!(
            out,
            "{:pw$}  {:aw$}  {:>5}  {:>5}  {:>10}  {:>10.3e}  {:>8.1e}  [{:>9.3e}, {:>9.3e}]  {:>9}  {}",
            x.policy,
            x.attacker,
            n(x.bio_presentations),
            n(x.pin_guesses),
            x.exact.map_or("-".into(), |v| format!("{v:.3e}")),
            x.estimate,
            x.std_error,
            x.ci_low,
            x.ci_high,
            x.ratio_to_baseline.map_or("-".into(), sig3),
            x.method,
        );
    }
    for s in &r.skipped {
        let _ = writeln!(out, "skipped {} x {}: {}", s.policy, s.attacker, s.reason);
    }
    out
}

/// Render every file of a report.
pub fn files(
    r: &Report,
    state: Option<&ShardState>,
) -> Result<Vec<(&'static str, Vec<u8>)>, OutputError> {
    let mut f = vec![
        (CSV, csv(r)?),
        (JSON, json(r)?),
        (SVG, crate::plot::svg(r)?.into_bytes()),
    ];
    if let Some(s) = state {
        f.push((STATE, json(s)?));
    }
    Ok(f)
}

/// Write `files` into `dir` atomically per file: temp file, fsync, rename. Temporaries are
/// removed on error.
pub fn write_all(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), OutputError> {
    let io = |p: &Path| {
        let path = p.display().to_string();
        move |source| OutputError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for (name, bytes) in files {
            let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
            let target = dir.join(name);
            temps.push((tmp.clone(), target));
            let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(bytes).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        for (tmp, target) in &temps {
            std::fs::rename(tmp, target).map_err(io(target))?;
        }
        Ok(())
    })();
    if result.is_err() {
        for (tmp, _) in &temps {
            let _ = std::fs::remove_file(tmp);
        }
    }
    result
}
