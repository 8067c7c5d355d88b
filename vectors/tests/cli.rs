//! The `vectors verify` contract: output line and exit code (0 accept, 1 reject, 2 unusable).

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vectors"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn accept_reject_and_unusable() {
    assert_eq!(
        run(&["verify", "data/get-es256-accept.json"]),
        (0, "accept\n".into(), String::new())
    );
    assert_eq!(
        run(&["verify", "data/get-es256-wrong-origin.json"]),
        (1, "reject: wrong-origin\n".into(), String::new())
    );
    assert_eq!(
        run(&["verify", "--backend", "ring", "data/jpki-cert-revoked.json"]),
        (1, "reject: cert-revoked\n".into(), String::new())
    );
    assert_eq!(
        run(&["verify", "data/seq-recovery-old-credential.json"]),
        (
            1,
            "reject: credential-revoked (step 8)\n".into(),
            String::new()
        )
    );
    let (code, out, err) = run(&["verify", "Cargo.toml"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(err.lines().count(), 1, "one-line error: {err}");
    let (code, _, err) = run(&["verify", "data/no-such-file.json"]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "one-line error: {err}");
}

#[test]
fn generate_writes_the_committed_files() {
    let dir = std::env::temp_dir().join(format!("vectors-cli-{}", std::process::id()));
    let dir_s = dir.to_string_lossy().into_owned();
    let (code, out, _) = run(&["generate", "--seed", "1", "--out", &dir_s]);
    assert_eq!(code, 0);
    // As many files as data/ holds at its top level (tests/vectors.rs pins that count).
    let committed = std::fs::read_dir(format!("{}/data", env!("CARGO_MANIFEST_DIR")))
        .expect("data/ exists")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count();
    assert!(
        out.starts_with(&format!("wrote {committed} files")),
        "{out}"
    );
    let same = std::fs::read(dir.join("jpki-accept.json")).ok()
        == std::fs::read(format!(
            "{}/data/jpki-accept.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .ok();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(same);
}
