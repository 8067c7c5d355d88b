//! Writing the report: `risk.csv`, `risk.json`, `risk.svg`, the printed table, and for shards
//! `risk.state.json`. Everything is rendered in memory first; [`write_all`] then puts the files
//! in place together or not at all (see there).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

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

/// An optional number for a CSV cell: empty when absent, shortest round-trip notation otherwise.
pub fn opt(x: Option<f64>) -> String {
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

/// The staging directory inside an output directory: the new files, the old ones' backups and
/// the undo manifest of an install in progress. A fixed name, so a killed run leaves at most
/// one, which the next write into the same directory rolls back and removes.
pub const STAGING: &str = ".sim-staging";
const BACKUPS: &str = ".old";
const MANIFEST: &str = ".manifest";

/// Write `files` (plain file names) into `dir`, all of them or none: the old set stays in place
/// until every new file is complete, and a failure or a kill part-way leaves the old set.
///
/// 1. Lock `dir` (an exclusive `flock` on the directory: concurrent runs into one directory take
///    turns) and roll back what a killed run left ([`recover`]).
/// 2. Write every file into `dir/.sim-staging/` and fsync it; refuse a target that is a directory.
/// 3. Hard-link each existing target into `.sim-staging/.old/` (a backup that costs no copy),
///    then write and fsync the manifest (which names existed before): from here an interrupted
///    install is undone by [`recover`].
/// 4. Rename the new files into place (each rename is atomic); if one fails, undo the others
///    and report the error.
/// 5. Fsync `dir`, delete the manifest (the commit), delete the staging directory.
///
/// Readers of `dir` during step 4 (a few renames) can see a mix; what stays on disk after any
/// failure or kill is one whole set. Reusable by any command that writes a set of files.
pub fn write_all(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), OutputError> {
    write_with(dir, files, &mut |from, to| std::fs::rename(from, to), None)
}

fn io_err(p: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: p.display().to_string(),
        source,
    }
}

/// [`write_all`] with the rename injectable and, for tests, `stop_after`: return after that
/// many renames without cleaning up, as a killed process would.
fn write_with(
    dir: &Path,
    files: &[(&str, Vec<u8>)],
    rename: &mut dyn FnMut(&Path, &Path) -> std::io::Result<()>,
    stop_after: Option<usize>,
) -> Result<(), OutputError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let lock = std::fs::File::open(dir).map_err(io_err(dir))?;
    lock.lock().map_err(io_err(dir))?;
    recover(dir)?;
    let staging = dir.join(STAGING);
    let backups = staging.join(BACKUPS);
    std::fs::create_dir_all(&backups).map_err(io_err(&backups))?;
    let result = (|| {
        for (name, bytes) in files {
            let tmp = staging.join(name);
            let mut f = std::fs::File::create(&tmp).map_err(io_err(&tmp))?;
            f.write_all(bytes).map_err(io_err(&tmp))?;
            f.sync_all().map_err(io_err(&tmp))?;
        }
        let mut manifest = String::new();
        for (name, _) in files {
            let target = dir.join(name);
            let existed = match std::fs::symlink_metadata(&target) {
                Ok(m) if m.is_dir() => {
                    return Err(OutputError::Io {
                        path: target.display().to_string(),
                        source: std::io::Error::new(
                            std::io::ErrorKind::IsADirectory,
                            "is a directory, not a file this run may replace",
                        ),
                    });
                }
                Ok(_) => {
                    let backup = backups.join(name);
                    std::fs::hard_link(&target, &backup)
                        .or_else(|_| std::fs::copy(&target, &backup).map(|_| ()))
                        .map_err(io_err(&backup))?;
                    true
                }
                Err(_) => false,
            };
            let _ = writeln!(manifest, "{}\t{}", u8::from(existed), name);
        }
        let m = staging.join(MANIFEST);
        let mut f = std::fs::File::create(&m).map_err(io_err(&m))?;
        f.write_all(manifest.as_bytes()).map_err(io_err(&m))?;
        f.sync_all().map_err(io_err(&m))?;
        sync_dir(&staging)?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    for (i, (name, _)) in files.iter().enumerate() {
        if stop_after == Some(i) {
            return Ok(());
        }
        let target = dir.join(name);
        if let Err(source) = rename(&staging.join(name), &target) {
            let _ = recover(dir);
            return Err(OutputError::Io {
                path: target.display().to_string(),
                source,
            });
        }
    }
    sync_dir(dir)?;
    let m = staging.join(MANIFEST);
    std::fs::remove_file(&m).map_err(io_err(&m))?;
    std::fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
    drop(lock);
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), OutputError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

/// Undo what an interrupted [`write_all`] into `dir` left: with a manifest (the install had
/// begun), put every backup back and remove the new files of names that did not exist before;
/// in any case remove the staging directory. Nothing to do if there is none.
pub fn recover(dir: &Path) -> Result<(), OutputError> {
    let staging = dir.join(STAGING);
    if std::fs::symlink_metadata(&staging).is_err() {
        return Ok(());
    }
    if let Ok(manifest) = std::fs::read_to_string(staging.join(MANIFEST)) {
        for line in manifest.lines() {
            let Some((existed, name)) = line.split_once('\t') else {
                continue;
            };
            // Only plain names were written; ignore anything else.
            if name.is_empty() || name.contains('/') || name.starts_with('.') {
                continue;
            }
            let target = dir.join(name);
            if existed == "1" {
                let backup = staging.join(BACKUPS).join(name);
                if backup.exists() {
                    std::fs::rename(&backup, &target).map_err(io_err(&target))?;
                }
            } else if !staging.join(name).exists() {
                // Installed by the interrupted run, absent before.
                let _ = std::fs::remove_file(&target);
            }
        }
        sync_dir(dir)?;
    }
    std::fs::remove_dir_all(&staging).map_err(io_err(&staging))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("sim-out-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn set(tag: &str) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (CSV, format!("{tag} csv").into_bytes()),
            (JSON, format!("{tag} json").into_bytes()),
            (SVG, format!("{tag} svg").into_bytes()),
        ]
    }

    fn contents(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|r| {
                r.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
            .into_iter()
            .map(|n| {
                let body = std::fs::read_to_string(dir.join(&n)).unwrap_or_else(|_| "<dir>".into());
                format!("{n}={body}")
            })
            .collect()
    }

    #[test]
    fn writes_the_set_and_leaves_no_staging() {
        let d = scratch("plain");
        write_all(&d, &set("old")).expect("first write");
        write_all(&d, &set("new")).expect("second write");
        assert_eq!(
            contents(&d),
            ["risk.csv=new csv", "risk.json=new json", "risk.svg=new svg"]
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    /// A target that is a directory: refused before anything is replaced.
    #[test]
    fn a_directory_in_the_way_replaces_nothing() {
        let d = scratch("dir-in-way");
        write_all(&d, &set("old")).expect("first write");
        std::fs::remove_file(d.join(SVG)).expect("remove svg");
        std::fs::create_dir_all(d.join(SVG).join("x")).expect("svg dir");
        let e = write_all(&d, &set("new")).expect_err("svg is a directory");
        assert!(e.to_string().contains("risk.svg"), "{e}");
        assert_eq!(
            contents(&d),
            ["risk.csv=old csv", "risk.json=old json", "risk.svg=<dir>"]
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    /// The second rename fails: the first is undone, the old set is back, nothing staged stays.
    /// Negative control: without the undo the new csv would sit beside the old json.
    #[test]
    fn a_failed_rename_puts_the_old_set_back() {
        let d = scratch("fail");
        write_all(&d, &set("old")).expect("first write");
        let mut n = 0;
        let mut failing = |a: &Path, b: &Path| {
            n += 1;
            if n == 2 {
                Err(std::io::Error::other("injected"))
            } else {
                std::fs::rename(a, b)
            }
        };
        let e = write_with(&d, &set("new"), &mut failing, None).expect_err("injected");
        assert!(e.to_string().contains("injected"), "{e}");
        assert_eq!(
            contents(&d),
            ["risk.csv=old csv", "risk.json=old json", "risk.svg=old svg"]
        );
        // A name that did not exist before is removed again.
        let d2 = scratch("fail-new");
        let mut n = 0;
        let mut failing = |a: &Path, b: &Path| {
            n += 1;
            if n == 3 {
                Err(std::io::Error::other("injected"))
            } else {
                std::fs::rename(a, b)
            }
        };
        assert!(write_with(&d2, &set("new"), &mut failing, None).is_err());
        assert_eq!(contents(&d2), Vec::<String>::new());
        let _ = std::fs::remove_dir_all(&d);
        let _ = std::fs::remove_dir_all(&d2);
    }

    /// A run killed after one rename leaves a mix on disk and its staging directory; the next
    /// write (or `recover`) rolls it back first, so the mix never stays and nothing accumulates.
    #[test]
    fn a_killed_install_is_rolled_back() {
        let d = scratch("killed");
        write_all(&d, &set("old")).expect("first write");
        write_with(&d, &set("new"), &mut |a, b| std::fs::rename(a, b), Some(1))
            .expect("stopped after one rename");
        let mixed = contents(&d);
        assert!(mixed.contains(&"risk.csv=new csv".to_string()), "{mixed:?}");
        assert!(
            mixed.contains(&"risk.json=old json".to_string()),
            "{mixed:?}"
        );
        assert!(mixed.iter().any(|x| x.starts_with(STAGING)), "{mixed:?}");
        recover(&d).expect("recover");
        assert_eq!(
            contents(&d),
            ["risk.csv=old csv", "risk.json=old json", "risk.svg=old svg"]
        );
        // Killed while staging (no manifest yet): the next write just removes the staging.
        std::fs::create_dir_all(d.join(STAGING)).expect("stale staging");
        std::fs::write(d.join(STAGING).join(CSV), "partial").expect("partial file");
        write_all(&d, &set("newer")).expect("write after a kill");
        assert_eq!(
            contents(&d),
            [
                "risk.csv=newer csv",
                "risk.json=newer json",
                "risk.svg=newer svg"
            ]
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}
