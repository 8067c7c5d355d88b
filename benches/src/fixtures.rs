//! Deterministic keys, messages and signatures for the benchmarks.
//!
//! Every benchmark verifies the same bytes on every backend: one ES256 key (ECDSA over P-256 with
//! SHA-256, RFC 7518 §3.4 / FIPS 186-5) and one RS256 key (RSASSA-PKCS1-v1_5 with SHA-256 and a
//! 2048-bit modulus, RFC 8017 §8.2, the JPKI card key size), both drawn from a ChaCha20 stream with a
//! fixed seed, so the same seed gives the same keys, messages and signatures on every run.
//!
//! The messages have the length of what a WebAuthn authenticator signs for an assertion:
//! `authenticatorData || SHA-256(clientDataJSON)` (WebAuthn L3 §6.3.3), which is 37 bytes of
//! authenticator data without extensions (32 rpIdHash + 1 flags + 4 counter, §6.1) plus 32 bytes.

use p256::ecdsa::signature::Signer;
use p256::pkcs8::EncodePublicKey;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::signature::SignatureEncoding;

/// Length of the signed message: 37 bytes of authenticator data plus a 32-byte SHA-256 digest.
pub const MESSAGE_LEN: usize = 37 + 32;

/// How many distinct (message, signature) pairs each algorithm gets; the benchmarks cycle through
/// them so that no case measures one cached input.
pub const SAMPLES: usize = 16;

/// RSA modulus size of the JPKI user-authentication key (J-LIS: RSA-2048).
pub const RSA_BITS: usize = 2048;

/// The default seed, 32 ASCII bytes: pinned so that reports of different runs are comparable.
pub const DEFAULT_SEED: [u8; 32] = *b"mynafido benches fixture seed v1";

/// The two signature algorithms under measurement (COSE names, RFC 9053 / RFC 8812).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// ECDSA P-256 SHA-256, DER-encoded signatures as WebAuthn carries them.
    Es256,
    /// RSASSA-PKCS1-v1_5 SHA-256 with a 2048-bit key.
    Rs256,
}

impl Alg {
    /// Both algorithms, in report order.
    pub const ALL: [Alg; 2] = [Alg::Es256, Alg::Rs256];

    /// The lower-case name used in benchmark ids and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Es256 => "es256",
            Alg::Rs256 => "rs256",
        }
    }
}

/// One signed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The signed bytes.
    pub message: Vec<u8>,
    /// The signature: ASN.1 DER `Ecdsa-Sig-Value` for ES256, the 256-byte integer for RS256.
    pub signature: Vec<u8>,
}

/// A public key in the forms the backends take, and messages signed by its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFixture {
    /// Which algorithm this key is for.
    pub alg: Alg,
    /// X.509 `SubjectPublicKeyInfo` DER (RFC 5280 §4.1.2.7): what a certificate or a stored
    /// credential record holds.
    pub spki_der: Vec<u8>,
    /// The `subjectPublicKey` bit string's content: the uncompressed SEC1 point for ES256, the
    /// PKCS#1 `RSAPublicKey` DER for RS256 (the form `ring` takes).
    pub raw_public_key: Vec<u8>,
    /// Messages with valid signatures.
    pub samples: Vec<Sample>,
}

/// The keys for both algorithms.
#[derive(Debug, Clone)]
pub struct Fixtures {
    /// The ES256 key and samples.
    pub es256: KeyFixture,
    /// The RS256 key and samples.
    pub rs256: KeyFixture,
    es256_signer: p256::ecdsa::SigningKey,
    rs256_signer: rsa::pkcs1v15::SigningKey<rsa::sha2::Sha256>,
}

impl Fixtures {
    /// The fixture for `alg`.
    pub fn get(&self, alg: Alg) -> &KeyFixture {
        match alg {
            Alg::Es256 => &self.es256,
            Alg::Rs256 => &self.rs256,
        }
    }

    /// Signs `message` with the private key of `alg`'s fixture: a DER ECDSA signature with an
    /// RFC 6979 nonce, or a PKCS#1 v1.5 signature; both deterministic.
    pub fn sign(&self, alg: Alg, message: &[u8]) -> Result<Vec<u8>, FixtureError> {
        match alg {
            Alg::Es256 => {
                let sig: p256::ecdsa::Signature = self.es256_signer.sign(message);
                Ok(sig.to_der().as_bytes().to_vec())
            }
            Alg::Rs256 => Ok(self
                .rs256_signer
                .try_sign(message)
                .map_err(|_| rsa::Error::Internal)?
                .to_vec()),
        }
    }
}

/// Errors of fixture generation: these come from the crypto crates and do not happen with
/// well-formed parameters, but are reported rather than unwrapped.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// RSA key generation or signing failed.
    #[error("RSA fixture: {0}")]
    Rsa(#[from] rsa::Error),
    /// DER encoding of a public key failed.
    #[error("public key encoding: {0}")]
    Spki(String),
}

/// Generates both keys and their samples from `seed`.
///
/// RSA-2048 key generation is the slow part (about a second in a release build).
pub fn generate(seed: [u8; 32]) -> Result<Fixtures, FixtureError> {
    let mut rng = ChaCha20Rng::from_seed(seed);
    let (es256, es256_signer) = generate_es256(&mut rng)?;
    let (rs256, rs256_signer) = generate_rs256(&mut rng)?;
    Ok(Fixtures {
        es256,
        rs256,
        es256_signer,
        rs256_signer,
    })
}

fn random_messages(rng: &mut ChaCha20Rng) -> Vec<Vec<u8>> {
    (0..SAMPLES)
        .map(|_| {
            let mut m = vec![0u8; MESSAGE_LEN];
            rng.fill_bytes(&mut m);
            m
        })
        .collect()
}

fn generate_es256(
    rng: &mut ChaCha20Rng,
) -> Result<(KeyFixture, p256::ecdsa::SigningKey), FixtureError> {
    use p256::ecdsa::{Signature, SigningKey};
    use p256::elliptic_curve::Generate;
    let sk = SigningKey::generate_from_rng(rng);
    let vk = sk.verifying_key();
    let spki_der = vk
        .to_public_key_der()
        .map_err(|e| FixtureError::Spki(e.to_string()))?
        .as_bytes()
        .to_vec();
    let raw_public_key = vk.to_sec1_point(false).as_bytes().to_vec();
    let samples = random_messages(rng)
        .into_iter()
        .map(|message| {
            // RFC 6979 deterministic nonces: the signature depends only on key and message.
            let sig: Signature = sk.sign(&message);
            Sample {
                signature: sig.to_der().as_bytes().to_vec(),
                message,
            }
        })
        .collect();
    Ok((
        KeyFixture {
            alg: Alg::Es256,
            spki_der,
            raw_public_key,
            samples,
        },
        sk,
    ))
}

fn generate_rs256(
    rng: &mut ChaCha20Rng,
) -> Result<(KeyFixture, rsa::pkcs1v15::SigningKey<rsa::sha2::Sha256>), FixtureError> {
    use rsa::pkcs1v15::SigningKey;
    use rsa::sha2::Sha256;
    let sk = rsa::PrivateKey::new(rng, RSA_BITS)?;
    let pk = sk.to_public_key();
    let spki_der = pk
        .to_public_key_der()
        .map_err(|e| FixtureError::Spki(e.to_string()))?
        .as_bytes()
        .to_vec();
    let raw_public_key = pk
        .to_pkcs1_der()
        .map_err(|e| FixtureError::Spki(e.to_string()))?
        .as_bytes()
        .to_vec();
    let signer = SigningKey::<Sha256>::new(sk);
    let mut samples = Vec::with_capacity(SAMPLES);
    for message in random_messages(rng) {
        let sig = signer
            .try_sign(&message)
            .map_err(|_| rsa::Error::Internal)?;
        samples.push(Sample {
            signature: sig.to_vec(),
            message,
        });
    }
    Ok((
        KeyFixture {
            alg: Alg::Rs256,
            spki_der,
            raw_public_key,
            samples,
        },
        signer,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() -> Result<(), FixtureError> {
        let a = generate(DEFAULT_SEED)?;
        let b = generate(DEFAULT_SEED)?;
        assert_eq!((&a.es256, &a.rs256), (&b.es256, &b.rs256));
        for alg in Alg::ALL {
            // The signers are the keys of the samples: re-signing gives the same bytes.
            let s = &a.get(alg).samples[3];
            assert_eq!(b.sign(alg, &s.message)?, s.signature);
        }
        let mut other = DEFAULT_SEED;
        other[0] ^= 1;
        let c = generate(other)?;
        assert_ne!(a.es256.spki_der, c.es256.spki_der);
        assert_ne!(a.rs256.spki_der, c.rs256.spki_der);
        Ok(())
    }

    #[test]
    fn shapes() -> Result<(), FixtureError> {
        let f = generate(DEFAULT_SEED)?;
        for alg in Alg::ALL {
            let k = f.get(alg);
            assert_eq!(k.alg, alg);
            assert_eq!(k.samples.len(), SAMPLES);
            assert!(k.samples.iter().all(|s| s.message.len() == MESSAGE_LEN));
        }
        // Uncompressed SEC1 point: 0x04 || X || Y (SEC 1 v2 §2.3.3).
        assert_eq!(f.es256.raw_public_key.len(), 65);
        assert_eq!(f.es256.raw_public_key[0], 0x04);
        // An RSA-2048 PKCS#1 v1.5 signature is as long as the modulus (RFC 8017 §8.2.1).
        assert!(f.rs256.samples.iter().all(|s| s.signature.len() == 256));
        Ok(())
    }
}
