//! The signature layer: one API over three verification backends.
//!
//! WebAuthn relying parties verify ES256 (ECDSA over P-256 with SHA-256, COSE alg -7) and RS256
//! (RSASSA-PKCS1-v1_5 with SHA-256, COSE alg -257; RFC 8812 §2) assertions; the JPKI card signs
//! with RSASSA-PKCS1-v1_5 SHA-256 over RSA-2048 (RFC 8017 §8.2). This module parses a
//! SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) once, applies one key policy for every backend, and
//! hands the raw key to the chosen backend:
//!
//! - [`Backend::RustCrypto`], `p256` / `rsa` (pure Rust),
//! - [`Backend::Ring`], `ring`,
//! - [`Backend::AwsLc`], `aws-lc-rs`.
//!
//! The shared key policy (so that every backend accepts exactly the same keys):
//! - ES256: `id-ecPublicKey` with the named curve `prime256v1` (RFC 5480 §2.1.1), the point in
//!   uncompressed SEC 1 form (`0x04 || X || Y`, 65 bytes, SEC 1 v2 §2.3.3) on the curve;
//! - RS256: `rsaEncryption` with NULL parameters (RFC 8017 §A.1), a modulus of 2048 to 4096 bits
//!   and an odd public exponent 3 <= e < 2^33 (the bounds `ring` enforces, applied to all).
//!
//! Every verification failure (a malformed signature encoding included) is the single
//! [`SigError::BadSignature`], so backends cannot differ in how they fail. The Wycheproof tests
//! (`tests/wycheproof.rs`) check every backend against every case.

use der::Decode;
use der::asn1::ObjectIdentifier;
use spki::SubjectPublicKeyInfoRef;

/// `id-ecPublicKey`, RFC 5480 §2.1.1.
pub const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `secp256r1` / `prime256v1`, RFC 5480 §2.1.1.1.
pub const OID_PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// `rsaEncryption`, RFC 8017 §A.1.
pub const OID_RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Smallest RSA modulus accepted, in bits (the JPKI and WebAuthn RS256 keys are 2048-bit).
pub const RSA_MIN_BITS: usize = 2048;
/// Largest RSA modulus accepted, in bits (`rsa`'s default limit).
pub const RSA_MAX_BITS: usize = 4096;
/// Length of an uncompressed SEC 1 P-256 point.
pub const P256_UNCOMPRESSED_LEN: usize = 65;
/// Length of a P1363 (`r || s`) P-256 signature.
pub const P256_P1363_LEN: usize = 64;

/// A verification backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Backend {
    /// RustCrypto `p256` and `rsa`.
    RustCrypto,
    /// `ring`.
    Ring,
    /// `aws-lc-rs` (the hot-path default).
    #[default]
    AwsLc,
}

impl Backend {
    /// Every backend, in a fixed order.
    pub const ALL: [Backend; 3] = [Backend::RustCrypto, Backend::Ring, Backend::AwsLc];

    /// SHA-256 (FIPS 180-4) of `data` by this backend's own implementation: `sha2` for
    /// RustCrypto, `ring::digest` and `aws_lc_rs::digest` for the other two. The verifier hashes
    /// clientDataJSON (WebAuthn L3 §7.2) with the backend that then checks the signature: the
    /// digest is the same on every backend (checked by the tests below), and the code that hashes
    /// it is the code the signature check runs anyway (aws-lc and ring hash the signed message
    /// with it; both use the SHA extensions where the CPU has them), already in the instruction
    /// cache.
    pub fn sha256(self, data: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        match self {
            Backend::RustCrypto => {
                use sha2::Digest;
                out.copy_from_slice(&sha2::Sha256::digest(data));
            }
            Backend::Ring => {
                out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, data).as_ref());
            }
            Backend::AwsLc => {
                out.copy_from_slice(
                    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref(),
                );
            }
        }
        out
    }

    /// A short human name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::RustCrypto => "p256/rsa",
            Backend::Ring => "ring",
            Backend::AwsLc => "aws-lc-rs",
        }
    }
}

/// A signature algorithm (COSE names, RFC 9053 §2.1 and RFC 8812 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Alg {
    /// ECDSA P-256 SHA-256, COSE -7.
    Es256,
    /// RSASSA-PKCS1-v1_5 SHA-256, COSE -257.
    Rs256,
}

impl Alg {
    /// The COSE algorithm identifier.
    pub fn cose(self) -> i64 {
        match self {
            Alg::Es256 => -7,
            Alg::Rs256 => -257,
        }
    }

    /// The algorithm for a COSE identifier, if supported.
    pub fn from_cose(id: i64) -> Option<Alg> {
        match id {
            -7 => Some(Alg::Es256),
            -257 => Some(Alg::Rs256),
            _ => None,
        }
    }

    /// The algorithm a SubjectPublicKeyInfo's key type implies (without the key policy).
    pub fn of_spki_der(spki: &[u8]) -> Result<Alg, SigError> {
        let info = SubjectPublicKeyInfoRef::from_der(spki).map_err(|_| SigError::MalformedKey)?;
        if info.algorithm.oid == OID_EC_PUBLIC_KEY {
            Ok(Alg::Es256)
        } else if info.algorithm.oid == OID_RSA_ENCRYPTION {
            Ok(Alg::Rs256)
        } else {
            Err(SigError::UnsupportedKey)
        }
    }
}

/// Encoding of an ECDSA signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EcdsaSigFormat {
    /// ASN.1 DER `Ecdsa-Sig-Value` (RFC 3279 §2.2.3); WebAuthn uses this (L3 §6.5.6).
    Der,
    /// Fixed-width `r || s` (IEEE P1363; JOSE/COSE raw form).
    P1363,
}

/// Why a key was refused or a signature did not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    /// The SubjectPublicKeyInfo is not valid DER.
    #[error("malformed SubjectPublicKeyInfo")]
    MalformedKey,
    /// The key algorithm is neither P-256 nor RSA.
    #[error("unsupported key type")]
    UnsupportedKey,
    /// The key is of a different type than the algorithm requires.
    #[error("key type does not match the algorithm")]
    KeyTypeMismatch,
    /// The key is of the right type but outside the key policy or not a valid key.
    #[error("public key refused by policy or backend")]
    InvalidKey,
    /// The signature format is not defined for this algorithm (P1363 for RS256).
    #[error("signature format not defined for this algorithm")]
    WrongFormat,
    /// The signature does not verify (this includes malformed signature encodings).
    #[error("bad signature")]
    BadSignature,
}

/// A public key parsed once for one backend and one algorithm.
pub struct PublicKey {
    alg: Alg,
    backend: Backend,
    inner: Inner,
}

enum Inner {
    RcEs256(p256::ecdsa::VerifyingKey),
    RcRs256(Box<rsa::pkcs1v15::VerifyingKey<sha2::Sha256>>),
    /// Raw key (EC point or PKCS#1 RSAPublicKey); ring re-parses on every call.
    RingEs256(Vec<u8>),
    RingRs256(ring::signature::RsaPublicKeyComponents<Vec<u8>>),
    Aws(aws_lc_rs::signature::ParsedPublicKey),
    /// aws-lc-rs parsed with the P1363 (fixed) algorithm, for [`PublicKey::verify_p1363`].
    AwsEs256 {
        der: aws_lc_rs::signature::ParsedPublicKey,
        fixed: aws_lc_rs::signature::ParsedPublicKey,
    },
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("alg", &self.alg)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// The key material after the shared policy checks.
enum Checked<'a> {
    /// Uncompressed SEC 1 point.
    Ec(&'a [u8]),
    /// The PKCS#1 RSAPublicKey DER, and its modulus and exponent (big-endian, no leading zeros).
    Rsa {
        pkcs1: &'a [u8],
        n: &'a [u8],
        e: &'a [u8],
    },
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[start..]
}

fn bit_len(be: &[u8]) -> usize {
    match be.first() {
        None => 0,
        Some(&top) => (be.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
    }
}

fn check_policy(alg: Alg, spki: &[u8]) -> Result<Checked<'_>, SigError> {
    let info = SubjectPublicKeyInfoRef::from_der(spki).map_err(|_| SigError::MalformedKey)?;
    let key_alg = if info.algorithm.oid == OID_EC_PUBLIC_KEY {
        Alg::Es256
    } else if info.algorithm.oid == OID_RSA_ENCRYPTION {
        Alg::Rs256
    } else {
        return Err(SigError::UnsupportedKey);
    };
    if key_alg != alg {
        return Err(SigError::KeyTypeMismatch);
    }
    let raw = info
        .subject_public_key
        .as_bytes()
        .ok_or(SigError::MalformedKey)?;
    match alg {
        Alg::Es256 => {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|_| SigError::InvalidKey)?;
            if curve != OID_PRIME256V1 {
                return Err(SigError::UnsupportedKey);
            }
            if raw.len() != P256_UNCOMPRESSED_LEN || raw[0] != 0x04 {
                return Err(SigError::InvalidKey);
            }
            Ok(Checked::Ec(raw))
        }
        Alg::Rs256 => {
            match info.algorithm.parameters {
                Some(p) if p.is_null() => {}
                _ => return Err(SigError::InvalidKey),
            }
            let key = rsa::pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(raw)
                .map_err(|_| SigError::InvalidKey)?;
            let n = strip_zeros(key.modulus.as_bytes());
            let e = strip_zeros(key.public_exponent.as_bytes());
            let n_bits = bit_len(n);
            if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&n_bits) {
                return Err(SigError::InvalidKey);
            }
            // 3 <= e < 2^33 and odd.
            let e_bits = bit_len(e);
            let e_odd = e.last().is_some_and(|b| b & 1 == 1);
            if !(2..=33).contains(&e_bits) || !e_odd {
                return Err(SigError::InvalidKey);
            }
            Ok(Checked::Rsa { pkcs1: raw, n, e })
        }
    }
}

impl PublicKey {
    /// Parses a DER SubjectPublicKeyInfo for `backend` and `alg`, applying the shared key policy.
    pub fn from_spki_der(backend: Backend, alg: Alg, spki: &[u8]) -> Result<PublicKey, SigError> {
        let checked = check_policy(alg, spki)?;
        let inner = match (backend, checked) {
            (Backend::RustCrypto, Checked::Ec(point)) => Inner::RcEs256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map_err(|_| SigError::InvalidKey)?,
            ),
            (Backend::RustCrypto, Checked::Rsa { n, e, .. }) => {
                let n = rsa::BoxedUint::from_be_slice_vartime(n);
                let e = rsa::BoxedUint::from_be_slice_vartime(e);
                let key = rsa::PublicKey::new_with_size_limits(n, e, RSA_MIN_BITS..=RSA_MAX_BITS)
                    .map_err(|_| SigError::InvalidKey)?;
                Inner::RcRs256(Box::new(rsa::pkcs1v15::VerifyingKey::new(key)))
            }
            (Backend::Ring, Checked::Ec(point)) => {
                // ring has no parsed ECDSA public key type; check the point once here so that
                // an off-curve key is refused at parse time like the other backends do.
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map_err(|_| SigError::InvalidKey)?;
                Inner::RingEs256(point.to_vec())
            }
            (Backend::Ring, Checked::Rsa { n, e, .. }) => {
                Inner::RingRs256(ring::signature::RsaPublicKeyComponents {
                    n: n.to_vec(),
                    e: e.to_vec(),
                })
            }
            (Backend::AwsLc, Checked::Ec(point)) => Inner::AwsEs256 {
                der: aws_lc_rs::signature::ParsedPublicKey::new(
                    &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1,
                    point,
                )
                .map_err(|_| SigError::InvalidKey)?,
                fixed: aws_lc_rs::signature::ParsedPublicKey::new(
                    &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
                    point,
                )
                .map_err(|_| SigError::InvalidKey)?,
            },
            (Backend::AwsLc, Checked::Rsa { pkcs1, .. }) => Inner::Aws(
                aws_lc_rs::signature::ParsedPublicKey::new(
                    &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                    pkcs1,
                )
                .map_err(|_| SigError::InvalidKey)?,
            ),
        };
        Ok(PublicKey {
            alg,
            backend,
            inner,
        })
    }

    /// The algorithm this key verifies.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The backend this key was parsed for.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// SHA-256 (FIPS 180-4) of `data` by this key's backend: [`Backend::sha256`].
    pub fn sha256(&self, data: &[u8]) -> [u8; 32] {
        self.backend.sha256(data)
    }

    /// Verifies `sig` over `msg`: DER `Ecdsa-Sig-Value` for ES256, PKCS#1 v1.5 for RS256.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), SigError> {
        self.verify_format(msg, sig, EcdsaSigFormat::Der)
    }

    /// Verifies an ES256 signature in P1363 (`r || s`) form.
    pub fn verify_p1363(&self, msg: &[u8], sig: &[u8]) -> Result<(), SigError> {
        self.verify_format(msg, sig, EcdsaSigFormat::P1363)
    }

    /// Verifies with an explicit ECDSA signature format (RS256 accepts only `Der`, meaning its
    /// one PKCS#1 v1.5 encoding).
    pub fn verify_format(
        &self,
        msg: &[u8],
        sig: &[u8],
        format: EcdsaSigFormat,
    ) -> Result<(), SigError> {
        use p256::ecdsa::signature::Verifier;
        let bad = |_| SigError::BadSignature;
        match (&self.inner, format) {
            (Inner::RcEs256(key), EcdsaSigFormat::Der) => {
                let s = p256::ecdsa::DerSignature::try_from(sig).map_err(bad)?;
                key.verify(msg, &s).map_err(bad)
            }
            (Inner::RcEs256(key), EcdsaSigFormat::P1363) => {
                if sig.len() != P256_P1363_LEN {
                    return Err(SigError::BadSignature);
                }
                let s = p256::ecdsa::Signature::from_slice(sig).map_err(bad)?;
                key.verify(msg, &s).map_err(bad)
            }
            (Inner::RcRs256(key), EcdsaSigFormat::Der) => {
                let s = rsa::pkcs1v15::Signature::try_from(sig).map_err(bad)?;
                key.verify(msg, &s).map_err(bad)
            }
            (Inner::RingEs256(point), fmt) => {
                let alg = match fmt {
                    EcdsaSigFormat::Der => &ring::signature::ECDSA_P256_SHA256_ASN1,
                    EcdsaSigFormat::P1363 => &ring::signature::ECDSA_P256_SHA256_FIXED,
                };
                ring::signature::UnparsedPublicKey::new(alg, point)
                    .verify(msg, sig)
                    .map_err(|_| SigError::BadSignature)
            }
            (Inner::RingRs256(key), EcdsaSigFormat::Der) => key
                .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, msg, sig)
                .map_err(|_| SigError::BadSignature),
            (Inner::AwsEs256 { der, .. }, EcdsaSigFormat::Der) => {
                der.verify_sig(msg, sig).map_err(|_| SigError::BadSignature)
            }
            (Inner::AwsEs256 { fixed, .. }, EcdsaSigFormat::P1363) => fixed
                .verify_sig(msg, sig)
                .map_err(|_| SigError::BadSignature),
            (Inner::Aws(key), EcdsaSigFormat::Der) => {
                key.verify_sig(msg, sig).map_err(|_| SigError::BadSignature)
            }
            (Inner::RcRs256(_) | Inner::RingRs256(_) | Inner::Aws(_), EcdsaSigFormat::P1363) => {
                Err(SigError::WrongFormat)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spki::EncodePublicKey;

    fn p256_spki(compressed: bool) -> Vec<u8> {
        use p256::elliptic_curve::Generate;
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let key = p256::ecdsa::SigningKey::generate_from_rng(&mut rng);
        let der = key
            .verifying_key()
            .to_public_key_der()
            .map(|d| d.into_vec())
            .unwrap_or_default();
        if !compressed {
            return der;
        }
        // Rebuild the SPKI around the compressed point (33 bytes).
        let point = key.verifying_key().to_sec1_point(true);
        let info = SubjectPublicKeyInfoRef::from_der(&der).ok();
        let alg = info.map(|i| i.algorithm).into_iter().next();
        let owned = alg.and_then(|a| {
            spki::SubjectPublicKeyInfo {
                algorithm: a,
                subject_public_key: der::asn1::BitStringRef::from_bytes(point.as_bytes()).ok()?,
            }
            .to_der()
            .ok()
        });
        owned.unwrap_or_default()
    }

    use der::Encode;

    #[test]
    fn key_type_mismatch_and_policy_are_uniform() {
        let spki = p256_spki(false);
        let compressed = p256_spki(true);
        assert!(!compressed.is_empty() && !spki.is_empty());
        for b in Backend::ALL {
            assert!(PublicKey::from_spki_der(b, Alg::Es256, &spki).is_ok());
            assert_eq!(
                PublicKey::from_spki_der(b, Alg::Rs256, &spki).err(),
                Some(SigError::KeyTypeMismatch)
            );
            // Compressed points are outside the shared policy on every backend.
            assert_eq!(
                PublicKey::from_spki_der(b, Alg::Es256, &compressed).err(),
                Some(SigError::InvalidKey)
            );
            assert_eq!(
                PublicKey::from_spki_der(b, Alg::Es256, &spki[..spki.len() - 1]).err(),
                Some(SigError::MalformedKey)
            );
        }
    }

    #[test]
    fn rsa_policy_is_uniform() {
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let mut spki = |bits| {
            rsa::PrivateKey::new(&mut rng, bits)
                .ok()
                .and_then(|k| k.to_public_key().to_public_key_der().ok())
                .map(|d| d.into_vec())
                .unwrap_or_default()
        };
        let small = spki(1024);
        let ok = spki(2048);
        for b in Backend::ALL {
            // RSA-1024 is below the 2048-bit floor on every backend.
            assert_eq!(
                PublicKey::from_spki_der(b, Alg::Rs256, &small).err(),
                Some(SigError::InvalidKey)
            );
            let key = PublicKey::from_spki_der(b, Alg::Rs256, &ok);
            assert!(key.is_ok(), "{}", b.name());
            if let Ok(key) = key {
                assert_eq!(key.verify_p1363(b"m", &[0; 64]), Err(SigError::WrongFormat));
                assert_eq!(key.verify(b"m", &[0; 256]), Err(SigError::BadSignature));
                assert_eq!(key.verify(b"m", &[]), Err(SigError::BadSignature));
            }
        }
    }

    #[test]
    fn every_backend_hashes_the_fips_180_examples() {
        // FIPS 180-4 / NIST CSRC SHA-256 examples: "abc" (one block) and the 56-byte
        // two-block message; the digest of the empty string.
        let hex = |h: [u8; 32]| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let two = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        for b in Backend::ALL {
            assert_eq!(
                hex(b.sha256(b"abc")),
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
            );
            assert_eq!(
                hex(b.sha256(two)),
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            );
            assert_eq!(
                hex(b.sha256(b"")),
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            );
            // Negative control: one changed bit changes the digest.
            assert_ne!(b.sha256(b"abc"), b.sha256(b"abb"));
        }
    }

    #[test]
    fn names_and_cose_ids() {
        assert_eq!(Backend::default(), Backend::AwsLc);
        let names: Vec<_> = Backend::ALL.iter().map(|b| b.name()).collect();
        assert_eq!(names, ["p256/rsa", "ring", "aws-lc-rs"]);
        assert_eq!(Alg::from_cose(-7), Some(Alg::Es256));
        assert_eq!(Alg::from_cose(-257), Some(Alg::Rs256));
        assert_eq!(Alg::from_cose(-8), None);
    }
}
