//! The README's Slurm array job really runs (issue 11): `sim/slurm/national-array.sh` is
//! submitted to the local Slurm that `scripts/setup.d/40-slurm.sh` starts, waited for with a
//! bounded timeout, merged with `sim merge`, and compared byte for byte with the unsharded run.
//! Without Slurm (`sbatch` missing or `MYNAFIDO_SLURM` unset) the test is skipped, except under
//! `CI=true`, where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const FILES: [&str; 4] = [
    "national.csv",
    "national.json",
    "national.svg",
    "sensitivity.svg",
];

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("slurm/national-array.sh")
}

fn slurm_available() -> bool {
    std::env::var("MYNAFIDO_SLURM").is_ok_and(|v| v == "1")
        && Command::new("sinfo")
            .arg("-h")
            .output()
            .is_ok_and(|o| o.status.success())
}

/// The README shows the script the test submits, verbatim.
#[test]
fn readme_shows_the_submitted_script() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let text = std::fs::read_to_string(script()).expect("script");
    assert!(
        readme.contains(text.trim_end()),
        "README differs from {}",
        script().display()
    );
}

#[test]
fn slurm_array_shards_merge_to_the_unsharded_run() {
    if !slurm_available() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but Slurm is not available (scripts/setup.d/40-slurm.sh exports MYNAFIDO_SLURM=1)"
        );
        eprintln!("skipped: no local Slurm (run scripts/test, which starts it)");
        return;
    }
    let sim = env!("CARGO_BIN_EXE_sim");
    let dir = std::env::temp_dir().join(format!("sim-slurm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    let trials = "600";
    let out = Command::new("sbatch")
        .arg("--parsable")
        .arg(format!("--chdir={}", dir.display()))
        .arg(format!(
            "--export=ALL,SIM={sim},OUT={},TRIALS={trials}",
            dir.display()
        ))
        .arg(script())
        .output()
        .expect("sbatch runs");
    assert!(
        out.status.success(),
        "sbatch: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let job = String::from_utf8_lossy(&out.stdout)
        .trim()
        .split(';')
        .next()
        .unwrap_or("")
        .to_string();
    assert!(!job.is_empty(), "no job id");
    // Wait until no task of the array is queued or running, at most 5 minutes.
    let start = Instant::now();
    loop {
        let q = Command::new("squeue")
            .args(["-h", "-j", &job, "-o", "%i %T"])
            .output()
            .expect("squeue runs");
        if String::from_utf8_lossy(&q.stdout).trim().is_empty() {
            break;
        }
        if start.elapsed() > Duration::from_secs(300) {
            let _ = Command::new("scancel").arg(&job).status();
            panic!("array job {job} still queued after 300 s");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let shards: Vec<String> = (0..3)
        .map(|i| dir.join(format!("shards/{i}")).display().to_string())
        .collect();
    for s in &shards {
        assert!(
            Path::new(s).join("national.state.json").exists(),
            "{s}: no state file (see {}/slurm-{job}_*.out)",
            dir.display()
        );
    }
    let merged = dir.join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(shards.iter().cloned());
    args.extend(["--out".into(), merged.display().to_string()]);
    let m = Command::new(sim).args(&args).output().expect("merge runs");
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let whole = dir.join("whole");
    let w = Command::new(sim)
        .args(["national", "--trials", trials, "--out"])
        .arg(&whole)
        .output()
        .expect("sim runs");
    assert!(w.status.success(), "{}", String::from_utf8_lossy(&w.stderr));
    for f in FILES {
        let a = std::fs::read(merged.join(f)).expect("merged file");
        let b = std::fs::read(whole.join(f)).expect("whole file");
        assert!(
            a == b,
            "{f}: the Slurm shards' merge differs from the unsharded run"
        );
    }
}
