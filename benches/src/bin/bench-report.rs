//! `bench-report`: measures every verification case briefly, runs `openssl speed` in the same run,
//! measures the whole assertion check on 1 and 2 threads, and writes `reports/bench.json` and
//! `reports/bench.md` (issue 6; the JSON shape is documented in `benches::report`).

use benches::assertion::{self, AssertionError, Prepared, steps};
use benches::fixtures::{self, Alg};
use benches::machine::{self, Machine};
use benches::measure::{Paired, Rate, median, paired, rate, rate_on_threads};
use benches::openssl;
use benches::report::{
    self, AssertionResult, CaseResult, Run, ScalingResult, ShaResult, SigLayerResult,
};
use benches::verify::{Backend, KeyForm, Verifier, VerifierError, sha256};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Measure signature verification on RustCrypto, ring, aws-lc-rs and openssl, and the whole
/// WebAuthn assertion check of the `vectors` verifier, and write the comparison report.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Directory for bench.json and bench.md.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../reports"))]
    out_dir: PathBuf,
    /// Seconds of measurement per case (SHA-256 cases get half).
    #[arg(long, default_value_t = 2.0, value_parser = parse_seconds)]
    seconds: f64,
    /// Interleaved rounds the measurement of each case is split into.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100))]
    rounds: u32,
    /// The -seconds argument of `openssl speed`.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=60))]
    openssl_seconds: u32,
    /// How many times to run `openssl speed`, spread over the measuring rounds (the report
    /// takes the median), so that it sees the same drift of the machine as the Rust cases.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
    openssl_runs: u32,
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
    #[error(transparent)]
    Assertion(#[from] AssertionError),
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

/// What a measured case is, to file its result.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Verify(Alg, Backend, KeyForm),
    SigLayer(Alg, Backend),
    ParseOnly(Alg),
    Step(Alg, &'static str),
    Sha(&'static str, usize),
}

/// A timed operation: call index -> result (kept through `black_box`).
type Op<'a> = Box<dyn Fn(u64) -> bool + Sync + 'a>;

/// A case: its id, kind, share of the per-case budget, and the operation.
struct Case<'a> {
    id: String,
    kind: Kind,
    share: f64,
    op: Op<'a>,
}

/// The decoded clientDataJSON of a prepared case (decoded once, outside the timed step).
fn client_data(p: &Prepared) -> Vec<u8> {
    steps::parse_credential(&p.sample.credential_json)
        .and_then(|c| steps::decode_fields(&c))
        .map(|(cd, _, _)| cd)
        .unwrap_or_default()
}

fn cycle<T>(items: &[T], i: u64) -> &T {
    &items[(i % items.len() as u64) as usize]
}

fn run(args: &Args) -> Result<(), ReportError> {
    let start = Instant::now();
    let load_before = machine::load_average();
    let budget = Duration::from_secs_f64(args.seconds);
    eprintln!("generating keys (RSA-2048 takes a moment)...");
    let fx = fixtures::generate(fixtures::DEFAULT_SEED)?;
    let default = vectors::sig::Backend::default();
    let default_backend = assertion::backend_of(default);

    // Everything is prepared (and self-checked) before anything is timed.
    let mut verifiers = Vec::new();
    for alg in Alg::ALL {
        for form in KeyForm::ALL {
            for backend in Backend::ALL {
                verifiers.push(Verifier::new(backend, form, fx.get(alg))?);
            }
        }
    }
    let mut layers: Vec<(Alg, Backend, Vec<Prepared>)> = Vec::new();
    for alg in Alg::ALL {
        for b in vectors::sig::Backend::ALL {
            let prepared = assertion::prepare(&fx, alg, b, fixtures::SAMPLES)?;
            layers.push((alg, assertion::backend_of(b), prepared));
        }
    }
    let default_cases = |alg: Alg| {
        layers
            .iter()
            .find(|(a, b, _)| *a == alg && *b == default_backend)
            .map(|(_, _, p)| p.as_slice())
            .unwrap_or(&[])
    };
    // Inputs of the step-by-step breakdown: the parsed credential and the decoded
    // clientDataJSON of each case, prepared outside the timed steps.
    let step_inputs: Vec<(Alg, Vec<steps::Credential<'_>>, Vec<Vec<u8>>)> = Alg::ALL
        .iter()
        .map(|&alg| {
            let p = default_cases(alg);
            let creds = p
                .iter()
                .filter_map(|c| steps::parse_credential(&c.sample.credential_json))
                .collect();
            (alg, creds, p.iter().map(client_data).collect())
        })
        .collect();
    let sha_inputs: Vec<Vec<u8>> = sha256::SIZES.iter().map(|&n| vec![0xa5u8; n]).collect();

    let mut cases: Vec<Case<'_>> = Vec::new();
    for v in &verifiers {
        let samples = &fx.get(v.alg()).samples;
        cases.push(Case {
            id: v.id(),
            kind: Kind::Verify(v.alg(), v.backend(), v.form()),
            share: 1.0,
            op: Box::new(move |i| {
                let s = cycle(samples, i);
                v.verify(&s.message, &s.signature)
            }),
        });
    }
    for (alg, backend, prepared) in &layers {
        cases.push(Case {
            id: format!("sig/{}/{}", alg.name(), backend.name(*alg)),
            kind: Kind::SigLayer(*alg, *backend),
            share: 1.0,
            op: Box::new(move |i| cycle(prepared, i).bare()),
        });
    }
    for alg in Alg::ALL {
        let prepared = default_cases(alg);
        if prepared.is_empty() {
            continue;
        }
        cases.push(Case {
            id: format!("assertion/{}/parse-only", alg.name()),
            kind: Kind::ParseOnly(alg),
            share: 0.5,
            op: Box::new(move |i| cycle(prepared, i).parse_only()),
        });
        let Some((_, creds, cds)) = step_inputs.iter().find(|(a, _, _)| *a == alg) else {
            continue;
        };
        let json = |i| cycle(prepared, i).sample.credential_json.as_slice();
        let steps: [(&'static str, Op<'_>); 4] = [
            (
                "parse credential JSON",
                Box::new(move |i| steps::parse_credential(json(i)).is_some()),
            ),
            (
                "base64url-decode 3 fields",
                Box::new(move |i| steps::decode_fields(cycle(creds, i)).is_some()),
            ),
            (
                "parse clientDataJSON",
                Box::new(move |i| steps::parse_client_data(cycle::<Vec<u8>>(cds, i)).is_some()),
            ),
            (
                "SHA-256 of clientDataJSON",
                Box::new(move |i| steps::hash_client_data(cycle::<Vec<u8>>(cds, i))[0] != 0xff),
            ),
        ];
        for (name, op) in steps {
            cases.push(Case {
                id: format!("step/{}/{name}", alg.name()),
                kind: Kind::Step(alg, name),
                share: 0.5,
                op,
            });
        }
    }
    for (size, data) in sha256::SIZES.iter().zip(&sha_inputs) {
        for (name, f) in [
            ("sha2", sha256::sha2 as fn(&[u8]) -> [u8; 32]),
            ("ring", sha256::ring),
            ("aws-lc-rs", sha256::aws_lc),
        ] {
            cases.push(Case {
                id: format!("sha256/{size}/{name}"),
                kind: Kind::Sha(name, *size),
                share: 0.5,
                op: Box::new(move |_| f(std::hint::black_box(data))[0] != 0xff),
            });
        }
    }

    // Interleaved rounds: every case once per round.
    let rounds = args.rounds as usize;
    let mut parts: Vec<Vec<Rate>> = vec![Vec::new(); cases.len()];
    // The bare and whole checks of each algorithm in alternating batches (2 budgets: one each).
    let pair_algs: Vec<Alg> = Alg::ALL
        .into_iter()
        .filter(|&a| !default_cases(a).is_empty())
        .collect();
    let mut pair_parts: Vec<Vec<Paired>> = vec![Vec::new(); pair_algs.len()];
    // `openssl speed` before rounds 0, rounds/runs, 2 rounds/runs, ...
    let openssl_runs = args.openssl_runs as usize;
    let openssl_at: Vec<usize> = (0..openssl_runs)
        .map(|k| k * rounds / openssl_runs)
        .collect();
    let mut openssl_results: Vec<Result<openssl::Speed, String>> = Vec::new();
    for round in 0..rounds {
        for _ in openssl_at.iter().filter(|&&r| r == round) {
            if args.no_openssl {
                continue;
            }
            eprintln!(
                "openssl {} ...",
                openssl::args(args.openssl_seconds).join(" ")
            );
            let r = openssl::run(args.openssl_seconds).map_err(|e| e.to_string());
            match &r {
                Ok(s) => eprintln!(
                    "openssl: ecdsa p256 verify {:.0}/s, rsa2048 verify {:.0}/s",
                    s.ecdsa_p256_verify, s.rsa2048_verify
                ),
                Err(e) => eprintln!("openssl: {e}"),
            }
            let missing = r.is_err();
            openssl_results.push(r);
            if missing {
                // Not installed or failing: once is enough.
                break;
            }
        }
        eprintln!("round {}/{rounds}", round + 1);
        for (case, part) in cases.iter().zip(parts.iter_mut()) {
            let slice = budget.mul_f64(case.share / rounds as f64);
            part.push(rate(slice, &case.op));
        }
        for (&alg, part) in pair_algs.iter().zip(pair_parts.iter_mut()) {
            let prepared = default_cases(alg);
            let slice = budget.mul_f64(2.0 / rounds as f64);
            part.push(paired(
                slice,
                |i| cycle(prepared, i).bare(),
                |i| cycle(prepared, i).whole(),
            ));
        }
    }

    let mut run = Run {
        machine: Machine::detect(),
        load_before,
        load_after: None,
        case_budget: budget,
        rounds,
        cases: Vec::new(),
        sig_layer: Vec::new(),
        default_backend,
        sha256: Vec::new(),
        scaling: Vec::new(),
        openssl_command: openssl::args(args.openssl_seconds).join(" "),
        openssl: Err("not run".into()),
        openssl_runs: Vec::new(),
        assertion: Ok(Vec::new()),
        model_check: None,
        sim_trials: Err("not run".into()),
        elapsed: Duration::ZERO,
    };
    let mut parse_only = Vec::new();
    let mut step_rates: Vec<(Alg, &'static str, Rate)> = Vec::new();
    for (case, part) in cases.iter().zip(&parts) {
        let r = Rate::pool(part);
        eprintln!("{:<30} {:>12.0}/s", case.id, r.median);
        match case.kind {
            Kind::Verify(alg, backend, form) => run.cases.push(CaseResult {
                alg,
                backend,
                form,
                rate: r,
            }),
            Kind::SigLayer(alg, backend) => run.sig_layer.push(SigLayerResult {
                alg,
                backend,
                rate: r,
            }),
            Kind::ParseOnly(alg) => parse_only.push((alg, r)),
            Kind::Step(alg, name) => step_rates.push((alg, name, r)),
            Kind::Sha(implementation, size) => run.sha256.push(ShaResult {
                implementation,
                size,
                rate: r,
            }),
        }
    }
    let mut assertions = Vec::new();
    for (&alg, part) in pair_algs.iter().zip(&pair_parts) {
        let p = Paired::pool(part);
        eprintln!(
            "assertion/{0}/bare {1:>12.0}/s, assertion/{0} {2:>12.0}/s, paired overhead {3:.4}",
            alg.name(),
            p.a.median,
            p.b.median,
            p.median_ratio()
        );
        assertions.push(AssertionResult {
            alg,
            backend: default_backend.name(alg).to_string(),
            whole: p.b.clone(),
            bare: p.a.clone(),
            paired_overhead: Some(p.median_ratio()),
            parse_only: parse_only
                .iter()
                .find(|(a, _)| *a == alg)
                .map(|(_, r)| r.clone()),
            steps: step_rates
                .iter()
                .filter(|(a, _, _)| *a == alg)
                .map(|(_, n, r)| (*n, r.clone()))
                .collect(),
        });
    }
    run.assertion = Ok(assertions);

    // The whole assertion check with the default backend on 1 and on 2 threads.
    for alg in Alg::ALL {
        let prepared = default_cases(alg);
        if prepared.is_empty() {
            continue;
        }
        let op = |i: u64| cycle(prepared, i).whole();
        let slice = budget.mul_f64(1.0 / rounds as f64);
        let scaling = ScalingResult {
            alg,
            backend: default_backend,
            rounds: (0..rounds)
                .map(|_| (rate_on_threads(1, slice, op), rate_on_threads(2, slice, op)))
                .collect(),
        };
        eprintln!(
            "threads assertion/{}: 1 -> {:.0}/s, 2 -> {:.0}/s (wall clock), ratio {:.3}, \
             CPU share of the 2 threads {:.1}%",
            alg.name(),
            scaling.one(),
            scaling.two(),
            scaling.ratio(),
            100.0 * scaling.cpu_share_two()
        );
        run.scaling.push(scaling);
    }

    eprintln!("model check (default configuration, 1 thread)...");
    let m = benches::system::model_check(1);
    eprintln!(
        "model check: {} states in {:.2} s = {:.0} states/s",
        m.states,
        m.seconds,
        m.states_per_second()
    );
    run.model_check = Some(m);
    run.sim_trials = benches::system::SimWorkload::default_scenario()
        .map(|w| (w.trials_per_second(budget, 1024), w.rows()))
        .map_err(|e| e.to_string());
    if let Ok((tps, rows)) = &run.sim_trials {
        eprintln!("sim: {tps:.0} trials/s over {rows} rows");
    }

    let speeds: Vec<openssl::Speed> = openssl_results
        .iter()
        .filter_map(|r| r.as_ref().ok().cloned())
        .collect();
    run.openssl = if args.no_openssl {
        Err("not run (--no-openssl)".into())
    } else if speeds.is_empty() {
        Err(openssl_results
            .into_iter()
            .find_map(Result::err)
            .unwrap_or_else(|| "not run".into()))
    } else {
        Ok(openssl::Speed {
            version: speeds[0].version.clone(),
            ecdsa_p256_verify: median(
                &mut speeds
                    .iter()
                    .map(|s| s.ecdsa_p256_verify)
                    .collect::<Vec<_>>(),
            ),
            rsa2048_verify: median(
                &mut speeds.iter().map(|s| s.rsa2048_verify).collect::<Vec<_>>(),
            ),
        })
    };
    run.openssl_runs = speeds;

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
