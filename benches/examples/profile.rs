//! Runs one case many times, for a profiler or a quick scaling check:
//!
//! ```sh
//! CARGO_PROFILE_RELEASE_DEBUG=true cargo build --release -p benches --example profile
//! valgrind --tool=callgrind target/release/examples/profile verify/rs256/aws-lc-rs 2000
//! target/release/examples/profile assertion/rs256 200000 2   # the same work split over 2 threads
//! ```
//!
//! The case ids are those of the criterion benches: `verify/<alg>/<backend>[/spki]`, and
//! `assertion/<alg>`, `assertion/<alg>/bare`, `assertion/<alg>/parse-only` (the verifier's default
//! backend). It prints the wall time and the calls per second.

use benches::assertion::{self, Prepared};
use benches::fixtures::{self, Alg};
use benches::verify::{Backend, KeyForm, Verifier};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

enum Target {
    Verify(Verifier),
    Assertion(Vec<Prepared>, &'static str),
}

fn find(id: &str, fx: &fixtures::Fixtures) -> Result<Option<Target>, String> {
    for alg in Alg::ALL {
        let whole = format!("assertion/{}", alg.name());
        for (suffix, mode) in [("", "whole"), ("/bare", "bare"), ("/parse-only", "parse")] {
            if id == format!("{whole}{suffix}") {
                let cases = assertion::prepare(
                    fx,
                    alg,
                    vectors::sig::Backend::default(),
                    fixtures::SAMPLES,
                )
                .map_err(|e| e.to_string())?;
                return Ok(Some(Target::Assertion(cases, mode)));
            }
        }
        for backend in Backend::ALL {
            for form in KeyForm::ALL {
                let v = Verifier::new(backend, form, fx.get(alg)).map_err(|e| e.to_string())?;
                if v.id() == id {
                    return Ok(Some(Target::Verify(v)));
                }
            }
        }
    }
    Ok(None)
}

fn call(target: &Target, fx: &fixtures::Fixtures, i: u64) -> bool {
    match target {
        Target::Verify(v) => {
            let samples = &fx.get(v.alg()).samples;
            let s = &samples[(i % samples.len() as u64) as usize];
            v.verify(&s.message, &s.signature)
        }
        Target::Assertion(cases, mode) => {
            let c = &cases[(i % cases.len() as u64) as usize];
            match *mode {
                "whole" => c.whole(),
                "bare" => c.bare(),
                _ => c.parse_only(),
            }
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let id = args.get(1);
    let n = args.get(2).and_then(|n| n.parse::<u64>().ok());
    let threads = match args.get(3) {
        None => Some(1),
        Some(t) => t.parse::<u64>().ok().filter(|t| (1..=64).contains(t)),
    };
    let (Some(id), Some(n), Some(threads)) = (id, n, threads) else {
        eprintln!("usage: profile <case id, e.g. verify/rs256/aws-lc-rs> <iterations> [threads]");
        return ExitCode::from(2);
    };
    let fx = match fixtures::generate(fixtures::DEFAULT_SEED) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fixture generation failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let target = match find(id, &fx) {
        Ok(Some(t)) => t,
        Ok(None) => {
            eprintln!("unknown case {id}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let start = Instant::now();
    let per_thread = n / threads;
    let ok: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (target, fx) = (&target, &fx);
                s.spawn(move || {
                    (0..per_thread)
                        .map(|i| u64::from(black_box(call(target, fx, t * per_thread + i))))
                        .sum::<u64>()
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).sum()
    });
    let secs = start.elapsed().as_secs_f64();
    let total = per_thread * threads;
    println!(
        "{id}: {ok}/{total} true on {threads} thread(s) in {secs:.3} s = {:.0}/s",
        total as f64 / secs
    );
    ExitCode::SUCCESS
}
