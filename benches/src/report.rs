//! The comparison report: `reports/bench.json` (a contract read by other tools, issue 6) and
//! `reports/bench.md` (for people).
//!
//! The JSON has exactly this shape; OPS is verifications per second on one core (the median
//! batch rate of [`crate::measure`]), RATIO a plain ratio, `null` where a figure is not available
//! (no `openssl`, or no assertion verifier):
//!
//! ```json
//! {"es256": {"p256": OPS, "ring": OPS, "aws-lc-rs": OPS, "openssl": OPS},
//!  "rs256": {"rsa": OPS, "ring": OPS, "aws-lc-rs": OPS, "openssl": OPS},
//!  "assertion_overhead": {"es256": RATIO, "rs256": RATIO},
//!  "scaling_2_threads": RATIO, "machine": "..."}
//! ```
//!
//! The backend figures use a pre-parsed public key ([`KeyForm::Parsed`]); the Markdown report
//! also shows the from-SPKI figures, SHA-256, per-algorithm scaling and the load of the machine.

use crate::fixtures::Alg;
use crate::machine::Machine;
use crate::measure::Rate;
use crate::openssl::Speed;
use crate::verify::{Backend, KeyForm};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

/// Target of issue 6: whole assertion check / bare signature check at most 1.05.
pub const MAX_ASSERTION_OVERHEAD: f64 = 1.05;
/// Target of issue 6: 2 threads give at least 1.9 times the throughput of 1.
pub const MIN_SCALING_2_THREADS: f64 = 1.9;

/// `es256` object of the JSON report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Es256Json {
    /// RustCrypto `p256`.
    pub p256: f64,
    /// `ring`.
    pub ring: f64,
    /// `aws-lc-rs`.
    #[serde(rename = "aws-lc-rs")]
    pub aws_lc_rs: f64,
    /// `openssl speed` (`null` if it could not be run).
    pub openssl: Option<f64>,
}

/// `rs256` object of the JSON report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rs256Json {
    /// RustCrypto `rsa`.
    pub rsa: f64,
    /// `ring`.
    pub ring: f64,
    /// `aws-lc-rs`.
    #[serde(rename = "aws-lc-rs")]
    pub aws_lc_rs: f64,
    /// `openssl speed` (`null` if it could not be run).
    pub openssl: Option<f64>,
}

/// `assertion_overhead` object of the JSON report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverheadJson {
    /// Whole ES256 assertion check time / bare signature check time.
    pub es256: Option<f64>,
    /// Whole RS256 assertion check time / bare signature check time.
    pub rs256: Option<f64>,
}

/// `reports/bench.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchJson {
    /// ES256 verifications per second per backend.
    pub es256: Es256Json,
    /// RS256 verifications per second per backend.
    pub rs256: Rs256Json,
    /// Whole check / bare signature check, with the verifier's default backend.
    pub assertion_overhead: OverheadJson,
    /// 2-thread / 1-thread verification throughput (the lower of ES256 and RS256).
    pub scaling_2_threads: Option<f64>,
    /// The machine description.
    pub machine: String,
}

/// One measured verification case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// Algorithm.
    pub alg: Alg,
    /// Backend.
    pub backend: Backend,
    /// Key form.
    pub form: KeyForm,
    /// Rate on one thread.
    pub rate: Rate,
}

/// One measured SHA-256 case.
#[derive(Debug, Clone, PartialEq)]
pub struct ShaResult {
    /// Implementation name (`sha2`, `ring`, `aws-lc-rs`).
    pub implementation: &'static str,
    /// Input size in bytes.
    pub size: usize,
    /// Hashes per second on one thread.
    pub rate: Rate,
}

/// One backend through the `vectors::sig` signature layer (the verifier's own key type).
#[derive(Debug, Clone, PartialEq)]
pub struct SigLayerResult {
    /// Algorithm.
    pub alg: Alg,
    /// Backend.
    pub backend: Backend,
    /// Verifications per second on one thread.
    pub rate: Rate,
}

/// Throughput of the whole assertion check on 1 and on 2 threads, measured in alternating rounds
/// (1 thread, then 2 threads, again and again) so that a change of background load between the two
/// cannot masquerade as scaling.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingResult {
    /// Algorithm.
    pub alg: Alg,
    /// Backend (the verifier's default).
    pub backend: Backend,
    /// Per round: (1 thread, 2 threads at once).
    pub rounds: Vec<(Rate, Rate)>,
}

impl ScalingResult {
    fn median_of(&self, f: impl Fn(&(Rate, Rate)) -> f64) -> f64 {
        crate::measure::median(&mut self.rounds.iter().map(f).collect::<Vec<_>>())
    }

    /// Median over rounds of the 1-thread wall-clock throughput.
    pub fn one(&self) -> f64 {
        self.median_of(|(one, _)| one.wall_median)
    }

    /// Median over rounds of the 2-thread wall-clock throughput (both threads together).
    pub fn two(&self) -> f64 {
        self.median_of(|(_, two)| two.wall_median)
    }

    /// Median over rounds of 2-thread / 1-thread wall-clock throughput.
    pub fn ratio(&self) -> f64 {
        self.median_of(|(one, two)| two.wall_median / one.wall_median.max(1e-12))
    }

    /// Share of the wall-clock time the two threads were on a CPU (CPU seconds / 2 x wall
    /// seconds): well under 1 means other processes held a core, and the ratio says little.
    pub fn cpu_share_two(&self) -> f64 {
        let cpu: f64 = self.rounds.iter().map(|(_, two)| two.cpu_seconds).sum();
        let wall: f64 = self.rounds.iter().map(|(_, two)| two.seconds).sum();
        cpu / (2.0 * wall).max(1e-12)
    }
}

/// The whole relying-party assertion check next to the bare signature check.
#[derive(Debug, Clone, PartialEq)]
pub struct AssertionResult {
    /// Algorithm.
    pub alg: Alg,
    /// The verifier's default backend, by name.
    pub backend: String,
    /// Whole checks per second.
    pub whole: Rate,
    /// Bare signature checks per second, same backend, same pre-parsed key.
    pub bare: Rate,
    /// The whole check stopped at the rpIdHash comparison (everything but hash and signature).
    pub parse_only: Option<Rate>,
    /// The steps of the check timed alone (name, rate), see `assertion::steps`.
    pub steps: Vec<(&'static str, Rate)>,
    /// Median over alternating batch pairs of rate(bare) / rate(whole), when `whole` and `bare`
    /// were measured in alternating batches (`measure::paired`).
    pub paired_overhead: Option<f64>,
}

impl AssertionResult {
    /// Time of a whole check / time of a bare signature check: the paired figure when there is
    /// one, else the ratio of the two median rates.
    pub fn overhead(&self) -> f64 {
        self.paired_overhead
            .unwrap_or(self.bare.median / self.whole.median)
    }
}

/// Everything one `bench-report` run measured.
#[derive(Debug, Clone)]
pub struct Run {
    /// The machine.
    pub machine: Machine,
    /// Load average when the run started.
    pub load_before: Option<[f64; 3]>,
    /// Load average when the run ended.
    pub load_after: Option<[f64; 3]>,
    /// Measuring time per case.
    pub case_budget: Duration,
    /// Interleaved rounds per case.
    pub rounds: usize,
    /// Verification cases.
    pub cases: Vec<CaseResult>,
    /// The `vectors::sig` layer per backend.
    pub sig_layer: Vec<SigLayerResult>,
    /// The verifier's default backend (`vectors::sig::Backend::default()`).
    pub default_backend: Backend,
    /// SHA-256 cases.
    pub sha256: Vec<ShaResult>,
    /// 1- and 2-thread throughput per algorithm.
    pub scaling: Vec<ScalingResult>,
    /// The `openssl speed` command line.
    pub openssl_command: String,
    /// Its figures (the median over its runs), or why there are none.
    pub openssl: Result<Speed, String>,
    /// The figures of each `openssl speed` run, in order.
    pub openssl_runs: Vec<Speed>,
    /// The assertion cases, or why there are none.
    pub assertion: Result<Vec<AssertionResult>, String>,
    /// The default model check on one checker thread, if run.
    pub model_check: Option<crate::system::ModelCheck>,
    /// Simulator trials per second on one thread and the number of rows, or why not measured.
    pub sim_trials: Result<(f64, usize), String>,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let p = 10f64.powi(decimals);
    (x * p).round() / p
}

impl Run {
    /// The median rate of a case, 0 if it was not measured.
    pub fn ops(&self, alg: Alg, backend: Backend, form: KeyForm) -> f64 {
        self.cases
            .iter()
            .find(|c| c.alg == alg && c.backend == backend && c.form == form)
            .map_or(0.0, |c| c.rate.median)
    }

    /// The fastest backend for `alg` with a pre-parsed key, and its rate.
    pub fn fastest(&self, alg: Alg) -> Option<(Backend, f64)> {
        Backend::ALL
            .iter()
            .map(|&b| (b, self.ops(alg, b, KeyForm::Parsed)))
            .filter(|(_, r)| *r > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    fn openssl_ops(&self, alg: Alg) -> Option<f64> {
        self.openssl.as_ref().ok().map(|s| match alg {
            Alg::Es256 => s.ecdsa_p256_verify,
            Alg::Rs256 => s.rsa2048_verify,
        })
    }

    fn overhead(&self, alg: Alg) -> Option<f64> {
        self.assertion
            .as_ref()
            .ok()?
            .iter()
            .find(|a| a.alg == alg)
            .map(AssertionResult::overhead)
    }

    /// The lowest 2-thread / 1-thread ratio over the algorithms measured.
    pub fn scaling_2_threads(&self) -> Option<f64> {
        self.scaling
            .iter()
            .map(ScalingResult::ratio)
            .min_by(f64::total_cmp)
    }

    /// The JSON report (ops rounded to 0.1/s, ratios to 4 decimals).
    pub fn json(&self) -> BenchJson {
        let ops = |alg, b| round_to(self.ops(alg, b, KeyForm::Parsed), 1);
        let openssl = |alg| self.openssl_ops(alg).map(|x| round_to(x, 1));
        BenchJson {
            es256: Es256Json {
                p256: ops(Alg::Es256, Backend::RustCrypto),
                ring: ops(Alg::Es256, Backend::Ring),
                aws_lc_rs: ops(Alg::Es256, Backend::AwsLc),
                openssl: openssl(Alg::Es256),
            },
            rs256: Rs256Json {
                rsa: ops(Alg::Rs256, Backend::RustCrypto),
                ring: ops(Alg::Rs256, Backend::Ring),
                aws_lc_rs: ops(Alg::Rs256, Backend::AwsLc),
                openssl: openssl(Alg::Rs256),
            },
            assertion_overhead: OverheadJson {
                es256: self.overhead(Alg::Es256).map(|x| round_to(x, 4)),
                rs256: self.overhead(Alg::Rs256).map(|x| round_to(x, 4)),
            },
            scaling_2_threads: self.scaling_2_threads().map(|x| round_to(x, 4)),
            machine: self.machine.to_string(),
        }
    }

    /// The Markdown report.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        // `write!` to a String cannot fail; its Result is ignored on purpose.
        let _ = self.write_markdown(&mut md);
        md
    }

    fn write_markdown(&self, md: &mut String) -> std::fmt::Result {
        let load = |l: Option<[f64; 3]>| {
            l.map_or("unknown".to_string(), |[a, b, c]| {
                format!("{a:.2} / {b:.2} / {c:.2}")
            })
        };
        writeln!(md, "# Verification benchmarks\n")?;
        writeln!(
            md,
            "Written by `cargo run --release -p benches --bin bench-report` \
             (see `benches/README.md`).\n"
        )?;
        writeln!(md, "- Machine: {}", self.machine)?;
        writeln!(
            md,
            "- Load average (1 / 5 / 15 min) at start: {}; at end: {}",
            load(self.load_before),
            load(self.load_after)
        )?;
        writeln!(
            md,
            "- About {:.1} s of measurement per case in {} interleaved rounds; whole run {:.0} s",
            self.case_budget.as_secs_f64(),
            self.rounds,
            self.elapsed.as_secs_f64()
        )?;
        match &self.openssl {
            Ok(s) => {
                let runs: Vec<String> = self
                    .openssl_runs
                    .iter()
                    .map(|r| format!("{:.0} / {:.0}", r.ecdsa_p256_verify, r.rsa2048_verify))
                    .collect();
                writeln!(
                    md,
                    "- `openssl {}` in the same run, OpenSSL {}, {} time(s) spread over the \
                     measuring rounds; median of the runs. ECDSA P-256 / RSA-2048 verify/s per \
                     run: {}",
                    self.openssl_command,
                    s.version.as_deref().unwrap_or("(version not printed)"),
                    self.openssl_runs.len(),
                    runs.join("; ")
                )?
            }
            Err(e) => writeln!(
                md,
                "- `openssl {}`: no figure ({e}); the `openssl` fields are null",
                self.openssl_command
            )?,
        }
        writeln!(
            md,
            "\nAbsolute figures depend on the machine and on what else runs on it; ratios between \
             backends measured in the same run depend on it much less.\n"
        )?;

        writeln!(md, "## Targets (issue 6)\n")?;
        writeln!(md, "| Target | Measured | Met |\n|---|---|---|")?;
        for alg in Alg::ALL {
            let b = self.default_backend;
            let ops = self.ops(alg, b, KeyForm::Parsed);
            match self.openssl_ops(alg) {
                Some(o) => writeln!(
                    md,
                    "| {}: verifier's default backend >= `openssl speed` | {} {ops:.0}/s vs openssl {o:.0}/s = {:.2}x | {} |",
                    alg.name().to_uppercase(),
                    b.name(alg),
                    ops / o,
                    yes_no(ops >= o)
                )?,
                None => writeln!(
                    md,
                    "| {}: verifier's default backend >= `openssl speed` | {} {ops:.0}/s, no openssl figure | n/a |",
                    alg.name().to_uppercase(),
                    b.name(alg)
                )?,
            }
            if let Some((fb, fops)) = self.fastest(alg) {
                writeln!(
                    md,
                    "| {}: default backend is the fastest measured | fastest: {} {fops:.0}/s ({:.3}x the default) | {} |",
                    alg.name().to_uppercase(),
                    fb.name(alg),
                    fops / ops.max(1e-9),
                    yes_no(fb == b)
                )?;
            }
        }
        match &self.assertion {
            Ok(list) => {
                for a in list {
                    writeln!(
                        md,
                        "| {}: whole assertion check <= {MAX_ASSERTION_OVERHEAD}x bare signature check | {:.4}x ({}) | {} |",
                        a.alg.name().to_uppercase(),
                        a.overhead(),
                        a.backend,
                        yes_no(a.overhead() <= MAX_ASSERTION_OVERHEAD)
                    )?;
                }
            }
            Err(e) => writeln!(
                md,
                "| whole assertion check <= {MAX_ASSERTION_OVERHEAD}x bare signature check | not measured: {e} | n/a |"
            )?,
        }
        if let Some(s) = self.scaling_2_threads() {
            writeln!(
                md,
                "| 2 threads >= {MIN_SCALING_2_THREADS}x 1 thread | {s:.3}x (lower of ES256, RS256) | {} |",
                yes_no(s >= MIN_SCALING_2_THREADS)
            )?;
        }

        for alg in Alg::ALL {
            writeln!(
                md,
                "\n## {} verification, per second on one thread\n",
                alg.name().to_uppercase()
            )?;
            writeln!(
                md,
                "| Backend | Pre-parsed key | Key from SPKI DER each call | `vectors::sig` layer | Pre-parsed / openssl |"
            )?;
            writeln!(md, "|---|---:|---:|---:|---:|")?;
            for b in Backend::ALL {
                let parsed = self.ops(alg, b, KeyForm::Parsed);
                let spki = self.ops(alg, b, KeyForm::Spki);
                let layer = self
                    .sig_layer
                    .iter()
                    .find(|l| l.alg == alg && l.backend == b)
                    .map_or("n/a".to_string(), |l| format!("{:.0}", l.rate.median));
                let vs = self
                    .openssl_ops(alg)
                    .map_or("n/a".to_string(), |o| format!("{:.2}", parsed / o));
                let default = if b == self.default_backend {
                    " (verifier default)"
                } else {
                    ""
                };
                writeln!(
                    md,
                    "| {}{default} | {parsed:.0} | {spki:.0} | {layer} | {vs} |",
                    b.name(alg)
                )?;
            }
            match self.openssl_ops(alg) {
                Some(o) => writeln!(md, "| openssl speed | {o:.0} | | | 1.00 |")?,
                None => writeln!(md, "| openssl speed | n/a | | | |")?,
            }
        }

        writeln!(md, "\n## SHA-256, hashes per second on one thread\n")?;
        let impls: Vec<&str> = {
            let mut v: Vec<&str> = Vec::new();
            for s in &self.sha256 {
                if !v.contains(&s.implementation) {
                    v.push(s.implementation);
                }
            }
            v
        };
        writeln!(md, "| Bytes | {} |", impls.join(" | "))?;
        writeln!(md, "|---:|{}", "---:|".repeat(impls.len()))?;
        let mut sizes: Vec<usize> = self.sha256.iter().map(|s| s.size).collect();
        sizes.dedup();
        for size in sizes {
            let cells: Vec<String> = impls
                .iter()
                .map(|i| {
                    self.sha256
                        .iter()
                        .find(|s| s.size == size && s.implementation == *i)
                        .map_or("n/a".to_string(), |s| format!("{:.0}", s.rate.median))
                })
                .collect();
            writeln!(md, "| {size} | {} |", cells.join(" | "))?;
        }

        writeln!(
            md,
            "\n## Whole assertion check on 1 and 2 threads (verifier's default backend)\n"
        )?;
        writeln!(
            md,
            "| Case | 1 thread /s | 2 threads /s (sum) | Ratio | Share of time the 2 threads were on a CPU |\n|---|---:|---:|---:|---:|"
        )?;
        for s in &self.scaling {
            writeln!(
                md,
                "| assertion/{} ({}) | {:.0} | {:.0} | {:.3} | {:.1}% |",
                s.alg.name(),
                s.backend.name(s.alg),
                s.one(),
                s.two(),
                s.ratio(),
                100.0 * s.cpu_share_two()
            )?;
        }

        writeln!(md, "\n## Whole assertion check\n")?;
        match &self.assertion {
            Ok(list) => {
                writeln!(
                    md,
                    "| Case | Backend | Whole check /s | Bare signature /s | Overhead |\n|---|---|---:|---:|---:|"
                )?;
                for a in list {
                    writeln!(
                        md,
                        "| assertion/{} | {} | {:.0} | {:.0} | {:.4} |",
                        a.alg.name(),
                        a.backend,
                        a.whole.median,
                        a.bare.median,
                        a.overhead()
                    )?;
                }
            }
            Err(e) => writeln!(md, "Not measured: {e}.")?,
        }
        if let Ok(list) = &self.assertion {
            let us = |r: &Rate| 1e6 / r.median.max(1e-9);
            for a in list {
                writeln!(
                    md,
                    "\n### Where the time of assertion/{} goes (microseconds per call)\n",
                    a.alg.name()
                )?;
                writeln!(
                    md,
                    "| Part | us | Share of bare signature |\n|---|---:|---:|"
                )?;
                let bare = us(&a.bare);
                let row = |md: &mut String, name: &str, t: f64| {
                    writeln!(md, "| {name} | {t:.3} | {:.2}% |", 100.0 * t / bare)
                };
                // Whole = bare x overhead, so that these rows agree with the overhead figure
                // (paired batches) rather than with two separately noisy medians.
                row(md, "bare signature check", bare)?;
                row(md, "whole check (bare x overhead)", bare * a.overhead())?;
                row(md, "whole - bare", bare * (a.overhead() - 1.0))?;
                if let Some(p) = &a.parse_only {
                    row(
                        md,
                        "verifier up to the rpIdHash check (wrong rpIdHash: no hash, no signature)",
                        us(p),
                    )?;
                }
                let mut sum = 0.0;
                for (name, r) in &a.steps {
                    sum += us(r);
                    row(md, &format!("step alone: {name}"), us(r))?;
                }
                if !a.steps.is_empty() {
                    row(md, "sum of the steps alone", sum)?;
                }
                if a.overhead() > MAX_ASSERTION_OVERHEAD {
                    let budget = (MAX_ASSERTION_OVERHEAD - 1.0) * bare;
                    let extra = (a.overhead() - 1.0) * bare;
                    write!(
                        md,
                        "\nOver the target: the whole check costs {extra:.3} us more than the \
                         bare signature check, against a budget of {budget:.3} us ({:.0}% of \
                         {bare:.3} us).",
                        (MAX_ASSERTION_OVERHEAD - 1.0) * 100.0
                    )?;
                    if let Some(p) = &a.parse_only {
                        write!(
                            md,
                            " {:.3} us of it is the verifier's work before the hash and the \
                             signature.",
                            us(p)
                        )?;
                    }
                    let mut steps: Vec<(&str, f64)> =
                        a.steps.iter().map(|(n, r)| (*n, us(r))).collect();
                    steps.sort_by(|x, y| y.1.total_cmp(&x.1));
                    if let Some((name, t)) = steps.first() {
                        write!(md, " The costliest step alone is \"{name}\" ({t:.3} us).")?;
                    }
                    writeln!(md)?;
                }
            }
        }

        writeln!(md, "\n## Model checker and simulator\n")?;
        match &self.model_check {
            Some(m) => writeln!(
                md,
                "- `model check` default configuration, 1 checker thread: {} unique states in \
                 {:.2} s = {:.0} states/s; every property as expected: {}",
                m.states,
                m.seconds,
                m.states_per_second(),
                yes_no(m.ok)
            )?,
            None => writeln!(md, "- model check: not run")?,
        }
        match &self.sim_trials {
            Ok((tps, rows)) => writeln!(
                md,
                "- simulator, default scenario ({rows} rows), per-trial experiment on 1 thread: \
                 {tps:.0} trials/s"
            )?,
            Err(e) => writeln!(md, "- simulator: not measured ({e})")?,
        }

        writeln!(md, "\n## How to read this\n")?;
        writeln!(
            md,
            "- A per-core rate is the median, over batches of about 10 ms after a warm-up, of \
             calls per second of the measuring thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`): \
             time spent waiting while another process had the CPU is not counted. `openssl \
             speed` divides by its user CPU time too, so the two are on the same footing."
        )?;
        writeln!(
            md,
            "- Every Rust case hashes its 69-byte message (WebAuthn authenticatorData || \
             SHA-256(clientDataJSON)) inside the call; `openssl speed` verifies a fixed digest with \
             no hashing, so it does slightly less work per call."
        )?;
        writeln!(
            md,
            "- Cases are measured in interleaved rounds (every case once per round), so a burst \
             of background load hits all of them alike rather than one."
        )?;
        writeln!(
            md,
            "- `ring` 0.17 has no pre-parsed verification key: its figure with a pre-parsed key \
             still decodes the raw key bytes on every call."
        )?;
        writeln!(
            md,
            "- The `vectors::sig` column is the verifier's own key type on that backend (the \
             bare signature check of the assertion cases); it should match the pre-parsed column."
        )?;
        writeln!(
            md,
            "- The whole assertion check parses the credential JSON, decodes three base64url \
             fields, parses clientDataJSON and authenticatorData, checks type, challenge, \
             origin, rpIdHash, flags, credential ID and counter, hashes clientDataJSON and checks \
             the signature. Its overhead is whole-check time / bare-signature time, measured in \
             alternating batches of the two (the median over batch pairs of the ratio), so that \
             a change in background load between two measurements cannot bias it."
        )?;
        writeln!(
            md,
            "- The 1- and 2-thread figures are wall-clock throughput (the 2-thread one summed \
             over both threads running at once); other processes on a 2-core machine lower the \
             2-thread figure for reasons outside the code, so read it with the load average."
        )?;
        Ok(())
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same directory, flushed to
/// disk, then renamed over `path`, so a reader sees the old file or the new one, never half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("path has no file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(median: f64) -> Rate {
        Rate {
            median,
            wall_median: median,
            mean: median,
            calls: 100,
            batches: 1,
            seconds: 100.0 / median,
            cpu_seconds: 100.0 / median,
            batch_rates: vec![median],
            wall_batch_rates: vec![median],
        }
    }

    fn sample_run() -> Run {
        let mut cases = Vec::new();
        for (alg, base) in [(Alg::Es256, 10_000.0), (Alg::Rs256, 40_000.0)] {
            for (i, b) in Backend::ALL.into_iter().enumerate() {
                for (j, form) in KeyForm::ALL.into_iter().enumerate() {
                    cases.push(CaseResult {
                        alg,
                        backend: b,
                        form,
                        rate: rate(base * (1.0 + i as f64) / (1.0 + j as f64)),
                    });
                }
            }
        }
        Run {
            machine: Machine::from_cpuinfo("model name : Test CPU\nprocessor : 0\n", 0),
            load_before: Some([0.1, 0.2, 0.3]),
            load_after: None,
            case_budget: Duration::from_secs(2),
            rounds: 4,
            cases,
            sig_layer: Vec::new(),
            default_backend: Backend::AwsLc,
            sha256: vec![ShaResult {
                implementation: "sha2",
                size: 32,
                rate: rate(1e6),
            }],
            scaling: vec![
                ScalingResult {
                    alg: Alg::Es256,
                    backend: Backend::AwsLc,
                    rounds: vec![(rate(100.0), rate(195.0)), (rate(100.0), rate(100.0))],
                },
                ScalingResult {
                    alg: Alg::Rs256,
                    backend: Backend::AwsLc,
                    rounds: vec![(rate(100.0), rate(180.0))],
                },
            ],
            openssl_command: "speed -seconds 3 ecdsap256 rsa2048".into(),
            openssl: Ok(Speed {
                version: Some("3.0.0".into()),
                ecdsa_p256_verify: 25_000.0,
                rsa2048_verify: 100_000.0,
            }),
            openssl_runs: vec![Speed {
                version: Some("3.0.0".into()),
                ecdsa_p256_verify: 25_000.0,
                rsa2048_verify: 100_000.0,
            }],
            assertion: Ok(vec![AssertionResult {
                alg: Alg::Es256,
                backend: "aws-lc-rs".into(),
                whole: rate(95.0),
                bare: rate(100.0),
                parse_only: Some(rate(2000.0)),
                steps: vec![("JSON", rate(4000.0)), ("hash", rate(4000.0))],
                paired_overhead: None,
            }]),
            model_check: Some(crate::system::ModelCheck {
                states: 1000,
                seconds: 0.5,
                ok: true,
            }),
            sim_trials: Err("not run".into()),
            elapsed: Duration::from_secs(60),
        }
    }

    #[test]
    fn json_has_exactly_the_contract_shape() -> Result<(), serde_json::Error> {
        let run = sample_run();
        let v = serde_json::to_value(run.json())?;
        let keys = |v: &serde_json::Value| -> Vec<String> {
            let mut k: Vec<String> = v
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            k.sort();
            k
        };
        assert_eq!(
            keys(&v),
            [
                "assertion_overhead",
                "es256",
                "machine",
                "rs256",
                "scaling_2_threads"
            ]
        );
        assert_eq!(keys(&v["es256"]), ["aws-lc-rs", "openssl", "p256", "ring"]);
        assert_eq!(keys(&v["rs256"]), ["aws-lc-rs", "openssl", "ring", "rsa"]);
        assert_eq!(keys(&v["assertion_overhead"]), ["es256", "rs256"]);
        // Pre-parsed figures: RustCrypto x1, ring x2, aws-lc-rs x3 of the base rate.
        assert_eq!(v["es256"]["p256"], 10_000.0);
        assert_eq!(v["rs256"]["aws-lc-rs"], 120_000.0);
        assert_eq!(v["es256"]["openssl"], 25_000.0);
        // Overhead = 100 / 95 = 1.05263... -> 1.0526; RS256 not measured -> null.
        assert_eq!(v["assertion_overhead"]["es256"], 1.0526);
        assert!(v["assertion_overhead"]["rs256"].is_null());
        // ES256: median of the round ratios 1.95 and 1.00 = 1.475; RS256 1.80; the lower.
        assert_eq!(v["scaling_2_threads"], 1.475);
        assert!(
            v["machine"]
                .as_str()
                .is_some_and(|m| m.contains("Test CPU"))
        );
        // Round trip through the strict reader.
        let back: BenchJson = serde_json::from_value(v)?;
        assert_eq!(back, run.json());
        Ok(())
    }

    #[test]
    fn missing_openssl_is_null_and_said_in_markdown() -> Result<(), serde_json::Error> {
        let mut run = sample_run();
        run.openssl = Err("openssl is not installed (no `openssl` on PATH)".into());
        let v = serde_json::to_value(run.json())?;
        assert!(v["es256"]["openssl"].is_null());
        assert!(v["rs256"]["openssl"].is_null());
        let md = run.markdown();
        assert!(md.contains("openssl is not installed"));
        assert!(md.contains("no openssl figure"));
        Ok(())
    }

    #[test]
    fn markdown_states_targets() {
        let md = sample_run().markdown();
        // aws-lc-rs ES256 = 30000/s vs openssl 25000/s -> 1.20x, met.
        assert!(md.contains("aws-lc-rs 30000/s vs openssl 25000/s = 1.20x | yes"));
        assert!(md.contains("verify/s per run: 25000 / 100000"));
        assert!(md.contains("default backend is the fastest measured | fastest: aws-lc-rs"));
        // Overhead 1.0526 > 1.05: not met.
        assert!(md.contains("1.0526x (aws-lc-rs) | no"));
        // 1 / 95 s - 1 / 100 s = 526.316 us; 1 / 2000 s = 500 us = 5% of the 10000 us bare check.
        assert!(md.contains("| whole - bare | 526.316 | 5.26% |"));
        assert!(md.contains("(wrong rpIdHash: no hash, no signature) | 500.000 | 5.00% |"));
        assert!(md.contains("| sum of the steps alone | 500.000 | 5.00% |"));
        // 1.0526 > 1.05: the note names the excess (0.0526 x 10000 us) and the budget (500 us).
        assert!(md.contains(
            "costs 526.316 us more than the bare signature check, against a budget of 500.000 us"
        ));
        assert!(md.contains("The costliest step alone is \"JSON\" (250.000 us)."));
        assert!(md.contains("1000 unique states in 0.50 s = 2000 states/s"));
        assert!(md.contains("simulator: not measured (not run)"));
        // Scaling 1.475 < 1.9: not met.
        assert!(md.contains("1.475x (lower of ES256, RS256) | no"));
        // The sample 2-thread rate(r) has cpu_seconds = seconds, so the CPU share is 50%.
        assert!(md.contains("| 1.800 | 50.0% |"));
    }

    #[test]
    fn unknown_fields_are_rejected_by_the_reader() {
        let text = r#"{"es256": {"p256": 1, "ring": 1, "aws-lc-rs": 1, "openssl": null, "x": 1},
            "rs256": {"rsa": 1, "ring": 1, "aws-lc-rs": 1, "openssl": null},
            "assertion_overhead": {"es256": null, "rs256": null},
            "scaling_2_threads": null, "machine": "m"}"#;
        assert!(serde_json::from_str::<BenchJson>(text).is_err());
        let ok = text.replace(", \"x\": 1", "");
        assert!(serde_json::from_str::<BenchJson>(&ok).is_ok());
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() -> std::io::Result<()> {
        let dir = std::env::temp_dir().join(format!("benches-report-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("bench.json");
        write_atomic(&path, b"old")?;
        write_atomic(&path, b"new")?;
        assert_eq!(std::fs::read(&path)?, b"new");
        let entries = std::fs::read_dir(&dir)?.count();
        assert_eq!(entries, 1);
        // A missing directory is an error, not a panic.
        assert!(write_atomic(&dir.join("missing/bench.json"), b"x").is_err());
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
