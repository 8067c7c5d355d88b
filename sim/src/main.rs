//! `sim`: the risk simulator's command line (DESIGN.md §4). A thin clap layer over the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sim::estimate::{self, Accumulator, BioSampler, Experiment};
use sim::national::{self, National};
use sim::output::{self, OutputError};
use sim::run::{self, Shard, ShardState};
use sim::scenario::{self, InputError, Scenario};

#[derive(Parser)]
#[command(
    name = "sim",
    version,
    about = "Risk of unlock policies against a holder of the device"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write risk.csv, risk.json and risk.svg.
    Run(RunArgs),
    /// Combine the outputs of `run --shard I/N` into the unsharded result.
    Merge {
        /// Shard output directories (each holds risk.state.json, or national.state.json from
        /// `sim national --shard`).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the merged report.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
    },
    /// National yearly risk (issue 11): write national.csv, national.json, national.svg and
    /// sensitivity.svg. A scenario file is `sim run`'s format plus a [population] section.
    National(NationalArgs),
    /// List the built-in policies, attacker strategies and scenarios.
    List,
    /// Measure trials per second and the time to 1% relative error at p = 1e-6.
    Bench {
        /// Worker threads (default: all cores).
        #[arg(long, allow_negative_numbers = true)]
        threads: Option<usize>,
        /// Trials for the throughput measurement (per row of the default scenario).
        #[arg(long, default_value_t = 200_000, allow_negative_numbers = true)]
        trials: u64,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario TOML file, or `builtin:NAME` (see `sim list`); default: builtin:default.
    #[arg(long)]
    scenario: Option<String>,
    /// Output directory.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// Override the scenario's seed (0..=2^64-1).
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Override the scenario's trials per row (1..=2^40).
    #[arg(long, allow_negative_numbers = true)]
    trials: Option<u64>,
    /// Worker threads (default: all cores). The result does not depend on it.
    #[arg(long, allow_negative_numbers = true)]
    threads: Option<usize>,
    /// Run only shard I of N (0-based), e.g. 0/4; also writes risk.state.json for `sim merge`.
    #[arg(long, allow_hyphen_values = true)]
    shard: Option<String>,
}

#[derive(clap::Args)]
struct NationalArgs {
    /// Scenario TOML file with a [population] section, or `builtin:national` (the default).
    #[arg(long)]
    scenario: Option<String>,
    /// Output directory.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override the number of outer draws of the uncertain parameters (the scenario's `trials`).
    #[arg(long)]
    trials: Option<u64>,
    /// Worker threads (default: all cores). The result does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Run only the outer draws of shard I of N (0-based); writes national.state.json only,
    /// for `sim merge`.
    #[arg(long)]
    shard: Option<String>,
}

/// `print!` to stdout, but a reader that went away (`sim list | head`: EPIPE, since Rust ignores
/// SIGPIPE) ends the program quietly with exit 0 instead of a panic; any other write error is
/// one `error:` line and exit 1.
macro_rules! out {
    ($($t:tt)*) => { write_out(format_args!($($t)*)) };
}
/// `println!` through [`write_out`].
macro_rules! outln {
    () => { write_out(format_args!("\n")) };
    ($($t:tt)*) => { write_out(format_args!("{}\n", format_args!($($t)*))) };
}

fn write_out(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_fmt(args).and_then(|()| o.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: stdout: {e}");
        std::process::exit(1);
    }
}

/// Why the command failed: bad input exits 2, failure to write exits 1.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{0}")]
    Internal(String),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line, naming the flag and the value; the usage is in --help.
            let text = e.render().to_string();
            let head: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty() && !l.starts_with("Usage:"))
                .map(str::trim)
                .collect();
            eprintln!("{}", one_line(&head.join(" ")));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Run(args) => cmd_run(args),
        Command::Merge { dirs, out } => cmd_merge(&dirs, &out),
        Command::National(args) => cmd_national(args),
        Command::List => cmd_list(),
        Command::Bench { threads, trials } => cmd_bench(threads, trials),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e.to_string()));
            match e {
                CliError::Input(_) | CliError::Usage(_) => ExitCode::from(2),
                CliError::Output(_) | CliError::Internal(_) => ExitCode::from(1),
            }
        }
    }
}

/// An error message on one line: line breaks and other control characters become spaces.
fn one_line(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn load_scenario(arg: Option<&str>) -> Result<Scenario, CliError> {
    let spec = arg.unwrap_or("builtin:default");
    if let Some(name) = spec.strip_prefix("builtin:") {
        let names: Vec<&str> = scenario::BUILTIN_SCENARIOS
            .iter()
            .map(|(n, _)| *n)
            .collect();
        return match Scenario::builtin(name) {
            Some(s) => Ok(s?),
            None => Err(CliError::Usage(format!(
                "`--scenario` = {spec:?}: no built-in scenario {name:?} (have: {})",
                names.join(", ")
            ))),
        };
    }
    Ok(Scenario::from_path(Path::new(spec))?)
}

fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, CliError> {
    if threads == Some(0) {
        return Err(CliError::Usage("`--threads` = 0: need at least 1".into()));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| CliError::Internal(format!("thread pool: {e}")))
}

fn cmd_run(args: RunArgs) -> Result<(), CliError> {
    check_out(&args.out)?;
    let mut s = load_scenario(args.scenario.as_deref())?;
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    if let Some(t) = args.trials {
        scenario::check_trials(t).map_err(|r| CliError::Usage(format!("`--trials` = {t}: {r}")))?;
        s.trials = t;
    }
    let shard = match &args.shard {
        Some(text) => Shard::parse(text).map_err(CliError::Usage)?,
        None => Shard::WHOLE,
    };
    let pool = pool(args.threads)?;
    let (rows, skipped) = run::plan(&s);
    let range = shard.range(s.trials);
    let total = (range.end - range.start) * rows.len() as u64;

    // The bar appears only after a second, and only on a terminal.
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} trials  {eta} left") {
        bar.set_style(style);
    }
    let shown = AtomicBool::new(false);
    let start = Instant::now();
    let tty = std::io::stderr().is_terminal();
    let progress = |d: u64| {
        bar.inc(d);
        if tty && start.elapsed() > Duration::from_secs(1) && !shown.swap(true, Ordering::Relaxed) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    };
    let accs = pool.install(|| run::simulate(&s, &rows, shard, &progress));
    bar.finish_and_clear();

    let report = run::report(&s, &rows, &skipped, &accs, shard);
    let state = args
        .shard
        .is_some()
        .then(|| ShardState::new(&s, &rows, &accs, shard));
    let files = output::files(&report, state.as_ref())?;
    output::write_all(&args.out, &files)?;
    out!("{}", output::table(&report));
    eprintln!(
        "wrote {} in {:.2} s",
        files
            .iter()
            .map(|(n, _)| args.out.join(n).display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn cmd_national(args: NationalArgs) -> Result<(), CliError> {
    check_out(&args.out)?;
    let spec = args.scenario.as_deref().unwrap_or("builtin:national");
    let mut n = match spec.strip_prefix("builtin:") {
        Some("national") => National::builtin()?,
        Some(other) => {
            return Err(CliError::Usage(format!(
                "`--scenario` = {spec:?}: no built-in national scenario {other:?} (have: national)"
            )));
        }
        None => National::from_path(Path::new(spec))?,
    };
    if let Some(seed) = args.seed {
        n.scenario.seed = seed;
    }
    if let Some(t) = args.trials {
        if t == 0 || t > national::MAX_DRAWS {
            return Err(CliError::Usage(format!(
                "`--trials` = {t}: must be in 1..={}",
                national::MAX_DRAWS
            )));
        }
        n.scenario.trials = t;
    }
    let shard = match &args.shard {
        Some(text) => Shard::parse(text).map_err(CliError::Usage)?,
        None => Shard::WHOLE,
    };
    let pool = pool(args.threads)?;
    let start = Instant::now();
    let values = pool.install(|| national::simulate(&n, shard));
    if args.shard.is_some() {
        let state = national::NationalState::new(&n, shard, &values);
        let files = national::output::state_files(&state)?;
        output::write_all(&args.out, &files)?;
        eprintln!(
            "wrote {} ({} draws of shard {}/{}) in {:.2} s",
            args.out.join(national::STATE).display(),
            values.len(),
            shard.index,
            shard.count,
            start.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let report = national::report(&n, &values);
    let files = national::output::files(&report)?;
    output::write_all(&args.out, &files)?;
    out!("{}", national::output::table(&report));
    eprintln!(
        "wrote {} in {:.2} s",
        files
            .iter()
            .map(|(f, _)| args.out.join(f).display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `sim merge` of `sim national --shard` outputs.
fn merge_national(dirs: &[PathBuf], out: &Path) -> Result<(), CliError> {
    let mut states = Vec::new();
    for d in dirs {
        let path = d.join(national::STATE);
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| InputError::Read {
            file: file.clone(),
            source,
        })?;
        let st: national::NationalState =
            serde_json::from_str(&text).map_err(|e| InputError::Parse {
                file: file.clone(),
                message: e.to_string(),
            })?;
        if st.format != national::STATE_FORMAT {
            return Err(bad_state(
                &file,
                "format",
                &format!("{:?}", st.format),
                "unknown format",
            ));
        }
        states.push((file, st));
    }
    let (n, values) = national::merge(&states).map_err(|e| CliError::Usage(e.to_string()))?;
    let report = national::report(&n, &values);
    let files = national::output::files(&report)?;
    output::write_all(out, &files)?;
    out!("{}", national::output::table(&report));
    Ok(())
}

fn cmd_merge(dirs: &[PathBuf], out: &Path) -> Result<(), CliError> {
    check_out(out)?;
    if dirs.iter().any(|d| d.join(national::STATE).exists())
        && !dirs.iter().any(|d| d.join(output::STATE).exists())
    {
        return merge_national(dirs, out);
    }
    let mut states: Vec<(String, ShardState)> = Vec::new();
    for d in dirs {
        let path = d.join(output::STATE);
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| InputError::Read {
            file: file.clone(),
            source,
        })?;
        let st: ShardState = serde_json::from_str(&text).map_err(|e| InputError::Parse {
            file: file.clone(),
            message: e.to_string(),
        })?;
        if st.format != run::STATE_FORMAT {
            return Err(bad_state(
                &file,
                "format",
                &format!("{:?}", st.format),
                &format!("unknown format (this sim reads {:?})", run::STATE_FORMAT),
            ));
        }
        // Everything `run` checks of a scenario file, on the scenario the shard stored.
        st.scenario.check(&format!("{file}: scenario"))?;
        if st.shard.count == 0 || st.shard.index >= st.shard.count {
            return Err(bad_state(
                &file,
                "shard",
                &format!("{}/{}", st.shard.index, st.shard.count),
                "need 0 <= index < count",
            ));
        }
        states.push((file, st));
    }
    let Some((first_file, first)) = states.first() else {
        return Err(CliError::Usage("merge: no shard directory given".into()));
    };
    let n = first.shard.count;
    if n != states.len() as u64 {
        return Err(CliError::Usage(format!(
            "merge: the shards are 1 of {n} each but {}{} directories were given",
            if n > states.len() as u64 { "only " } else { "" },
            states.len(),
        )));
    }
    let mut seen = vec![false; states.len()];
    for (file, st) in &states {
        if st.scenario != first.scenario {
            return Err(bad_state(
                file,
                "scenario",
                &format!("{:?}", st.scenario.name),
                &format!(
                    "differs from the scenario in {first_file} (name, seed, trials or figures)"
                ),
            ));
        }
        if st.shard.count != n {
            return Err(bad_state(
                file,
                "shard",
                &format!("{}/{}", st.shard.index, st.shard.count),
                &format!("expected a shard of {n}"),
            ));
        }
        let slot = &mut seen[st.shard.index as usize];
        if *slot {
            return Err(bad_state(
                file,
                "shard",
                &format!("{}/{}", st.shard.index, n),
                "given twice",
            ));
        }
        *slot = true;
    }
    let s = first.scenario.clone();
    let (rows, skipped) = run::plan(&s);
    let mut accs: Vec<Accumulator> = rows
        .iter()
        .map(|r| Accumulator::scaled(r.experiment.w2_exp()))
        .collect();
    for (file, st) in &states {
        let a = st
            .checked_accumulators(&rows, s.trials)
            .map_err(|(key, value, reason)| bad_state(file, &key, &value, &reason))?;
        for (x, y) in accs.iter_mut().zip(&a) {
            x.merge(y);
        }
    }
    let report = run::report(&s, &rows, &skipped, &accs, Shard::WHOLE);
    let files = output::files(&report, None)?;
    output::write_all(out, &files)?;
    out!("{}", output::table(&report));
    Ok(())
}

/// `--out` must be a directory or not exist yet (refused before any work).
fn check_out(out: &Path) -> Result<(), CliError> {
    match std::fs::metadata(out) {
        Ok(m) if !m.is_dir() => Err(CliError::Usage(format!(
            "`--out` = {:?}: exists and is not a directory",
            out.display().to_string()
        ))),
        _ => Ok(()),
    }
}

fn bad_state(file: &str, key: &str, value: &str, reason: &str) -> CliError {
    CliError::Input(InputError::Value {
        file: file.into(),
        table: "shard state".into(),
        key: key.into(),
        value: value.into(),
        reason: reason.into(),
    })
}

fn cmd_list() -> Result<(), CliError> {
    outln!("Built-in policies (model::policy::builtin), attempts in 1 h / 72 h:");
    for p in model::policy::builtin() {
        let b1 = model::policy::budget(&p, model::policy::HOUR);
        let b72 = model::policy::budget(&p, 72 * model::policy::HOUR);
        let n = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
        outln!(
            "  {:16} bio {:>3} / {:>3}  pin {:>3} / {:>3}  {}",
            p.name,
            n(b1.biometric_presentations),
            n(b72.biometric_presentations),
            n(b1.pin_guesses),
            n(b72.pin_guesses),
            p.source
        );
    }
    outln!("Attacker strategies:");
    outln!("  biometric = {}", scenario::BioAttack::NAMES.join(" | "));
    outln!("  pin       = {}", scenario::PinAttack::NAMES.join(" | "));
    outln!("  pin_observed = P(saw the lock-screen PIN typed) in [0, 1], default 0 (issue 16)");
    outln!("Built-in scenarios (--scenario builtin:NAME):");
    for (name, text) in scenario::BUILTIN_SCENARIOS {
        let first = text.lines().next().unwrap_or("").trim_start_matches("# ");
        outln!("  {name:10} {first}");
        match Scenario::builtin(name) {
            Some(Ok(s)) => {
                let (rows, skipped) = run::plan(&s);
                outln!(
                    "             {} policies x {} attackers: {} rows, {} skipped; {} h window",
                    s.policies.len(),
                    s.attackers.len(),
                    rows.len(),
                    skipped.len(),
                    s.window_hours
                );
            }
            Some(Err(e)) => outln!("             invalid: {e}"),
            None => {}
        }
    }
    Ok(())
}

fn cmd_bench(threads: Option<usize>, trials: u64) -> Result<(), CliError> {
    scenario::check_trials(trials)
        .map_err(|r| CliError::Usage(format!("`--trials` = {trials}: {r}")))?;
    let pool = pool(threads)?;
    let mut s = Scenario::builtin("default")
        .ok_or_else(|| CliError::Internal("no default scenario".into()))??;
    s.trials = trials;
    let (rows, _) = run::plan(&s);
    outln!(
        "machine: {} threads in the pool, {} available",
        pool.current_num_threads(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // Throughput over the whole default scenario.
    let t0 = Instant::now();
    let _ = pool.install(|| run::simulate(&s, &rows, Shard::WHOLE, &|_| {}));
    let dt = t0.elapsed().as_secs_f64();
    let n = trials * rows.len() as u64;
    outln!(
        "default scenario: {} rows x {} trials = {} trials in {:.3} s: {:.3e} trials/s",
        rows.len(),
        trials,
        n,
        dt,
        n as f64 / dt
    );

    // Rare event: 5 presentations at q = 2e-7 (p ~ 1e-6), with and without importance sampling.
    let q = 2e-7;
    let b = 5;
    let tilted = Experiment {
        bio: Some(BioSampler::new(q, b)),
        pin: None,
        observed: 0.0,
    };
    let exact = tilted.exact();
    let key = estimate::row_key(1, 0);
    let t0 = Instant::now();
    let mut acc = Accumulator::default();
    let block = 1024u64;
    let mut next = 0u64;
    let (est, re) = loop {
        let batch: Vec<Accumulator> = pool.install(|| {
            use rayon::prelude::*;
            (0..2u64)
                .into_par_iter()
                .map(|j| {
                    let mut a = Accumulator::default();
                    let lo = next + j * block;
                    estimate::run_trials(&tilted, &key, lo..lo + block, &mut a);
                    a
                })
                .collect()
        });
        next += 2 * block;
        for a in &batch {
            acc.merge(a);
        }
        let e = estimate::summarise(&acc, true);
        let re = e.std_error / e.estimate;
        if acc.hits > 100 && re <= 0.01 {
            break (e, re);
        }
        if next > 1 << 32 {
            return Err(CliError::Internal("did not reach 1% relative error".into()));
        }
    };
    let dt = t0.elapsed().as_secs_f64();
    outln!(
        "rare event p = 1-(1-{q:e})^{b} = {exact:.6e}: importance sampling (q' = {}) reached \
         {:.3}% relative error in {} trials, {:.4} s; estimate {:.6e}, 95% [{:.6e}, {:.6e}]",
        tilted.bio.as_ref().map_or(0.0, |x| x.tilt),
        re * 100.0,
        acc.trials,
        dt,
        est.estimate,
        est.ci_low,
        est.ci_high
    );
    // Plain Monte-Carlo on the same experiment: measure its rate, project the trials needed.
    let plain = Experiment {
        bio: Some(BioSampler::new(0.5, b)),
        pin: None,
        observed: 0.0,
    };
    let t0 = Instant::now();
    let m = 1u64 << 21;
    let _ = pool.install(|| {
        use rayon::prelude::*;
        (0..64u64)
            .into_par_iter()
            .map(|j| {
                let mut a = Accumulator::default();
                let per = m / 64;
                estimate::run_trials(&plain, &key, j * per..(j + 1) * per, &mut a);
                a
            })
            .collect::<Vec<_>>()
    });
    let rate = m as f64 / t0.elapsed().as_secs_f64();
    let need = (1.0 - exact) / (exact * 1e-4);
    outln!(
        "plain Monte-Carlo would need (1-p)/(p * 0.01^2) = {need:.3e} trials: {:.0} s at the \
         measured {rate:.3e} trials/s",
        need / rate
    );
    Ok(())
}
