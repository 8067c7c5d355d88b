//! `bench-report`: measures every verification case briefly, runs `openssl speed` in the same run,
//! measures 1- and 2-thread throughput, and writes `reports/bench.json` and `reports/bench.md`
//! (issue 6; the JSON shape is documented in `benches::report`).

use benches::fixtures::{self, Alg};
use benches::machine::{self, Machine};
use benches::measure::{rate, rate_on_threads};
use benches::openssl;
use benches::report::{self, CaseResult, Run, ScalingResult, ShaResult};
use benches::verify::{Backend, KeyForm, Verifier, VerifierError, sha256};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Measure signature verification on RustCrypto, ring, aws-lc-rs and openssl, and write the
/// comparison report.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Directory for bench.json and bench.md.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../reports"))]
    out_dir: PathBuf,
    /// Seconds of measurement per verification case.
    #[arg(long, default_value_t = 2.0, value_parser = parse_seconds)]
    seconds: f64,
    /// The -seconds argument of `openssl speed`.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=60))]
    openssl_seconds: u32,
    /// Do not run openssl (its fields become null).
    #[arg(long)]
    no_openssl: bool,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.01..=60.0).contains(&x) => Ok(x),
        _ => Err(format!("`{s}` is not a number of seconds in 0.01..=60")),
    }
}

#[derive(Debug, thiserror::Error)]
enum ReportError {
    #[error(transparent)]
    Fixtures(#[from] fixtures::FixtureError),
    #[error(transparent)]
    Verifier(#[from] VerifierError),
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("encoding the JSON report: {0}")]
    Json(#[from] serde_json::Error),
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-report: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), ReportError> {
    let start = Instant::now();
    let load_before = machine::load_average();
    let budget = Duration::from_secs_f64(args.seconds);
    eprintln!("generating keys (RSA-2048 takes a moment)...");
    let fx = fixtures::generate(fixtures::DEFAULT_SEED)?;

    let mut cases = Vec::new();
    for alg in Alg::ALL {
        let fixture = fx.get(alg);
        let n = fixture.samples.len() as u64;
        for form in KeyForm::ALL {
            for backend in Backend::ALL {
                let v = Verifier::new(backend, form, fixture)?;
                let r = rate(budget, |i| {
                    let s = &fixture.samples[(i % n) as usize];
                    v.verify(&s.message, &s.signature)
                });
                eprintln!("{:<28} {:>10.0}/s", v.id(), r.median);
                cases.push(CaseResult {
                    alg,
                    backend,
                    form,
                    rate: r,
                });
            }
        }
    }

    let mut sha = Vec::new();
    let sha_budget = budget / 2;
    for size in sha256::SIZES {
        let data = vec![0xa5u8; size];
        for (name, f) in [
            ("sha2", sha256::sha2 as fn(&[u8]) -> [u8; 32]),
            ("ring", sha256::ring),
            ("aws-lc-rs", sha256::aws_lc),
        ] {
            let r = rate(sha_budget, |_| f(std::hint::black_box(&data)));
            eprintln!("sha256/{size}/{name:<18} {:>10.0}/s", r.median);
            sha.push(ShaResult {
                implementation: name,
                size,
                rate: r,
            });
        }
    }

    // Scaling with the fastest backend of this run for each algorithm.
    let mut run = Run {
        machine: Machine::detect(),
        load_before,
        load_after: None,
        case_budget: budget,
        cases,
        sha256: sha,
        scaling: Vec::new(),
        openssl_command: openssl::args(args.openssl_seconds).join(" "),
        openssl: Err("not run".into()),
        assertion: Err(
            "the `vectors` verifier (`vectors::sig`) has not landed in this workspace yet".into(),
        ),
        elapsed: Duration::ZERO,
    };
    for alg in Alg::ALL {
        let backend = run.fastest(alg).map_or(Backend::AwsLc, |(b, _)| b);
        let fixture = fx.get(alg);
        let n = fixture.samples.len() as u64;
        let v = Verifier::new(backend, KeyForm::Parsed, fixture)?;
        let op = |i: u64| {
            let s = &fixture.samples[(i % n) as usize];
            v.verify(&s.message, &s.signature)
        };
        let one = rate_on_threads(1, budget, op);
        let two = rate_on_threads(2, budget, op);
        eprintln!(
            "threads {} {}: 1 -> {:.0}/s, 2 -> {:.0}/s",
            alg.name(),
            backend.name(alg),
            one.median,
            two.median
        );
        run.scaling.push(ScalingResult {
            alg,
            backend,
            one,
            two,
        });
    }

    run.openssl = if args.no_openssl {
        Err("not run (--no-openssl)".into())
    } else {
        eprintln!("openssl {} ...", run.openssl_command);
        openssl::run(args.openssl_seconds).map_err(|e| e.to_string())
    };
    match &run.openssl {
        Ok(s) => eprintln!(
            "openssl: ecdsa p256 verify {:.0}/s, rsa2048 verify {:.0}/s",
            s.ecdsa_p256_verify, s.rsa2048_verify
        ),
        Err(e) => eprintln!("openssl: {e}"),
    }

    run.load_after = machine::load_average();
    run.elapsed = start.elapsed();
    let mut json = serde_json::to_string_pretty(&run.json())?;
    json.push('\n');
    let md = run.markdown();
    std::fs::create_dir_all(&args.out_dir).map_err(|source| ReportError::Write {
        path: args.out_dir.clone(),
        source,
    })?;
    for (name, bytes) in [("bench.json", json.as_bytes()), ("bench.md", md.as_bytes())] {
        let path = args.out_dir.join(name);
        report::write_atomic(&path, bytes).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        eprintln!("wrote {}", path.display());
    }
    print!("{json}");
    Ok(())
}
