//! Criterion benchmarks of the two other workloads (issue 6, `DESIGN.md` §7):
//!
//! - `model/check`: the default model check, exhaustively, on one checker thread (the states per
//!   second are `bench-report`'s; criterion times the whole check);
//! - `sim/trials`: 1024 trials of every row of the simulator's default scenario (throughput in
//!   trials).

use benches::system::{SimWorkload, model_check};
use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let mut group = c.benchmark_group("model");
    group.sample_size(10);
    group.bench_function("check", |b| b.iter(|| black_box(model_check(1))));
    group.finish();

    let sim = match SimWorkload::default_scenario() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    const TRIALS: u64 = 1024;
    let mut group = c.benchmark_group("sim");
    group.throughput(Throughput::Elements(TRIALS * sim.rows() as u64));
    let mut start = 0u64;
    group.bench_function("trials", |b| {
        b.iter(|| {
            start += TRIALS;
            black_box(sim.run(start, TRIALS))
        })
    });
    group.finish();
    c.final_summary();
    ExitCode::SUCCESS
}
