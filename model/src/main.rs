//! The `model` binary: check the protocol model, list the bug switches, serve the Explorer, and
//! print attempt budgets of the lockout policies. The work is done by the `model` library.

use clap::{Parser, Subcommand};
use model::bugs::Bug;
use model::chart;
use model::check::{self, Options};
use model::policy::{self, HOUR};
use model::system::{Config, Scenario};
use serde::Serialize;
use stateright::Model;
use std::io::IsTerminal;
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "model",
    about = "Exhaustively checked model of the My Number Card / FIDO proposal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the default configuration exhaustively (exit 0: every property as expected).
    Check {
        /// Turn on one bug switch (see `model bugs`).
        #[arg(long, value_name = "NAME")]
        bug: Option<String>,
        /// Print one JSON object instead of the table.
        #[arg(long)]
        json: bool,
        /// Checker threads.
        #[arg(
            long,
            value_name = "N",
            default_value = "1",
            allow_hyphen_values = true
        )]
        threads: String,
        /// Only this scenario (enrol, renew, kiosk, stolen-phone, stolen-card, daily-use,
        /// stolen-phone-pin-known, insider, stolen-iphone, stolen-both).
        #[arg(long, value_name = "NAME")]
        scenario: Option<String>,
        /// Larger bounds (not in CI; minutes or more per scenario): each owner step once more
        /// than its flows need, two attacker logins, up to 10 server sessions, every attacker
        /// capability (`--every-capability`). Run one scenario
        /// per process with `--scenario NAME` to spread the scenarios over machines.
        #[arg(long)]
        deep: bool,
        /// Every attacker capability in every scenario where its precondition holds, combined
        /// (the default offers a subset within its budget; see model/README.md, "The
        /// attacker's capabilities"). Implied by --deep. Not in CI.
        #[arg(long)]
        every_capability: bool,
        /// The seed's SMS baseline (§2-1) instead of the card-bound design: accounts keyed by a
        /// phone number, in `insider` only. The owner's number is reassigned to the second
        /// person, so `account isolation` is violated (exit 1): the takeover the seed predicts.
        #[arg(long)]
        sms_baseline: bool,
        /// Also write the counterexample of the property the bug switch breaks as a message
        /// sequence chart (SVG) to FILE (needs --bug).
        #[arg(long, value_name = "FILE", requires = "bug")]
        svg: Option<std::path::PathBuf>,
        /// Print the unique states checked so far to stderr every 5 s (on by default when
        /// stderr is a terminal).
        #[arg(long)]
        progress: bool,
    },
    /// Write the reviewer's page DIR/model.html: the property and bug-switch tables and every
    /// bug switch's shortest counterexample as a message sequence chart (self-contained HTML).
    Report {
        #[arg(long, value_name = "DIR", default_value = "reports")]
        out: std::path::PathBuf,
    },
    /// List the bug switches and the property each must break.
    Bugs {
        #[arg(long)]
        json: bool,
    },
    /// Serve stateright's Explorer for the default configuration.
    Explore {
        /// Address to listen on; port 0 picks a free port (the one bound is printed).
        #[arg(
            long,
            value_name = "ADDR",
            default_value = "127.0.0.1:3000",
            allow_hyphen_values = true
        )]
        addr: String,
        /// Explore with one bug switch on.
        #[arg(long, value_name = "NAME")]
        bug: Option<String>,
    },
    /// Attempts each stage of a policy allows an attacker in a window, from the lockout automaton.
    Budget {
        /// A built-in policy (see `--list`).
        #[arg(long, value_name = "NAME", required_unless_present = "list")]
        policy: Option<String>,
        /// The window in hours.
        #[arg(
            long,
            value_name = "H",
            required_unless_present = "list",
            allow_hyphen_values = true
        )]
        hours: Option<String>,
        /// List the built-in policies with their figures and sources.
        #[arg(long)]
        list: bool,
    },
}

/// A bad value on the command line: the message names it; exit 2.
struct Usage(String);

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line, naming the offending value; the usage is in --help.
            let text = e.render().to_string();
            let head: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty() && !l.starts_with("Usage:"))
                .map(str::trim)
                .collect();
            eprintln!("{}", head.join(" "));
            return ExitCode::from(2);
        }
    };
    match run(cli.command) {
        Ok(code) => code,
        Err(Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// One line of a result on stdout. A reader that stopped reading (`model check | head`) is no
/// error of ours: the write is dropped and the command still ends with its own exit code (a
/// verdict for `check`), where `println!` would panic on the closed pipe.
fn out(text: &str) {
    out_raw(&format!("{text}\n"));
}

/// As [`out`], without the newline.
fn out_raw(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

fn config_with(bug: Option<&str>) -> Result<Config, Usage> {
    let config = Config::new().map_err(|e| Usage(e.to_string()))?;
    match bug {
        None => Ok(config),
        Some(name) => {
            let bug: Bug = name
                .parse()
                .map_err(|e: model::bugs::UnknownBug| Usage(e.to_string()))?;
            Ok(config.with_bug(bug))
        }
    }
}

fn run(command: Command) -> Result<ExitCode, Usage> {
    match command {
        Command::Check {
            bug,
            json,
            threads,
            scenario,
            svg,
            deep,
            every_capability,
            sms_baseline,
            progress,
        } => {
            let threads: usize = threads
                .parse()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| Usage(format!("--threads `{threads}` is not a number in 1..=64")))?;
            let mut config = config_with(bug.as_deref())?;
            if deep {
                config = config.deep();
            }
            config.every_capability |= every_capability;
            if sms_baseline {
                config = config.sms_baseline();
            }
            if let Some(name) = scenario {
                let sc = Scenario::ALL
                    .into_iter()
                    .find(|s| s.name() == name)
                    .ok_or_else(|| Usage(format!("unknown scenario `{name}`")))?;
                config = config.only(&[sc]);
            }
            let report = check::run(
                config,
                &Options {
                    threads,
                    progress: progress || std::io::stderr().is_terminal(),
                    ..Options::default()
                },
            );
            if let (Some(file), Some(name)) = (&svg, &bug) {
                let bug: Bug = name
                    .parse()
                    .map_err(|e: model::bugs::UnknownBug| Usage(e.to_string()))?;
                let property = bug.breaks();
                let trace = report
                    .property(property)
                    .and_then(|p| p.trace.as_ref())
                    .ok_or_else(|| {
                        Usage(format!(
                            "`{property}` is not violated with --bug {name}: no chart written to {}",
                            file.display()
                        ))
                    })?;
                let mut text = chart::from_trace(trace, Some(property)).svg();
                text.push('\n');
                write_whole(file, &text)?;
            }
            if json {
                out(&to_json(&report)?);
            } else {
                out_raw(&check::table(&report));
            }
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Report { out } => {
            let started = std::time::Instant::now();
            let page = model::report::default_page().map_err(|e| Usage(e.to_string()))?;
            std::fs::create_dir_all(&out)
                .map_err(|e| Usage(format!("cannot create {}: {e}", out.display())))?;
            let file = out.join("model.html");
            write_whole(&file, &page)?;
            eprintln!(
                "wrote {} ({} bytes) in {:.1} s",
                file.display(),
                page.len(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Bugs { json } => {
            #[derive(Serialize)]
            struct Row {
                name: &'static str,
                breaks: &'static str,
            }
            let rows: Vec<Row> = Bug::ALL
                .iter()
                .map(|b| Row {
                    name: b.name(),
                    breaks: b.breaks(),
                })
                .collect();
            if json {
                out(&to_json(&rows)?);
            } else {
                for b in Bug::ALL {
                    out(&format!(
                        "{:<28} breaks {:<22} ({})",
                        b.name(),
                        b.breaks(),
                        b.removes()
                    ));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explore { addr, bug } => {
            let addr: SocketAddr = addr.parse().map_err(|_| {
                Usage(format!(
                    "--addr `{addr}` is not an address like 127.0.0.1:3000"
                ))
            })?;
            // stateright's server panics if it cannot bind: find out first, with a clear error.
            // The probe also resolves port 0 to the free port the system picked, which is then
            // served and printed (stateright takes an address, not a listener, so another
            // process could take the port in between; it would then fail loudly).
            let addr = TcpListener::bind(addr)
                .and_then(|l| l.local_addr())
                .map_err(|e| Usage(format!("--addr `{addr}`: cannot listen: {e}")))?;
            let config = config_with(bug.as_deref())?;
            eprintln!("Explorer on http://{addr}/ (Ctrl-C to stop)");
            // The Explorer gets the wrapper whose start names each scenario.
            let _checker = model::explore::Explore(config).checker().serve(addr);
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
        Command::Budget {
            policy,
            hours,
            list,
        } => {
            if list {
                for p in policy::builtin() {
                    out(&describe_policy(&p));
                }
                return Ok(ExitCode::SUCCESS);
            }
            let (Some(name), Some(hours)) = (policy, hours) else {
                return Err(Usage(
                    "--policy and --hours are required without --list".into(),
                ));
            };
            let p = policy::builtin_named(&name).ok_or_else(|| {
                Usage(format!(
                    "unknown policy `{name}` (see `model budget --list`)"
                ))
            })?;
            let h: f64 = hours
                .parse()
                .ok()
                .filter(|h: &f64| h.is_finite() && *h >= 0.0 && *h <= 1e6)
                .ok_or_else(|| {
                    Usage(format!(
                        "--hours `{hours}` is not a number of hours in 0..=1e6"
                    ))
                })?;
            // Attempts that start strictly before the window's end count: ceil(3600 h) s, exactly.
            let window = policy::window_secs(h).ok_or_else(|| {
                Usage(format!(
                    "--hours `{hours}` is not a number of hours in 0..=1e6"
                ))
            })?;
            out(&to_json(&policy::budget(&p, window))?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Write a file whole or not at all: a temporary file beside it, then a rename.
fn write_whole(file: &std::path::Path, text: &str) -> Result<(), Usage> {
    let mut tmp = file.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, file))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Usage(format!("cannot write {}: {e}", file.display()))
        })
}

fn to_json<T: Serialize>(value: &T) -> Result<String, Usage> {
    serde_json::to_string_pretty(value).map_err(|e| Usage(format!("cannot write JSON: {e}")))
}

/// One line per policy: its figures and source.
fn describe_policy(p: &policy::Policy) -> String {
    let mut parts = Vec::new();
    if let Some(b) = &p.biometric {
        parts.push(format!(
            "biometric FAR {:.2e} SAR {:.2}, {} tries/round, {} s lockout x{}, primary {}, idle {}",
            b.far,
            b.sar,
            b.tries_per_round,
            b.lockout_secs,
            b.timed_lockouts,
            hours(b.primary_timeout_secs),
            hours(b.idle_timeout_secs)
        ));
    }
    if let Some(pin) = &p.pin {
        parts.push(format!(
            "PIN {} digits, {}, throttle {:?}",
            pin.digits,
            pin.max_tries
                .map_or("no try limit".to_string(), |m| format!("{m} tries")),
            pin.throttle
        ));
    }
    format!(
        "{:<15} {}\n{:<15} source: {}",
        p.name,
        parts.join("; "),
        "",
        p.source
    )
}

fn hours(secs: Option<u64>) -> String {
    secs.map_or("none".to_string(), |s| format!("{} h", s / HOUR))
}
