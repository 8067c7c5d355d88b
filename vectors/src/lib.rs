//! Byte-level test vectors and the relying-party verifier of mynafido (DESIGN.md §5).
//!
//! - [`sig`]: the signature layer (ES256, RS256) over three backends.
//! - [`webauthn`]: WebAuthn byte formats (authenticator data, COSE keys, base64url).
//! - [`verify`]: the relying-party checks, each rejection a [`verify::Reject`] variant.
//! - [`credential_json`]: the assertion hot path's single-pass credential-JSON reader.
//! - [`pki`]: RFC 5280 extension processing and name comparison for the card check.
//! - [`case`]: the case-file format and its evaluation.
//! - [`sequence`]: message sequences (registration, login, kiosk QR, recovery).
//! - [`generate`]: deterministic generation of `data/*.json`.
//! - [`conformance`]: a relying party with carried state, the concrete side of trace
//!   conformance with the `model` crate (`tests/conformance.rs`).

pub mod case;
pub mod conformance;
pub mod credential_json;
pub mod generate;
pub mod pki;
pub mod sequence;
pub mod sig;
pub mod verify;
pub mod webauthn;

use std::path::Path;

/// Writes generated files into `dir` (created if needed). Each file is written to a temporary
/// name and renamed, so a failure leaves no half-written file.
pub fn write_files(dir: &Path, files: &[generate::OutFile]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for f in files {
        let tmp = dir.join(format!(".{}.tmp", f.name));
        std::fs::write(&tmp, &f.text)?;
        std::fs::rename(&tmp, dir.join(&f.name))?;
    }
    Ok(())
}
