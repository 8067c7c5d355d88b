//! Runs one verification case many times, for a profiler:
//!
//! ```sh
//! CARGO_PROFILE_RELEASE_DEBUG=true cargo build --release -p benches --example profile
//! valgrind --tool=callgrind target/release/examples/profile verify/rs256/aws-lc-rs 2000
//! ```
//!
//! The case ids are those of the criterion benches: `verify/<alg>/<backend>[/spki]`, and
//! `assertion/<alg>` / `assertion/<alg>/bare` (the verifier's default backend).

use benches::assertion;
use benches::fixtures::{self, Alg};
use benches::verify::{Backend, KeyForm, Verifier};
use std::hint::black_box;
use std::process::ExitCode;

fn find(id: &str, fx: &fixtures::Fixtures) -> Option<Verifier> {
    for alg in Alg::ALL {
        for backend in Backend::ALL {
            for form in KeyForm::ALL {
                if let Ok(v) = Verifier::new(backend, form, fx.get(alg))
                    && v.id() == id
                {
                    return Some(v);
                }
            }
        }
    }
    None
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(id), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok())) else {
        eprintln!("usage: profile <case id, e.g. verify/rs256/aws-lc-rs> <iterations>");
        return ExitCode::from(2);
    };
    let fx = match fixtures::generate(fixtures::DEFAULT_SEED) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fixture generation failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    for alg in Alg::ALL {
        let whole = format!("assertion/{}", alg.name());
        let bare = format!("{whole}/bare");
        if *id != whole && *id != bare {
            continue;
        }
        let cases = match assertion::prepare(
            &fx,
            alg,
            vectors::sig::Backend::default(),
            fixtures::SAMPLES,
        ) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let mut ok = 0u64;
        for i in 0..n {
            let c = black_box(&cases[(i % cases.len() as u64) as usize]);
            ok += u64::from(if *id == whole { c.whole() } else { c.bare() });
        }
        println!("{id}: {ok}/{n} verified");
        return ExitCode::SUCCESS;
    }
    let Some(v) = find(id, &fx) else {
        eprintln!("unknown case {id}");
        return ExitCode::from(2);
    };
    let samples = &fx.get(v.alg()).samples;
    let mut ok = 0u64;
    for i in 0..n {
        let s = &samples[(i % samples.len() as u64) as usize];
        ok += u64::from(black_box(v.verify(&s.message, &s.signature)));
    }
    println!("{id}: {ok}/{n} verified");
    ExitCode::SUCCESS
}
