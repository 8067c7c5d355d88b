//! Criterion benchmarks of the verification hot paths (issue 6):
//!
//! - `verify/es256/{p256,ring,aws-lc-rs}` and `verify/rs256/{rsa,ring,aws-lc-rs}` with a
//!   pre-parsed public key, and the same ids with `/spki` for a key decoded from
//!   SubjectPublicKeyInfo DER on every call;
//! - `sha256/{32,200,1024}` (`sha2`) and `sha256/{ring,aws-lc-rs}/{32,200,1024}`;
//! - `assertion/{es256,rs256}`: the whole relying-party check of `vectors::verify` with the
//!   verifier's default backend, next to `assertion/{es256,rs256}/bare`, the signature check it
//!   contains (same key object, already-decoded bytes), and `assertion/{es256,rs256}/parse-only`,
//!   the whole check stopped at its rpIdHash comparison (everything but hash and signature);
//! - `sig/{es256,rs256}/<backend>`: the `vectors::sig` signature layer on each backend.
//!
//! `cargo bench -p benches` runs them (about 3 s a case); `cargo test` runs each once.

use benches::assertion;
use benches::fixtures::{self, Alg};
use benches::verify::{Backend, KeyForm, Verifier, sha256};
use criterion::{BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Duration;

fn bench_verify(c: &mut Criterion, fx: &fixtures::Fixtures) -> Result<(), String> {
    for alg in Alg::ALL {
        let fixture = fx.get(alg);
        let n = fixture.samples.len();
        let mut group = c.benchmark_group(format!("verify/{}", alg.name()));
        group.throughput(Throughput::Elements(1));
        for form in KeyForm::ALL {
            for backend in Backend::ALL {
                let v = Verifier::new(backend, form, fixture).map_err(|e| e.to_string())?;
                let id = format!("{}{}", backend.name(alg), form.suffix());
                let mut i = 0usize;
                group.bench_function(id, |b| {
                    b.iter(|| {
                        let s = &fixture.samples[i % n];
                        i = i.wrapping_add(1);
                        v.verify(black_box(&s.message), black_box(&s.signature))
                    })
                });
            }
        }
        group.finish();
    }
    Ok(())
}

fn bench_sha256(c: &mut Criterion) {
    let mut group = c.benchmark_group("sha256");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1));
    for size in sha256::SIZES {
        let data = vec![0xa5u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(size.to_string(), |b| {
            b.iter(|| sha256::sha2(black_box(&data)))
        });
        group.bench_function(BenchmarkId::new("ring", size), |b| {
            b.iter(|| sha256::ring(black_box(&data)))
        });
        group.bench_function(BenchmarkId::new("aws-lc-rs", size), |b| {
            b.iter(|| sha256::aws_lc(black_box(&data)))
        });
    }
    group.finish();
}

fn bench_assertion(c: &mut Criterion, fx: &fixtures::Fixtures) -> Result<(), String> {
    let backend = vectors::sig::Backend::default();
    let mut group = c.benchmark_group("assertion");
    group.throughput(Throughput::Elements(1));
    for alg in Alg::ALL {
        let cases =
            assertion::prepare(fx, alg, backend, fixtures::SAMPLES).map_err(|e| e.to_string())?;
        let n = cases.len();
        let mut i = 0usize;
        group.bench_function(alg.name(), |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                black_box(&cases[i % n]).whole()
            })
        });
        group.bench_function(format!("{}/bare", alg.name()), |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                black_box(&cases[i % n]).bare()
            })
        });
        group.bench_function(format!("{}/parse-only", alg.name()), |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                black_box(&cases[i % n]).parse_only()
            })
        });
    }
    group.finish();
    for alg in Alg::ALL {
        let mut group = c.benchmark_group(format!("sig/{}", alg.name()));
        group.throughput(Throughput::Elements(1));
        for backend in vectors::sig::Backend::ALL {
            let cases = assertion::prepare(fx, alg, backend, fixtures::SAMPLES)
                .map_err(|e| e.to_string())?;
            let n = cases.len();
            let mut i = 0usize;
            let id = assertion::backend_of(backend).name(alg);
            group.bench_function(id, |b| {
                b.iter(|| {
                    i = i.wrapping_add(1);
                    black_box(&cases[i % n]).bare()
                })
            });
        }
        group.finish();
    }
    Ok(())
}

fn main() -> ExitCode {
    let fx = match fixtures::generate(fixtures::DEFAULT_SEED) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fixture generation failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args();
    if let Err(e) = bench_verify(&mut c, &fx) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    bench_sha256(&mut c);
    if let Err(e) = bench_assertion(&mut c, &fx) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    c.final_summary();
    ExitCode::SUCCESS
}
