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

/// Builds `count` assertions for `alg`'s key; challenge, credential ID and counter of sample `i`
/// are derived from `i` (challenge byte j = i * 32 + j mod 256; counter i + 1).
pub fn samples(
    fx: &Fixtures,
    alg: Alg,
    count: usize,
) -> Result<Vec<AssertionSample>, FixtureError> {
    let rp_id_hash = Sha256::digest(RP_ID.as_bytes());
    (0..count)
        .map(|i| {
            let challenge: Vec<u8> = (0..32).map(|j| ((i * 32 + j) % 256) as u8).collect();
            let credential_id: Vec<u8> = (0..16).map(|j| (0xc0 ^ (i + j)) as u8).collect();
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
}
