//! WebAuthn assertions for the `assertion/*` cases, built from the benchmark keys.
//!
//! Each sample is what a browser hands a relying party after `navigator.credentials.get()`: the
//! `PublicKeyCredential.toJSON()` form (WebAuthn L3 §5.1, `AuthenticationResponseJSON`) with
//! base64url fields, over
//! - `clientDataJSON` (§5.8.1): `{"type":"webauthn.get","challenge":...,"origin":...,
//!   "crossOrigin":false}`,
//! - `authenticatorData` (§6.1): `SHA-256(rpId) || flags (UP, UV) || signCount` (big-endian u32),
//! - `signature` (§6.3.3): over `authenticatorData || SHA-256(clientDataJSON)`, DER ECDSA for ES256
//!   and PKCS#1 v1.5 for RS256.
//!
//! The bytes are built here, not by the `vectors` generator, so that the benchmark input does not
//! change when the generator does; the `vectors` verifier must accept them (checked before timing).

use crate::fixtures::{Alg, FixtureError, Fixtures};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The relying party's origin in the samples.
pub const ORIGIN: &str = "https://rp.example";
/// The relying party ID in the samples.
pub const RP_ID: &str = "rp.example";
/// Authenticator-data flags: UP (bit 0) and UV (bit 2), WebAuthn L3 §6.1.
pub const FLAGS_UP_UV: u8 = 0x01 | 0x04;

/// One assertion and the parts of it the bare signature check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionSample {
    /// The challenge the relying party issued (32 bytes).
    pub challenge: Vec<u8>,
    /// The credential ID (16 bytes).
    pub credential_id: Vec<u8>,
    /// The signature counter in the authenticator data (at least 1).
    pub sign_count: u32,
    /// `PublicKeyCredential.toJSON()` as UTF-8 bytes: the input of the whole check.
    pub credential_json: Vec<u8>,
    /// `authenticatorData || SHA-256(clientDataJSON)`: the signed bytes.
    pub signed: Vec<u8>,
    /// The raw signature.
    pub signature: Vec<u8>,
}

/// base64url without padding (RFC 4648 §5), the encoding WebAuthn's JSON forms use.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Builds `count` assertions of one credential of `alg`'s key; the challenge and counter of
/// sample `i` are derived from `i` (challenge byte j = i * 32 + j mod 256; counter i + 1).
pub fn samples(
    fx: &Fixtures,
    alg: Alg,
    count: usize,
) -> Result<Vec<AssertionSample>, FixtureError> {
    let rp_id_hash = Sha256::digest(RP_ID.as_bytes());
    (0..count)
        .map(|i| {
            let challenge: Vec<u8> = (0..32).map(|j| ((i * 32 + j) % 256) as u8).collect();
            // One credential (one user's authenticator) signing successive assertions.
            let credential_id: Vec<u8> = (0..16).map(|j| 0xc0 ^ j as u8).collect();
            let sign_count = i as u32 + 1;
            let client_data = format!(
                r#"{{"type":"webauthn.get","challenge":"{}","origin":"{ORIGIN}","crossOrigin":false}}"#,
                b64(&challenge)
            );
            let mut auth_data = Vec::with_capacity(37);
            auth_data.extend_from_slice(&rp_id_hash);
            auth_data.push(FLAGS_UP_UV);
            auth_data.extend_from_slice(&sign_count.to_be_bytes());
            let mut signed = auth_data.clone();
            signed.extend_from_slice(&Sha256::digest(client_data.as_bytes()));
            let signature = fx.sign(alg, &signed)?;
            let id = b64(&credential_id);
            let credential_json = format!(
                concat!(
                    r#"{{"id":"{id}","rawId":"{id}","type":"public-key","#,
                    r#""authenticatorAttachment":"platform","clientExtensionResults":{{}},"#,
                    r#""response":{{"clientDataJSON":"{cd}","authenticatorData":"{ad}","#,
                    r#""signature":"{sig}","userHandle":"dXNlcg"}}}}"#
                ),
                id = id,
                cd = b64(client_data.as_bytes()),
                ad = b64(&auth_data),
                sig = b64(&signature),
            );
            Ok(AssertionSample {
                challenge,
                credential_id,
                sign_count,
                credential_json: credential_json.into_bytes(),
                signed,
                signature,
            })
        })
        .collect()
}

/// The `vectors` algorithm for a benchmark algorithm.
pub fn vectors_alg(alg: Alg) -> vectors::sig::Alg {
    match alg {
        Alg::Es256 => vectors::sig::Alg::Es256,
        Alg::Rs256 => vectors::sig::Alg::Rs256,
    }
}

/// The benchmark's name for a `vectors` backend.
pub fn backend_of(b: vectors::sig::Backend) -> crate::verify::Backend {
    match b {
        vectors::sig::Backend::RustCrypto => crate::verify::Backend::RustCrypto,
        vectors::sig::Backend::Ring => crate::verify::Backend::Ring,
        vectors::sig::Backend::AwsLc => crate::verify::Backend::AwsLc,
    }
}

/// Why a whole-check case could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum AssertionError {
    /// The fixtures could not be built.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// The `vectors` signature layer refused the key.
    #[error("vectors::sig refused the {alg} key: {err}")]
    Key {
        /// Algorithm name.
        alg: &'static str,
        /// The refusal.
        err: vectors::sig::SigError,
    },
    /// The verifier rejected a valid sample or accepted a tampered one.
    #[error("{alg} sample {index}: {what}")]
    SelfCheck {
        /// Algorithm name.
        alg: &'static str,
        /// Sample index.
        index: usize,
        /// What went wrong.
        what: String,
    },
}

/// One prepared whole-check case: what the relying party expects and the browser's JSON.
#[derive(Debug)]
pub struct Prepared {
    /// The expectations, with the key pre-parsed for the backend.
    pub expected: vectors::verify::Expected,
    /// The same expectations with one bit of `rp_id_hash` flipped: the verifier runs every step
    /// up to the rpIdHash comparison and rejects there, before hashing clientDataJSON and checking
    /// the signature, so its time is the parsing part of the whole check.
    pub expected_wrong_rp: vectors::verify::Expected,
    /// The sample.
    pub sample: AssertionSample,
}

impl Prepared {
    /// The whole relying-party check of WebAuthn L3 §7.2 by `vectors::verify::verify_assertion`.
    pub fn whole(&self) -> bool {
        vectors::verify::verify_assertion(&self.expected, &self.sample.credential_json).is_ok()
    }

    /// The bare signature check inside it: the same pre-parsed key over the already-decoded
    /// signed bytes and signature.
    pub fn bare(&self) -> bool {
        self.expected
            .key
            .verify(&self.sample.signed, &self.sample.signature)
            .is_ok()
    }

    /// The whole check stopped at the rpIdHash comparison (true if it stopped there).
    pub fn parse_only(&self) -> bool {
        vectors::verify::verify_assertion(&self.expected_wrong_rp, &self.sample.credential_json)
            == Err(vectors::verify::Reject::RpIdHashMismatch)
    }
}

/// The steps of the whole check measured one by one for the overhead breakdown. They mirror
/// what WebAuthn L3 §7.2 asks of the verifier (and what `vectors::verify` does), written here
/// on the same crates (`serde_json` with borrowed strings, `base64`) so that each step can be
/// timed alone; they are an estimate of where the time goes, not the verifier's code. The hash
/// step is the verifier's own: the SHA-256 of its default backend (`vectors::sig::Backend`).
pub mod steps {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde::Deserialize;
    use std::borrow::Cow;

    /// `AuthenticationResponseJSON` (§5.1), the members a relying party reads.
    #[derive(Deserialize)]
    pub struct Credential<'a> {
        /// `id`.
        #[serde(borrow)]
        pub id: Cow<'a, str>,
        /// `rawId`.
        #[serde(borrow, rename = "rawId")]
        pub raw_id: Cow<'a, str>,
        /// `type`.
        #[serde(borrow, rename = "type")]
        pub ty: Cow<'a, str>,
        /// `response`.
        #[serde(borrow)]
        pub response: Response<'a>,
    }

    /// `AuthenticatorAssertionResponseJSON`.
    #[derive(Deserialize)]
    pub struct Response<'a> {
        /// `clientDataJSON`, base64url.
        #[serde(borrow, rename = "clientDataJSON")]
        pub client_data_json: Cow<'a, str>,
        /// `authenticatorData`, base64url.
        #[serde(borrow, rename = "authenticatorData")]
        pub authenticator_data: Cow<'a, str>,
        /// `signature`, base64url.
        #[serde(borrow)]
        pub signature: Cow<'a, str>,
    }

    /// `CollectedClientData` (§5.8.1), the members a relying party checks.
    #[derive(Deserialize)]
    pub struct ClientData<'a> {
        /// `type`.
        #[serde(borrow, rename = "type")]
        pub ty: Cow<'a, str>,
        /// `challenge`.
        #[serde(borrow)]
        pub challenge: Cow<'a, str>,
        /// `origin`.
        #[serde(borrow)]
        pub origin: Cow<'a, str>,
        /// `crossOrigin`.
        #[serde(default, rename = "crossOrigin")]
        pub cross_origin: Option<bool>,
    }

    /// Step 1: parse the credential JSON (UTF-8 check included).
    pub fn parse_credential(json: &[u8]) -> Option<Credential<'_>> {
        serde_json::from_str(std::str::from_utf8(json).ok()?).ok()
    }

    /// Step 2: decode the three base64url fields.
    pub fn decode_fields(c: &Credential<'_>) -> Option<(Vec<u8>, Vec<u8>, Vec<u8>)> {
        let d = |s: &str| URL_SAFE_NO_PAD.decode(s).ok();
        Some((
            d(&c.response.client_data_json)?,
            d(&c.response.authenticator_data)?,
            d(&c.response.signature)?,
        ))
    }

    /// Step 3: parse clientDataJSON (UTF-8 check included).
    pub fn parse_client_data(bytes: &[u8]) -> Option<ClientData<'_>> {
        serde_json::from_str(std::str::from_utf8(bytes).ok()?).ok()
    }

    /// Step 4: SHA-256 of clientDataJSON, as the verifier hashes it (its default backend's
    /// SHA-256, `vectors::sig::Backend::sha256`).
    pub fn hash_client_data(bytes: &[u8]) -> [u8; 32] {
        vectors::sig::Backend::default().sha256(bytes)
    }
}

/// Prepares `count` whole-check cases for `alg` on `backend`, as a relying party that has
/// identified the user does: the credential ID is restricted (`allowCredentials`), user
/// verification is required, the stored counter is 0. Checks each case before returning it: the
/// whole check must accept it and return its counter, and must reject it with the signature's
/// first base64url character changed or with a stored counter equal to the sample's.
pub fn prepare(
    fx: &Fixtures,
    alg: Alg,
    backend: vectors::sig::Backend,
    count: usize,
) -> Result<Vec<Prepared>, AssertionError> {
    let key = || {
        vectors::sig::PublicKey::from_spki_der(backend, vectors_alg(alg), &fx.get(alg).spki_der)
            .map_err(|err| AssertionError::Key {
                alg: alg.name(),
                err,
            })
    };
    let mut out = Vec::with_capacity(count);
    for (index, sample) in samples(fx, alg, count)?.into_iter().enumerate() {
        let fail = |what: String| AssertionError::SelfCheck {
            alg: alg.name(),
            index,
            what,
        };
        let mut expected = vectors::verify::Expected::new(ORIGIN, RP_ID, &sample.challenge, key()?);
        expected.credential_id = Some(sample.credential_id.clone());
        expected.require_user_verification = true;
        match vectors::verify::verify_assertion(&expected, &sample.credential_json) {
            Ok(a) if a.sign_count == sample.sign_count && a.user_verified => {}
            other => return Err(fail(format!("valid assertion gave {other:?}"))),
        }
        if expected
            .key
            .verify(&sample.signed, &sample.signature)
            .is_err()
        {
            return Err(fail("bare check rejected a valid signature".into()));
        }
        let sig_b64 = b64(&sample.signature);
        let json = String::from_utf8_lossy(&sample.credential_json);
        let first = if sig_b64.starts_with('A') { "B" } else { "A" };
        let tampered = json.replace(&sig_b64, &format!("{first}{}", &sig_b64[1..]));
        if vectors::verify::verify_assertion(&expected, tampered.as_bytes()).is_ok() {
            return Err(fail("a tampered signature was accepted".into()));
        }
        expected.stored_sign_count = sample.sign_count;
        if vectors::verify::verify_assertion(&expected, &sample.credential_json).is_ok() {
            return Err(fail("a counter that did not increase was accepted".into()));
        }
        expected.stored_sign_count = 0;
        let mut expected_wrong_rp =
            vectors::verify::Expected::new(ORIGIN, RP_ID, &sample.challenge, key()?);
        expected_wrong_rp.credential_id = expected.credential_id.clone();
        expected_wrong_rp.require_user_verification = true;
        expected_wrong_rp.rp_id_hash[0] ^= 1;
        let p = Prepared {
            expected,
            expected_wrong_rp,
            sample,
        };
        if !p.parse_only() {
            return Err(fail(
                "the wrong-rpIdHash copy was not rejected at rpIdHash".into(),
            ));
        }
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{DEFAULT_SEED, generate};
    use crate::verify::{Backend, KeyForm, Verifier};

    #[test]
    fn samples_are_signed_by_the_fixture_key_and_well_formed()
    -> Result<(), Box<dyn std::error::Error>> {
        let fx = generate(DEFAULT_SEED)?;
        for alg in Alg::ALL {
            let list = samples(&fx, alg, 3)?;
            let v = Verifier::new(Backend::AwsLc, KeyForm::Parsed, fx.get(alg))?;
            for (i, s) in list.iter().enumerate() {
                assert!(v.verify(&s.signed, &s.signature));
                // 37 bytes of authenticator data + 32 of hash (§6.1, §6.3.3).
                assert_eq!(s.signed.len(), 69);
                assert_eq!(s.signed[32], FLAGS_UP_UV);
                assert_eq!(s.signed[33..37], (i as u32 + 1).to_be_bytes());
                let json: serde_json::Value = serde_json::from_slice(&s.credential_json)?;
                assert_eq!(json["type"], "public-key");
                assert_eq!(json["response"]["signature"], b64(&s.signature));
                let cd = URL_SAFE_NO_PAD.decode(
                    json["response"]["clientDataJSON"]
                        .as_str()
                        .unwrap_or_default(),
                )?;
                let cd: serde_json::Value = serde_json::from_slice(&cd)?;
                assert_eq!(cd["challenge"], b64(&s.challenge));
                assert_eq!(cd["origin"], ORIGIN);
                // Negative control: the signature does not cover another sample's bytes.
                let other = &list[(i + 1) % list.len()];
                assert!(!v.verify(&other.signed, &s.signature));
            }
        }
        Ok(())
    }

    #[test]
    fn the_steps_reproduce_the_sample() -> Result<(), Box<dyn std::error::Error>> {
        let fx = generate(DEFAULT_SEED)?;
        let s = &samples(&fx, Alg::Rs256, 1)?[0];
        let c = steps::parse_credential(&s.credential_json).ok_or("credential JSON")?;
        assert_eq!(c.ty, "public-key");
        assert_eq!(c.id, c.raw_id);
        let (cd, ad, sig) = steps::decode_fields(&c).ok_or("base64url")?;
        assert_eq!(sig, s.signature);
        let client = steps::parse_client_data(&cd).ok_or("clientDataJSON")?;
        assert_eq!(client.challenge, b64(&s.challenge));
        assert_eq!(client.origin, ORIGIN);
        assert_eq!(client.cross_origin, Some(false));
        let mut signed = ad;
        signed.extend_from_slice(&steps::hash_client_data(&cd));
        assert_eq!(signed, s.signed);
        // Negative controls: broken JSON and broken base64url are refused.
        assert!(steps::parse_credential(b"{\"id\":").is_none());
        let bad = String::from_utf8(s.credential_json.clone())?.replace(&b64(&s.signature), "!!");
        let c = steps::parse_credential(bad.as_bytes()).ok_or("credential JSON")?;
        assert!(steps::decode_fields(&c).is_none());
        Ok(())
    }

    #[test]
    fn the_vectors_verifier_accepts_the_samples_on_every_backend()
    -> Result<(), Box<dyn std::error::Error>> {
        let fx = generate(DEFAULT_SEED)?;
        for alg in Alg::ALL {
            for backend in vectors::sig::Backend::ALL {
                // `prepare` runs the accept / reject self-check of every case.
                let list = prepare(&fx, alg, backend, 2)?;
                assert!(list.iter().all(|p| p.whole() && p.bare() && p.parse_only()));
                // Negative control: another sample's JSON answers another challenge.
                let swapped = vectors::verify::verify_assertion(
                    &list[0].expected,
                    &list[1].sample.credential_json,
                );
                assert_eq!(
                    swapped.err(),
                    Some(vectors::verify::Reject::ChallengeMismatch)
                );
            }
        }
        Ok(())
    }
}
