//! Benchmarks of the verification hot paths of a FIDO / JPKI relying party, and the comparison
//! report `bench-report` (issue 6; `DESIGN.md` §7).
//!
//! - [`fixtures`]: seeded keys, messages and signatures shared by every case.
//! - [`assertion`]: WebAuthn assertions (credential JSON) for the whole-check cases.
//! - [`verify`]: ES256 and RS256 verification on RustCrypto, `ring` and `aws-lc-rs`.
//! - [`measure`]: a calibrated timing loop on one or more threads.
//! - [`openssl`]: runs and parses `openssl speed`, the reference of the comparison.
//! - [`machine`]: the description of the machine that goes into the report.
//! - [`report`]: the report's JSON contract and its Markdown rendering.
//! - [`system`]: the model check and the simulator as workloads.

pub mod assertion;
pub mod fixtures;
pub mod machine;
pub mod measure;
pub mod openssl;
pub mod report;
pub mod system;
pub mod verify;
