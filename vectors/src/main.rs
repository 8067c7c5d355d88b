//! `vectors`: generate the byte-level vectors and verify case files.
//!
//! - `vectors generate --seed N --out DIR` writes every vector into `DIR`.
//! - `vectors verify FILE` prints `accept` (exit 0) or `reject: <reason>` (exit 1); a file it
//!   cannot use gives a one-line error on stderr and exit 2.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use vectors::sig::Backend;

/// Byte-level vectors and the relying-party verifier.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
    /// RustCrypto p256 / rsa.
    Rustcrypto,
    /// ring.
    Ring,
    /// aws-lc-rs.
    AwsLc,
}

impl From<BackendArg> for Backend {
    fn from(b: BackendArg) -> Backend {
        match b {
            BackendArg::Rustcrypto => Backend::RustCrypto,
            BackendArg::Ring => Backend::Ring,
            BackendArg::AwsLc => Backend::AwsLc,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Generate every vector deterministically from a seed.
    Generate {
        /// Seed of the ChaCha20 stream.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify one case or sequence file.
    Verify {
        /// The file.
        file: PathBuf,
        /// Signature backend.
        #[arg(long, value_enum)]
        backend: Option<BackendArg>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate { seed, out } => {
            let files = match vectors::generate::generate(seed) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: generation failed: {e}");
                    return ExitCode::from(2);
                }
            };
            if let Err(e) = vectors::write_files(&out, &files) {
                eprintln!("error: cannot write {}: {e}", out.display());
                return ExitCode::from(2);
            }
            println!("wrote {} files to {}", files.len(), out.display());
            ExitCode::SUCCESS
        }
        Command::Verify { file, backend } => {
            let backend = backend.map(Backend::from).unwrap_or_default();
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            match vectors::case::verify_text(&text, backend) {
                Ok(outcome) => {
                    println!("{}", outcome.line());
                    match outcome {
                        vectors::case::Outcome::Accept => ExitCode::SUCCESS,
                        vectors::case::Outcome::Reject { .. } => ExitCode::from(1),
                    }
                }
                Err(e) => {
                    eprintln!("error: {}: {e}", file.display());
                    ExitCode::from(2)
                }
            }
        }
    }
}
