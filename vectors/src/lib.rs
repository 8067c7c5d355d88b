//! Byte-level test vectors and the relying-party verifier of mynafido (DESIGN.md §5).
//!
//! - [`sig`]: the signature layer (ES256, RS256) over three backends.
//! - [`webauthn`]: WebAuthn byte formats (authenticator data, COSE keys, base64url).

pub mod sig;
pub mod webauthn;
