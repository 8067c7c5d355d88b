//! `openssl speed`, the reference figure of the comparison (`DESIGN.md` §7).
//!
//! The report runs `openssl speed -seconds N ecdsap256 rsa2048` and reads the `verify/s` column of
//! its two result tables. The output format, as openssl-speed(1) prints it (OpenSSL 3.0):
//!
//! ```text
//! version: 3.0.x
//! ...
//!                   sign    verify    sign/s verify/s
//! rsa 2048 bits 0.000421s 0.000022s   2373.7  45043.8
//!                               sign    verify    sign/s verify/s
//!  256 bits ecdsa (nistp256)   0.0000s   0.0001s  33465.5  12882.6
//! ```
//!
//! Each table has a header line of column names and data lines whose last fields are one value
//! per column. Later OpenSSL versions add columns to the RSA table (encrypt, decrypt, encr./s,
//! decr./s), so the parser finds `verify/s` by its position in the header rather than assuming it
//! is the last field.
//!
//! What `openssl speed` measures differs slightly from the Rust cases: it verifies a fixed digest
//! (no hashing of a message) with a key parsed once, so it is an upper bound for the same work;
//! the cost of hashing a 69-byte message is in the `sha256/*` cases.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The figures read from one `openssl speed` run.
#[derive(Debug, Clone, PartialEq)]
pub struct Speed {
    /// The `version:` line, if printed.
    pub version: Option<String>,
    /// ECDSA P-256 verifications per second (the `256 bits ecdsa (nistp256)` row).
    pub ecdsa_p256_verify: f64,
    /// RSA-2048 verifications per second (the `rsa 2048 bits` row).
    pub rsa2048_verify: f64,
}

/// Why no `openssl speed` figure is available.
#[derive(Debug, thiserror::Error)]
pub enum OpensslError {
    /// No `openssl` executable on PATH.
    #[error("openssl is not installed (no `openssl` on PATH)")]
    NotInstalled,
    /// It could not be started or read.
    #[error("could not run openssl: {0}")]
    Io(#[from] std::io::Error),
    /// It did not finish in time and was killed.
    #[error("openssl speed did not finish within {0:?}")]
    Timeout(Duration),
    /// It exited with an error.
    #[error("openssl speed failed ({status}): {stderr}")]
    Failed {
        /// The exit status.
        status: String,
        /// The end of its standard error.
        stderr: String,
    },
    /// The output did not have the expected row.
    #[error("no `{0}` row with a verify/s column in the openssl speed output")]
    MissingRow(&'static str),
    /// A verify/s field was not a number.
    #[error("verify/s field `{0}` is not a number")]
    BadNumber(String),
}

/// The arguments passed to `openssl`.
pub fn args(seconds: u32) -> Vec<String> {
    vec![
        "speed".into(),
        "-seconds".into(),
        seconds.to_string(),
        "ecdsap256".into(),
        "rsa2048".into(),
    ]
}

/// Runs `openssl speed -seconds <seconds> ecdsap256 rsa2048` and parses its output. The run takes
/// about 4 x `seconds` (sign and verify for each algorithm); it is killed after 8 x `seconds`
/// + 30 s.
pub fn run(seconds: u32) -> Result<Speed, OpensslError> {
    let mut child = match Command::new("openssl")
        .args(args(seconds))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(OpensslError::NotInstalled);
        }
        Err(e) => return Err(e.into()),
    };
    // Read both pipes on threads so that a full pipe cannot block the child.
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let limit = Duration::from_secs(8 * u64::from(seconds) + 30);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > limit {
            child.kill()?;
            child.wait()?;
            return Err(OpensslError::Timeout(limit));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        let tail: String = stderr.lines().rev().take(3).collect::<Vec<_>>().join(" / ");
        return Err(OpensslError::Failed {
            status: status.to_string(),
            stderr: tail,
        });
    }
    parse(&stdout)
}

/// Parses the standard output of `openssl speed ecdsap256 rsa2048` (format in the module docs).
pub fn parse(output: &str) -> Result<Speed, OpensslError> {
    let mut version = None;
    let mut header: Vec<&str> = Vec::new();
    let mut rsa = None;
    let mut ecdsa = None;
    for line in output.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let Some(v) = line.trim().strip_prefix("version:") {
            version = Some(v.trim().to_string());
        } else if fields.contains(&"verify/s") && fields.iter().all(|f| !is_number(f)) {
            header = fields;
        } else if fields.starts_with(&["rsa", "2048", "bits"]) {
            rsa = Some(verify_field(&header, &fields)?);
        } else if line.contains("ecdsa (nistp256)") {
            ecdsa = Some(verify_field(&header, &fields)?);
        }
    }
    Ok(Speed {
        version,
        ecdsa_p256_verify: ecdsa.ok_or(OpensslError::MissingRow("ecdsa (nistp256)"))?,
        rsa2048_verify: rsa.ok_or(OpensslError::MissingRow("rsa 2048 bits"))?,
    })
}

fn is_number(field: &str) -> bool {
    field.trim_end_matches('s').parse::<f64>().is_ok()
}

/// The value under `verify/s` in a data row: the row ends with one value per header column.
fn verify_field(header: &[&str], row: &[&str]) -> Result<f64, OpensslError> {
    let col = header
        .iter()
        .position(|h| *h == "verify/s")
        .ok_or(OpensslError::MissingRow("verify/s header"))?;
    let first_value = row
        .len()
        .checked_sub(header.len())
        .ok_or(OpensslError::MissingRow("data"))?;
    let field = row[first_value + col];
    match field.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(OpensslError::BadNumber(field.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by hand in the layout of OpenSSL 3.0's `openssl speed` (numbers made up).
    const SAMPLE_3_0: &str = "\
version: 3.0.99
built on: a day
options: bn(64,64)
compiler: cc -O2
CPUINFO: OPENSSL_ia32cap=0x0:0x0
                  sign    verify    sign/s verify/s
rsa 2048 bits 0.000500s 0.000020s   2000.0  50000.5
                              sign    verify    sign/s verify/s
 256 bits ecdsa (nistp256)   0.0000s   0.0001s  30000.0  12345.6
";

    /// Written by hand in the layout of OpenSSL 3.2 and later, whose RSA table has encrypt and
    /// decrypt columns after verify/s (numbers made up).
    const SAMPLE_3_2: &str = "\
version: 3.2.99
                   sign    verify    encrypt   decrypt   sign/s verify/s  encr./s  decr./s
rsa  2048 bits 0.000500s 0.000020s 0.000021s 0.000510s   2000.0  49999.0  47000.0   1960.0
                              sign    verify    sign/s verify/s
 256 bits ecdsa (nistp256)   0.0000s   0.0001s  30000.0  23456.7
";

    #[test]
    fn parses_the_3_0_layout() -> Result<(), OpensslError> {
        let s = parse(SAMPLE_3_0)?;
        assert_eq!(s.version.as_deref(), Some("3.0.99"));
        assert_eq!(s.rsa2048_verify, 50000.5);
        assert_eq!(s.ecdsa_p256_verify, 12345.6);
        Ok(())
    }

    #[test]
    fn parses_the_3_2_layout_by_header_position() -> Result<(), OpensslError> {
        // The last field of the RSA row is decr./s (1960.0); verify/s is the 6th of 8 columns.
        let s = parse(SAMPLE_3_2)?;
        assert_eq!(s.rsa2048_verify, 49999.0);
        assert_eq!(s.ecdsa_p256_verify, 23456.7);
        Ok(())
    }

    #[test]
    fn missing_rows_and_bad_numbers_are_errors() {
        let no_ecdsa: String = SAMPLE_3_0
            .lines()
            .filter(|l| !l.contains("ecdsa"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(matches!(
            parse(&no_ecdsa),
            Err(OpensslError::MissingRow("ecdsa (nistp256)"))
        ));
        assert!(matches!(
            parse("version: 3.0.0\n"),
            Err(OpensslError::MissingRow(_))
        ));
        let bad = SAMPLE_3_0.replace("50000.5", "lots");
        assert!(matches!(parse(&bad), Err(OpensslError::BadNumber(f)) if f == "lots"));
        // A data row before any header has no verify/s column to read.
        assert!(parse("rsa 2048 bits 0.1s 0.1s 10.0 10.0\n").is_err());
    }

    #[test]
    fn args_are_the_documented_command() {
        assert_eq!(
            args(3).join(" "),
            "speed -seconds 3 ecdsap256 rsa2048".to_string()
        );
    }
}
