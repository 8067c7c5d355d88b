//! Signature verification on the three backends, in two key forms.
//!
//! What is verified: ES256 is ECDSA over P-256 with SHA-256 and an ASN.1 DER signature (WebAuthn
//! L3 §6.5.5 / RFC 7518 §3.4 with the DER form WebAuthn uses); RS256 is RSASSA-PKCS1-v1_5 with
//! SHA-256 (RFC 8017 §8.2.2) on a 2048-bit key. Each verification hashes the message itself.
//!
//! The backends are RustCrypto (`p256`, `rsa`: pure Rust), `ring` and `aws-lc-rs` (assembly from
//! BoringSSL and AWS-LC). The key forms are:
//! - [`KeyForm::Parsed`]: the key is decoded once, before the timing loop, into the backend's
//!   public-key type, as a verifier that caches keys does. `ring` 0.17 has no public pre-parsed
//!   verification key: its `UnparsedPublicKey` re-reads the key bytes (point check, RSA modulus
//!   set-up) on every call, so for `ring` "parsed" means the raw key already cut out of the SPKI.
//! - [`KeyForm::Spki`]: every verification starts from the X.509 `SubjectPublicKeyInfo` DER
//!   (RFC 5280 §4.1.2.7), checks its algorithm identifier and decodes the key, as a verifier that
//!   stores only the DER does.

use crate::fixtures::{Alg, KeyFixture};
use spki::der::Decode;
use spki::{ObjectIdentifier, SubjectPublicKeyInfoRef};

/// `id-ecPublicKey` (RFC 5480 §2.1.1).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `secp256r1` / `prime256v1` (RFC 5480 §2.1.1.1).
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// `rsaEncryption` (RFC 8017 Appendix C, RFC 3279 §2.3.1).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// A verification backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// RustCrypto: `p256` for ES256, `rsa` for RS256.
    RustCrypto,
    /// `ring` 0.17.
    Ring,
    /// `aws-lc-rs` 1.x (AWS-LC).
    AwsLc,
}

impl Backend {
    /// All backends, in report order.
    pub const ALL: [Backend; 3] = [Backend::RustCrypto, Backend::Ring, Backend::AwsLc];

    /// The name used in benchmark ids and as the report's JSON key: the crate that does the work.
    pub fn name(self, alg: Alg) -> &'static str {
        match (self, alg) {
            (Backend::RustCrypto, Alg::Es256) => "p256",
            (Backend::RustCrypto, Alg::Rs256) => "rsa",
            (Backend::Ring, _) => "ring",
            (Backend::AwsLc, _) => "aws-lc-rs",
        }
    }
}

/// How the public key reaches the verification call (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyForm {
    /// Decoded once, outside the measured call.
    Parsed,
    /// Decoded from SubjectPublicKeyInfo DER inside every call.
    Spki,
}

impl KeyForm {
    /// Both forms, pre-parsed first.
    pub const ALL: [KeyForm; 2] = [KeyForm::Parsed, KeyForm::Spki];

    /// Suffix of the benchmark id: empty for the pre-parsed form.
    pub fn suffix(self) -> &'static str {
        match self {
            KeyForm::Parsed => "",
            KeyForm::Spki => "/spki",
        }
    }
}

/// Why a verifier could not be built.
#[derive(Debug, thiserror::Error)]
pub enum VerifierError {
    /// The backend rejected the public key.
    #[error("{backend} rejected the {alg} public key: {reason}")]
    KeyRejected {
        /// Backend name.
        backend: &'static str,
        /// Algorithm name.
        alg: &'static str,
        /// The backend's message.
        reason: String,
    },
    /// The verifier did not accept a valid sample or accepted a tampered one.
    #[error("{case}: self-check failed: {what}")]
    SelfCheck {
        /// Case id.
        case: String,
        /// What went wrong.
        what: &'static str,
    },
}

#[derive(Debug)]
enum Key {
    P256(p256::ecdsa::VerifyingKey),
    Rsa(Box<rsa::pkcs1v15::VerifyingKey<rsa::sha2::Sha256>>),
    /// `ring` takes the raw key bytes on every call.
    Ring(Vec<u8>),
    AwsLc(aws_lc_rs::signature::ParsedPublicKey),
    /// Any backend, from SPKI DER on every call.
    Spki(Vec<u8>),
}

/// A ready-to-call verifier for one (algorithm, backend, key form) case.
#[derive(Debug)]
pub struct Verifier {
    alg: Alg,
    backend: Backend,
    form: KeyForm,
    key: Key,
}

fn ring_alg(alg: Alg) -> &'static dyn ring::signature::VerificationAlgorithm {
    match alg {
        Alg::Es256 => &ring::signature::ECDSA_P256_SHA256_ASN1,
        Alg::Rs256 => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
    }
}

fn aws_alg(alg: Alg) -> &'static dyn aws_lc_rs::signature::VerificationAlgorithm {
    match alg {
        Alg::Es256 => &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1,
        Alg::Rs256 => &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
    }
}

fn p256_key_from_spki(spki: &[u8]) -> Option<p256::ecdsa::VerifyingKey> {
    use p256::pkcs8::DecodePublicKey;
    p256::ecdsa::VerifyingKey::from_public_key_der(spki).ok()
}

fn rsa_key_from_spki(spki: &[u8]) -> Option<rsa::pkcs1v15::VerifyingKey<rsa::sha2::Sha256>> {
    use rsa::pkcs8::DecodePublicKey;
    rsa::PublicKey::from_public_key_der(spki)
        .ok()
        .map(rsa::pkcs1v15::VerifyingKey::new)
}

fn p256_verify(key: &p256::ecdsa::VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier as _;
    match p256::ecdsa::Signature::from_der(sig) {
        Ok(sig) => key.verify(msg, &sig).is_ok(),
        Err(_) => false,
    }
}

fn rsa_verify(
    key: &rsa::pkcs1v15::VerifyingKey<rsa::sha2::Sha256>,
    msg: &[u8],
    sig: &[u8],
) -> bool {
    use rsa::signature::Verifier as _;
    match rsa::pkcs1v15::Signature::try_from(sig) {
        Ok(sig) => key.verify(msg, &sig).is_ok(),
        Err(_) => false,
    }
}

/// Cuts the `subjectPublicKey` out of SPKI DER after checking the algorithm identifier, the work
/// that `p256`, `rsa` and `aws-lc-rs` do inside their SPKI decoders and `ring` leaves to its caller.
fn raw_key_from_spki(alg: Alg, spki: &[u8]) -> Option<&[u8]> {
    let info = SubjectPublicKeyInfoRef::from_der(spki).ok()?;
    let ok = match alg {
        Alg::Es256 => {
            info.algorithm.oid == ID_EC_PUBLIC_KEY
                && info.algorithm.parameters_oid().ok() == Some(SECP256R1)
        }
        Alg::Rs256 => info.algorithm.oid == RSA_ENCRYPTION,
    };
    if ok {
        info.subject_public_key.as_bytes()
    } else {
        None
    }
}

impl Verifier {
    /// Builds the verifier for one case and checks it: it must accept every sample of `fixture`
    /// and reject each sample with one flipped signature byte and with one flipped message byte.
    pub fn new(
        backend: Backend,
        form: KeyForm,
        fixture: &KeyFixture,
    ) -> Result<Verifier, VerifierError> {
        let alg = fixture.alg;
        let rejected = |reason: String| VerifierError::KeyRejected {
            backend: backend.name(alg),
            alg: alg.name(),
            reason,
        };
        let key = match (form, backend, alg) {
            (KeyForm::Spki, _, _) => Key::Spki(fixture.spki_der.clone()),
            (KeyForm::Parsed, Backend::RustCrypto, Alg::Es256) => Key::P256(
                p256_key_from_spki(&fixture.spki_der).ok_or_else(|| rejected("SPKI".into()))?,
            ),
            (KeyForm::Parsed, Backend::RustCrypto, Alg::Rs256) => Key::Rsa(Box::new(
                rsa_key_from_spki(&fixture.spki_der).ok_or_else(|| rejected("SPKI".into()))?,
            )),
            (KeyForm::Parsed, Backend::Ring, _) => Key::Ring(fixture.raw_public_key.clone()),
            (KeyForm::Parsed, Backend::AwsLc, _) => Key::AwsLc(
                aws_lc_rs::signature::ParsedPublicKey::new(aws_alg(alg), &fixture.spki_der)
                    .map_err(|e| rejected(e.to_string()))?,
            ),
        };
        let v = Verifier {
            alg,
            backend,
            form,
            key,
        };
        v.self_check(fixture)?;
        Ok(v)
    }

    fn self_check(&self, fixture: &KeyFixture) -> Result<(), VerifierError> {
        let fail = |what| VerifierError::SelfCheck {
            case: self.id(),
            what,
        };
        for s in &fixture.samples {
            if !self.verify(&s.message, &s.signature) {
                return Err(fail("a valid signature was rejected"));
            }
            let mut sig = s.signature.clone();
            let last = sig.len() - 1;
            sig[last / 2] ^= 0x01;
            if self.verify(&s.message, &sig) {
                return Err(fail("a signature with a flipped bit was accepted"));
            }
            let mut msg = s.message.clone();
            msg[0] ^= 0x80;
            if self.verify(&msg, &s.signature) {
                return Err(fail("a signature over another message was accepted"));
            }
        }
        Ok(())
    }

    /// The case id, e.g. `verify/rs256/aws-lc-rs/spki`.
    pub fn id(&self) -> String {
        format!(
            "verify/{}/{}{}",
            self.alg.name(),
            self.backend.name(self.alg),
            self.form.suffix()
        )
    }

    /// The algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The key form.
    pub fn form(&self) -> KeyForm {
        self.form
    }

    /// Verifies `sig` over `msg`: true if and only if the signature is valid for the key.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match &self.key {
            Key::P256(k) => p256_verify(k, msg, sig),
            Key::Rsa(k) => rsa_verify(k, msg, sig),
            Key::Ring(raw) => ring::signature::UnparsedPublicKey::new(ring_alg(self.alg), raw)
                .verify(msg, sig)
                .is_ok(),
            Key::AwsLc(k) => k.verify_sig(msg, sig).is_ok(),
            Key::Spki(spki) => match (self.backend, self.alg) {
                (Backend::RustCrypto, Alg::Es256) => {
                    p256_key_from_spki(spki).is_some_and(|k| p256_verify(&k, msg, sig))
                }
                (Backend::RustCrypto, Alg::Rs256) => {
                    rsa_key_from_spki(spki).is_some_and(|k| rsa_verify(&k, msg, sig))
                }
                (Backend::Ring, alg) => raw_key_from_spki(alg, spki).is_some_and(|raw| {
                    ring::signature::UnparsedPublicKey::new(ring_alg(alg), raw)
                        .verify(msg, sig)
                        .is_ok()
                }),
                (Backend::AwsLc, alg) => {
                    aws_lc_rs::signature::UnparsedPublicKey::new(aws_alg(alg), spki.as_slice())
                        .verify(msg, sig)
                        .is_ok()
                }
            },
        }
    }
}

/// SHA-256 implementations measured by the `sha256/*` cases.
pub mod sha256 {
    /// The clientDataJSON-like input sizes of the `sha256/{32,200,1024}` cases, in bytes: a bare
    /// challenge, a typical clientDataJSON (type, 43-char challenge, origin), a long one.
    pub const SIZES: [usize; 3] = [32, 200, 1024];

    /// SHA-256 by `sha2` (RustCrypto).
    pub fn sha2(data: &[u8]) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(data).into()
    }

    /// SHA-256 by `ring`.
    pub fn ring(data: &[u8]) -> [u8; 32] {
        let d = ring::digest::digest(&ring::digest::SHA256, data);
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        out
    }

    /// SHA-256 by `aws-lc-rs`.
    pub fn aws_lc(data: &[u8]) -> [u8; 32] {
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{DEFAULT_SEED, Fixtures, generate};
    use std::sync::OnceLock;

    fn fixtures() -> &'static Fixtures {
        static F: OnceLock<Fixtures> = OnceLock::new();
        F.get_or_init(|| match generate(DEFAULT_SEED) {
            Ok(f) => f,
            Err(e) => panic!("fixture generation failed: {e}"),
        })
    }

    #[test]
    fn every_case_accepts_valid_and_rejects_tampered() -> Result<(), VerifierError> {
        let f = fixtures();
        let mut ids = Vec::new();
        for alg in Alg::ALL {
            for backend in Backend::ALL {
                for form in KeyForm::ALL {
                    // `new` runs the accept/reject self-check.
                    let v = Verifier::new(backend, form, f.get(alg))?;
                    ids.push(v.id());
                }
            }
        }
        assert_eq!(ids.len(), 12);
        assert!(ids.contains(&"verify/es256/p256".to_string()));
        assert!(ids.contains(&"verify/rs256/aws-lc-rs/spki".to_string()));
        Ok(())
    }

    #[test]
    fn a_signature_from_the_other_key_is_rejected() -> Result<(), VerifierError> {
        // Negative control for the self-check: the same messages signed by another key.
        let f = fixtures();
        let mut seed = DEFAULT_SEED;
        seed[31] ^= 0xff;
        let other = match generate(seed) {
            Ok(o) => o,
            Err(e) => panic!("fixture generation failed: {e}"),
        };
        for alg in Alg::ALL {
            for backend in Backend::ALL {
                for form in KeyForm::ALL {
                    let v = Verifier::new(backend, form, f.get(alg))?;
                    let s = &other.get(alg).samples[0];
                    assert!(!v.verify(&s.message, &s.signature), "{}", v.id());
                }
            }
        }
        Ok(())
    }

    #[test]
    fn spki_with_the_wrong_algorithm_is_rejected() {
        let f = fixtures();
        // An ES256 SPKI handed to the RS256 decoder and the other way round.
        assert!(raw_key_from_spki(Alg::Rs256, &f.es256.spki_der).is_none());
        assert!(raw_key_from_spki(Alg::Es256, &f.rs256.spki_der).is_none());
        assert_eq!(
            raw_key_from_spki(Alg::Es256, &f.es256.spki_der),
            Some(f.es256.raw_public_key.as_slice())
        );
        assert_eq!(
            raw_key_from_spki(Alg::Rs256, &f.rs256.spki_der),
            Some(f.rs256.raw_public_key.as_slice())
        );
    }

    #[test]
    fn sha256_backends_agree_with_fips_180_4() {
        // FIPS 180-4 / NIST CSRC example "abc": ba7816bf 8f01cfea 414140de 5dae2223 b00361a3
        // 96177a9c b410ff61 f20015ad.
        let abc: [u8; 32] = [
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
            0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
            0xf2, 0x00, 0x15, 0xad,
        ];
        for h in [sha256::sha2, sha256::ring, sha256::aws_lc] {
            assert_eq!(h(b"abc"), abc);
            assert_ne!(h(b"abd"), abc);
        }
    }
}
