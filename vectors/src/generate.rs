//! Deterministic vector generation (`vectors generate --seed N --out DIR`).
//!
//! Every random byte (keys, challenges, credential IDs, AAGUIDs) comes from one ChaCha20 stream
//! seeded with `seed`, drawn in a fixed order, and every signature scheme used is deterministic
//! (RSASSA-PKCS1-v1_5; ECDSA with RFC 6979 nonces), so the same seed gives the same bytes. Times
//! are fixed constants, never the clock.
//!
//! What is generated (DESIGN.md §1 flows, §5):
//! - a JPKI-like hierarchy: an RSA-2048 CA, card user-auth certificates (RSA-2048, SHA-256; valid,
//!   expired, not yet valid, revoked, issued by a rogue CA, with an EC key) and a CRL (RFC 5280
//!   §5), built with `x509-cert`;
//! - card authentications: PKCS#1 v1.5 SHA-256 signatures over a server challenge;
//! - WebAuthn registrations and assertions for ES256 and RS256 in `PublicKeyCredential.toJSON()`
//!   form, attestation "none" and "packed" self;
//! - the negative vectors, one per defence of the verifier;
//! - kiosk QR and recovery flows as message sequences ([`crate::sequence`]).

use std::str::FromStr;

use p256::ecdsa::signature::{SignatureEncoding, Signer};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use spki::EncodePublicKey;
use x509_cert::builder::{Builder, CertificateBuilder, CrlBuilder, profile::BuilderProfile};
use x509_cert::certificate::Certificate;
use x509_cert::crl::RevokedCert;
use x509_cert::ext::pkix::{BasicConstraints, CrlNumber, KeyUsage, KeyUsages};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::case::{CaseFile, ExpectedJson, Kind, Verdict};
use crate::sig::Alg;
use crate::webauthn::{self, FLAG_AT, FLAG_BE, FLAG_BS, FLAG_UP, FLAG_UV, b64};

/// The relying party (Myna Portal stand-in).
pub const RP_ID: &str = "mynaportal.example";
/// The relying party's origin.
pub const ORIGIN: &str = "https://mynaportal.example";
/// A look-alike phishing site.
pub const PHISH_RP_ID: &str = "mynaporta1.example";
/// The phishing site's origin.
pub const PHISH_ORIGIN: &str = "https://mynaporta1.example";
/// The verification time of card cases.
pub const NOW: &str = "2026-06-01T00:00:00Z";
/// A time after the CRL's nextUpdate.
pub const LATE: &str = "2026-08-01T00:00:00Z";
/// RSA modulus size of every RSA key (JPKI: RSA-2048).
pub const RSA_BITS: usize = 2048;

/// A generation failure (a library refused a value built here).
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// RSA key generation failed.
    #[error("rsa: {0}")]
    Rsa(#[from] rsa::Error),
    /// Certificate or CRL building failed.
    #[error("x509 builder: {0}")]
    Builder(#[from] x509_cert::builder::Error),
    /// DER encoding failed.
    #[error("der: {0}")]
    Der(#[from] der::Error),
    /// SPKI encoding failed.
    #[error("spki: {0}")]
    Spki(#[from] spki::Error),
    /// JSON encoding failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// One output file: its name under `data/` and its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutFile {
    /// File name, e.g. `get-es256-accept.json`.
    pub name: String,
    /// JSON text with a trailing newline.
    pub text: String,
}

mod audit;
mod audit_pki;

pub(crate) fn time(s: &str) -> Result<Time, GenError> {
    let dt = crate::verify::parse_rfc3339(s).ok_or(der::Error::from(der::ErrorKind::DateTime))?;
    Ok(Time::UtcTime(der::asn1::UtcTime::from_date_time(dt)?))
}

/// Certificate profile: fixed issuer and subject, BasicConstraints and KeyUsage (RFC 5280
/// §4.2.1.9, §4.2.1.3).
struct Profile {
    issuer: Name,
    subject: Name,
    ca: bool,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        tbs: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let bc = BasicConstraints {
            ca: self.ca,
            path_len_constraint: self.ca.then_some(0),
        };
        let ku = if self.ca {
            KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)
        } else {
            KeyUsage(KeyUsages::DigitalSignature.into())
        };
        let subject = tbs.subject();
        Ok(vec![
            (&bc).to_extension(subject, &[])?,
            (&ku).to_extension(subject, &[])?,
        ])
    }
}

pub(crate) type RsaSigner = rsa::pkcs1v15::SigningKey<Sha256>;

pub(crate) fn rsa_key(rng: &mut ChaCha20Rng) -> Result<rsa::PrivateKey, GenError> {
    // rsa 0.10 takes any rand_core 0.10 `TryCryptoRng`; prime generation (crypto-primes) draws
    // only from that rng, so a seeded ChaCha20 stream gives the same key every time.
    Ok(rsa::PrivateKey::new(rng, RSA_BITS)?)
}

pub(crate) fn rsa_spki(key: &rsa::PrivateKey) -> Result<Vec<u8>, GenError> {
    Ok(key.to_public_key().to_public_key_der()?.into_vec())
}

pub(crate) fn rsa_sign(key: &rsa::PrivateKey, msg: &[u8]) -> Vec<u8> {
    RsaSigner::new(key.clone()).sign(msg).to_vec()
}

fn p256_key(rng: &mut ChaCha20Rng) -> p256::ecdsa::SigningKey {
    use p256::elliptic_curve::Generate;
    p256::ecdsa::SigningKey::generate_from_rng(rng)
}

fn p256_spki(key: &p256::ecdsa::SigningKey) -> Result<Vec<u8>, GenError> {
    Ok(key.verifying_key().to_public_key_der()?.into_vec())
}

fn random<const N: usize>(rng: &mut ChaCha20Rng) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill_bytes(&mut b);
    b
}

pub(crate) fn cert(
    issuer_key: &rsa::PrivateKey,
    issuer: &Name,
    subject: &Name,
    serial: u32,
    (from, to): (&str, &str),
    spki_der: &[u8],
    ca: bool,
) -> Result<Certificate, GenError> {
    use der::Decode;
    let profile = Profile {
        issuer: issuer.clone(),
        subject: subject.clone(),
        ca,
    };
    let spki = spki::SubjectPublicKeyInfoOwned::from_der(spki_der)?;
    let builder = CertificateBuilder::new(
        profile,
        SerialNumber::from(serial),
        Validity::new(time(from)?, time(to)?),
        spki,
    )?;
    Ok(builder.build::<_, rsa::pkcs1v15::Signature>(&RsaSigner::new(issuer_key.clone()))?)
}

/// A WebAuthn credential (authenticator side).
struct Cred {
    alg: Alg,
    ec: Option<p256::ecdsa::SigningKey>,
    rsa: Option<rsa::PrivateKey>,
    id: Vec<u8>,
    user_handle: Vec<u8>,
    aaguid: [u8; 16],
    spki: Vec<u8>,
    cose: Vec<u8>,
}

impl Cred {
    fn es256(rng: &mut ChaCha20Rng) -> Result<Cred, GenError> {
        let key = p256_key(rng);
        let id = random::<32>(rng).to_vec();
        let user_handle = random::<16>(rng).to_vec();
        let aaguid = random::<16>(rng);
        let point = key.verifying_key().to_sec1_point(false);
        let raw = point.as_bytes();
        let cose = webauthn::cose_ec2(&raw[1..33], &raw[33..65], Alg::Es256.cose());
        Ok(Cred {
            alg: Alg::Es256,
            spki: p256_spki(&key)?,
            ec: Some(key),
            rsa: None,
            id,
            user_handle,
            aaguid,
            cose,
        })
    }

    fn rs256(rng: &mut ChaCha20Rng) -> Result<Cred, GenError> {
        let key = rsa_key(rng)?;
        let id = random::<16>(rng).to_vec();
        let user_handle = random::<16>(rng).to_vec();
        let aaguid = random::<16>(rng);
        let public = key.to_public_key();
        let cose = webauthn::cose_rsa(
            &public.n().to_be_bytes_trimmed_vartime(),
            &public.e().to_be_bytes_trimmed_vartime(),
            Alg::Rs256.cose(),
        );
        Ok(Cred {
            alg: Alg::Rs256,
            spki: rsa_spki(&key)?,
            ec: None,
            rsa: Some(key),
            id,
            user_handle,
            aaguid,
            cose,
        })
    }

    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match (&self.ec, &self.rsa) {
            (Some(k), _) => {
                let s: p256::ecdsa::DerSignature = k.sign(msg);
                s.to_vec()
            }
            (None, Some(k)) => rsa_sign(k, msg),
            (None, None) => Vec::new(),
        }
    }
}

/// The knobs of one WebAuthn ceremony; the default is a correct one.
#[derive(Clone)]
struct Ceremony {
    ty: &'static str,
    challenge: Vec<u8>,
    origin: &'static str,
    cross_origin: bool,
    rp_id: &'static str,
    flags: u8,
    count: u32,
    /// Registration: attestation format, "none" or "packed" (self).
    fmt: &'static str,
    /// Registration: override the COSE key (bytes).
    cose: Option<Vec<u8>>,
    /// Registration: override the attStmt.
    att_stmt: Option<ciborium::Value>,
    /// Sign with this other credential instead (a forged signature).
    forge_with: Option<usize>,
    /// Bytes before the clientDataJSON object (a BOM).
    client_prefix: &'static [u8],
    /// Members added at the end of the clientDataJSON object (`,"name":value`).
    client_extra: &'static [u8],
    /// Bytes appended to the authenticator data (extensions, trailing bytes).
    auth_tail: Vec<u8>,
    /// Registration: entries appended to the attestation object's map (duplicate keys).
    att_extra: Vec<(ciborium::Value, ciborium::Value)>,
}

fn client_data(c: &Ceremony) -> Vec<u8> {
    let mut out = c.client_prefix.to_vec();
    out.extend_from_slice(
        format!(
            r#"{{"type":"{}","challenge":"{}","origin":"{}","crossOrigin":{}"#,
            c.ty,
            b64(&c.challenge),
            c.origin,
            c.cross_origin
        )
        .as_bytes(),
    );
    out.extend_from_slice(c.client_extra);
    out.push(b'}');
    out
}

struct World {
    rng: ChaCha20Rng,
    creds: Vec<Cred>,
    files: Vec<OutFile>,
}

const ES: usize = 0;
const RS: usize = 1;
const ES_PHONE2: usize = 2;
const ES_SECOND: usize = 3;
const ES_SPARE: usize = 4;

/// The stream the two extra credentials ([`Phone::OneSecond`], [`Phone::Spare`]) are drawn
/// from, `seed ^ EXTRA_STREAM`: apart from the world's own stream, so that adding them changed
/// no byte of the committed vectors (they are drawn from `seed` alone, in a fixed order).
const EXTRA_STREAM: u64 = 0x4558_5452_4143_5244;

impl World {
    fn challenge(&mut self) -> Vec<u8> {
        random::<32>(&mut self.rng).to_vec()
    }

    fn get_json(&self, cred: usize, c: &Ceremony) -> Value {
        let cr = &self.creds[cred];
        let cdata = client_data(c);
        let rp_hash: [u8; 32] = Sha256::digest(c.rp_id.as_bytes()).into();
        let mut auth = webauthn::auth_data(&rp_hash, c.flags, c.count, None);
        auth.extend_from_slice(&c.auth_tail);
        let mut signed = auth.clone();
        signed.extend_from_slice(&Sha256::digest(&cdata));
        let signer = c.forge_with.map_or(cred, |f| f);
        let sig = self.creds[signer].sign(&signed);
        json!({
            "id": b64(&cr.id),
            "rawId": b64(&cr.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(&cdata),
                "authenticatorData": b64(&auth),
                "signature": b64(&sig),
                "userHandle": b64(&cr.user_handle),
            }
        })
    }

    fn create_json(&self, cred: usize, c: &Ceremony) -> Value {
        use ciborium::Value as C;
        let cr = &self.creds[cred];
        let cdata = client_data(c);
        let rp_hash: [u8; 32] = Sha256::digest(c.rp_id.as_bytes()).into();
        let cose = c.cose.clone().unwrap_or_else(|| cr.cose.clone());
        let aaguid = if c.fmt == "none" {
            [0u8; 16]
        } else {
            cr.aaguid
        };
        let attested =
            (c.flags & FLAG_AT != 0).then_some((&aaguid, cr.id.as_slice(), cose.as_slice()));
        let mut auth = webauthn::auth_data(&rp_hash, c.flags, c.count, attested);
        auth.extend_from_slice(&c.auth_tail);
        let mut signed = auth.clone();
        signed.extend_from_slice(&Sha256::digest(&cdata));
        let att_stmt = match (&c.att_stmt, c.fmt) {
            (Some(s), _) => s.clone(),
            (None, "none") => C::Map(vec![]),
            (None, _) => {
                let signer = c.forge_with.map_or(cred, |f| f);
                C::Map(vec![
                    (C::Text("alg".into()), C::Integer(cr.alg.cose().into())),
                    (
                        C::Text("sig".into()),
                        C::Bytes(self.creds[signer].sign(&signed)),
                    ),
                ])
            }
        };
        let mut entries = vec![
            (C::Text("fmt".into()), C::Text(c.fmt.into())),
            (C::Text("attStmt".into()), att_stmt),
            (C::Text("authData".into()), C::Bytes(auth.clone())),
        ];
        entries.extend(c.att_extra.iter().cloned());
        let att = webauthn::cbor(&C::Map(entries));
        json!({
            "id": b64(&cr.id),
            "rawId": b64(&cr.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(&cdata),
                "authenticatorData": b64(&auth),
                "transports": ["hybrid", "internal"],
                "publicKey": b64(&cr.spki),
                "publicKeyAlgorithm": cr.alg.cose(),
                "attestationObject": b64(&att),
            }
        })
    }

    fn base(&mut self, ty: &'static str) -> Ceremony {
        Ceremony {
            ty,
            challenge: self.challenge(),
            origin: ORIGIN,
            cross_origin: false,
            rp_id: RP_ID,
            flags: FLAG_UP | FLAG_UV,
            count: 0,
            fmt: "none",
            cose: None,
            att_stmt: None,
            forge_with: None,
            client_prefix: b"",
            client_extra: b"",
            auth_tail: Vec::new(),
            att_extra: Vec::new(),
        }
    }

    fn push(&mut self, name: &str, case: &CaseFile) -> Result<(), GenError> {
        let mut text = serde_json::to_string_pretty(case)?;
        text.push('\n');
        self.files.push(OutFile {
            name: format!("{name}.json"),
            text,
        });
        Ok(())
    }
}

fn raw(v: &Value) -> Result<Box<serde_json::value::RawValue>, GenError> {
    Ok(serde_json::value::RawValue::from_string(
        serde_json::to_string(v)?,
    )?)
}

/// A post-signing edit of a credential JSON: name, description, member path, new value (`None`
/// removes the member), the reject token it triggers.
type Edit<'a> = (&'a str, &'a str, &'a [&'a str], Option<Value>, &'a str);

/// Builds a case file.
fn case(
    kind: Kind,
    description: &str,
    expected: ExpectedJson,
    credential: &Value,
    reason: Option<&str>,
) -> Result<CaseFile, GenError> {
    Ok(CaseFile {
        kind,
        description: Some(description.to_owned()),
        expected,
        credential: raw(credential)?,
        result: if reason.is_some() {
            Verdict::Reject
        } else {
            Verdict::Accept
        },
        reason: reason.map(str::to_owned),
    })
}

fn webauthn_expected(c: &Ceremony) -> ExpectedJson {
    ExpectedJson {
        origin: Some(ORIGIN.to_owned()),
        rp_id: Some(RP_ID.to_owned()),
        challenge: b64(&c.challenge),
        require_user_verification: true,
        ..ExpectedJson::default()
    }
}

fn get_expected(w: &World, cred: usize, c: &Ceremony, stored: u32) -> ExpectedJson {
    ExpectedJson {
        public_key: Some(b64(&w.creds[cred].spki)),
        public_key_algorithm: Some(w.creds[cred].alg.cose()),
        stored_sign_count: Some(stored),
        ..webauthn_expected(c)
    }
}

/// Sets `response.<field>` (or a top-level member when `field` has no dot) of a credential JSON.
/// Sets (`Some`) or removes (`None`) the member at `path` of a JSON object tree.
fn edit(v: &mut Value, path: &[&str], new: Option<Value>) {
    let mut cur = v;
    for p in &path[..path.len().saturating_sub(1)] {
        cur = &mut cur[*p];
    }
    if let (Some(last), Value::Object(map)) = (path.last(), cur) {
        match new {
            Some(new) => {
                map.insert((*last).to_owned(), new);
            }
            None => {
                map.remove(*last);
            }
        }
    }
}

/// The JPKI side: CA, certificates, CRL.
struct Pki {
    ca_key: rsa::PrivateKey,
    ca_name: Name,
    ca_der: Vec<u8>,
    crl_der: Vec<u8>,
    rogue_crl_der: Vec<u8>,
    card_a: rsa::PrivateKey,
    card_b: rsa::PrivateKey,
    ec_card: p256::ecdsa::SigningKey,
    cert_a: Vec<u8>,
    cert_a_expired: Vec<u8>,
    cert_a_future: Vec<u8>,
    cert_b_revoked: Vec<u8>,
    cert_rogue: Vec<u8>,
    cert_ec: Vec<u8>,
}

fn pki(rng: &mut ChaCha20Rng) -> Result<Pki, GenError> {
    use der::Encode;
    let ca_name = Name::from_str("CN=mynafido test JPKI CA,O=mynafido test,C=JP")?;
    let ca_key = rsa_key(rng)?;
    let rogue_key = rsa_key(rng)?;
    let card_a = rsa_key(rng)?;
    let card_b = rsa_key(rng)?;
    let ec_card = p256_key(rng);
    let user = |n: &str| Name::from_str(&format!("CN={n},O=mynafido test,C=JP"));
    let ca = cert(
        &ca_key,
        &ca_name,
        &ca_name,
        1,
        ("2024-01-01T00:00:00Z", "2034-01-01T00:00:00Z"),
        &rsa_spki(&ca_key)?,
        true,
    )?;
    let spki_a = rsa_spki(&card_a)?;
    // JPKI user-auth certificates run to the 5th birthday after issue (DESIGN.md §6).
    let cert_a = cert(
        &ca_key,
        &ca_name,
        &user("card A user auth")?,
        0x1001,
        ("2025-04-01T00:00:00Z", "2030-03-31T23:59:59Z"),
        &spki_a,
        false,
    )?;
    let cert_a_expired = cert(
        &ca_key,
        &ca_name,
        &user("card A user auth")?,
        0x1000,
        ("2020-03-01T00:00:00Z", "2025-02-28T23:59:59Z"),
        &spki_a,
        false,
    )?;
    let cert_a_future = cert(
        &ca_key,
        &ca_name,
        &user("card A user auth")?,
        0x1002,
        ("2027-01-01T00:00:00Z", "2031-12-31T23:59:59Z"),
        &spki_a,
        false,
    )?;
    let cert_b_revoked = cert(
        &ca_key,
        &ca_name,
        &user("card B user auth")?,
        0x2001,
        ("2025-05-01T00:00:00Z", "2030-04-30T23:59:59Z"),
        &rsa_spki(&card_b)?,
        false,
    )?;
    // Same issuer name, wrong key: only the signature check can tell.
    let cert_rogue = cert(
        &rogue_key,
        &ca_name,
        &user("card A user auth")?,
        0x1001,
        ("2025-04-01T00:00:00Z", "2030-03-31T23:59:59Z"),
        &spki_a,
        false,
    )?;
    let cert_ec = cert(
        &ca_key,
        &ca_name,
        &user("card C user auth")?,
        0x3001,
        ("2025-04-01T00:00:00Z", "2030-03-31T23:59:59Z"),
        &p256_spki(&ec_card)?,
        false,
    )?;
    let revoked = RevokedCert {
        serial_number: SerialNumber::from(0x2001u32),
        revocation_date: time("2026-03-01T00:00:00Z")?,
        crl_entry_extensions: None,
    };
    let crl = |key: &rsa::PrivateKey| -> Result<Vec<u8>, GenError> {
        let builder = CrlBuilder::new_with_this_update(
            &ca,
            CrlNumber(der::asn1::Uint::new(&[7])?),
            time("2026-05-31T00:00:00Z")?,
        )?
        .with_next_update(Some(time("2026-06-30T00:00:00Z")?))
        .with_certificates(std::iter::once(revoked.clone()));
        let list = builder.build::<_, rsa::pkcs1v15::Signature>(&RsaSigner::new(key.clone()))?;
        Ok(list.to_der()?)
    };
    let crl_der = crl(&ca_key)?;
    Ok(Pki {
        ca_key,
        ca_name,
        ca_der: ca.to_der()?,
        crl_der,
        rogue_crl_der: crl(&rogue_key)?,
        card_a,
        card_b,
        ec_card,
        cert_a: cert_a.to_der()?,
        cert_a_expired: cert_a_expired.to_der()?,
        cert_a_future: cert_a_future.to_der()?,
        cert_b_revoked: cert_b_revoked.to_der()?,
        cert_rogue: cert_rogue.to_der()?,
        cert_ec: cert_ec.to_der()?,
    })
}

fn card_expected(p: &Pki, challenge: &[u8], now: &str) -> ExpectedJson {
    ExpectedJson {
        challenge: b64(challenge),
        ca_cert: Some(b64(&p.ca_der)),
        crl: Some(b64(&p.crl_der)),
        now: Some(now.to_owned()),
        ..ExpectedJson::default()
    }
}

fn card_json(cert: &[u8], sig: &[u8]) -> Value {
    json!({"certificate": b64(cert), "signature": b64(sig)})
}

/// Generates every vector for `seed`, in a fixed order.
pub fn generate(seed: u64) -> Result<Vec<OutFile>, GenError> {
    let mut r = Renderer::new(seed)?;
    jpki_cases(&mut r.w, &r.pki)?;
    create_cases(&mut r.w)?;
    get_cases(&mut r.w)?;
    crate::sequence::generate_sequences(&mut r)?;
    // Drawn after every earlier file, so that adding them changed no earlier byte.
    audit::generate(&mut r)?;
    Ok(r.w.files)
}

fn jpki_cases(w: &mut World, p: &Pki) -> Result<(), GenError> {
    let k = Kind::JpkiAuth;
    let one = |w: &mut World,
               name: &str,
               desc: &str,
               cert: &[u8],
               key: &dyn Fn(&[u8]) -> Vec<u8>,
               now: &str,
               tweak: &dyn Fn(&mut ExpectedJson, &[u8]),
               reason: Option<&str>|
     -> Result<(), GenError> {
        let ch = w.challenge();
        let mut e = card_expected(p, &ch, now);
        tweak(&mut e, &ch);
        let c = case(k, desc, e, &card_json(cert, &key(&ch)), reason)?;
        w.push(name, &c)
    };
    let a = |m: &[u8]| rsa_sign(&p.card_a, m);
    let b = |m: &[u8]| rsa_sign(&p.card_b, m);
    let ec = |m: &[u8]| {
        let s: p256::ecdsa::DerSignature = p.ec_card.sign(m);
        s.to_vec()
    };
    let none = |_: &mut ExpectedJson, _: &[u8]| {};
    one(
        w,
        "jpki-accept",
        "card A signs the server challenge; valid, unrevoked certificate",
        &p.cert_a,
        &a,
        NOW,
        &none,
        None,
    )?;
    one(
        w,
        "jpki-cert-expired",
        "card A's previous certificate, expired 2025-02-28",
        &p.cert_a_expired,
        &a,
        NOW,
        &none,
        Some("cert-expired"),
    )?;
    one(
        w,
        "jpki-cert-not-yet-valid",
        "a certificate valid from 2027-01-01",
        &p.cert_a_future,
        &a,
        NOW,
        &none,
        Some("cert-not-yet-valid"),
    )?;
    one(
        w,
        "jpki-cert-revoked",
        "card B's certificate, serial 0x2001 on the CRL",
        &p.cert_b_revoked,
        &b,
        NOW,
        &none,
        Some("cert-revoked"),
    )?;
    one(
        w,
        "jpki-untrusted-issuer",
        "certificate with the CA's name signed by a rogue key",
        &p.cert_rogue,
        &a,
        NOW,
        &none,
        Some("untrusted-issuer"),
    )?;
    one(
        w,
        "jpki-key-type-mismatch",
        "a CA-issued certificate carrying a P-256 key (JPKI keys are RSA-2048)",
        &p.cert_ec,
        &ec,
        NOW,
        &none,
        Some("key-type-mismatch"),
    )?;
    let wrong = |m: &[u8]| {
        let mut other = m.to_vec();
        other.reverse();
        rsa_sign(&p.card_a, &other)
    };
    one(
        w,
        "jpki-bad-signature",
        "card A signs a different challenge",
        &p.cert_a,
        &wrong,
        NOW,
        &none,
        Some("bad-signature"),
    )?;
    one(
        w,
        "jpki-wrong-card-key",
        "card B's key signs for card A's certificate",
        &p.cert_a,
        &b,
        NOW,
        &none,
        Some("bad-signature"),
    )?;
    one(
        w,
        "jpki-crl-stale",
        "verification after the CRL's nextUpdate (2026-06-30)",
        &p.cert_a,
        &a,
        LATE,
        &none,
        Some("revocation-list-stale"),
    )?;
    let rogue_crl = |e: &mut ExpectedJson, _: &[u8]| e.crl = Some(b64(&p.rogue_crl_der));
    one(
        w,
        "jpki-crl-untrusted",
        "a CRL signed by a rogue key",
        &p.cert_a,
        &a,
        NOW,
        &rogue_crl,
        Some("revocation-list-untrusted"),
    )?;
    let reused = |e: &mut ExpectedJson, ch: &[u8]| e.used_challenges = vec![b64(ch)];
    one(
        w,
        "jpki-challenge-reused",
        "the challenge was already consumed",
        &p.cert_a,
        &a,
        NOW,
        &reused,
        Some("challenge-reused"),
    )?;
    // Truncated certificate.
    let ch = w.challenge();
    let cut = &p.cert_a[..p.cert_a.len() / 2];
    let c = case(
        k,
        "certificate cut in half",
        card_expected(p, &ch, NOW),
        &card_json(cut, &a(&ch)),
        Some("malformed(certificate)"),
    )?;
    w.push("jpki-malformed-certificate", &c)?;
    let ch = w.challenge();
    let mut cred = card_json(&p.cert_a, &a(&ch));
    edit(&mut cred, &["signature"], Some(json!("not base64url!")));
    let c = case(
        k,
        "signature is not base64url",
        card_expected(p, &ch, NOW),
        &cred,
        Some("malformed(signature)"),
    )?;
    w.push("jpki-malformed-signature", &c)?;
    Ok(())
}

fn create_cases(w: &mut World) -> Result<(), GenError> {
    let k = Kind::WebauthnCreate;
    type Tweak<'t> = &'t dyn Fn(&mut Ceremony, &World);
    let one = |w: &mut World,
               name: &str,
               desc: &str,
               cred: usize,
               fmt: &'static str,
               tweak: Tweak<'_>,
               reason: Option<&str>|
     -> Result<(), GenError> {
        let mut c = w.base("webauthn.create");
        c.flags |= FLAG_AT;
        c.fmt = fmt;
        let e = webauthn_expected(&c);
        tweak(&mut c, w);
        let json = w.create_json(cred, &c);
        w.push(name, &case(k, desc, e, &json, reason)?)
    };
    let none: Tweak<'_> = &|_, _| {};
    one(
        w,
        "create-es256-none-accept",
        "ES256 registration, attestation none",
        ES,
        "none",
        none,
        None,
    )?;
    one(
        w,
        "create-es256-packed-accept",
        "ES256 registration, packed self attestation",
        ES,
        "packed",
        none,
        None,
    )?;
    one(
        w,
        "create-rs256-none-accept",
        "RS256 registration, attestation none",
        RS,
        "none",
        none,
        None,
    )?;
    one(
        w,
        "create-rs256-packed-accept",
        "RS256 registration, packed self attestation",
        RS,
        "packed",
        none,
        None,
    )?;
    one(
        w,
        "create-es256-wrong-origin",
        "clientDataJSON origin is the phishing site",
        ES,
        "none",
        &|c, _| c.origin = PHISH_ORIGIN,
        Some("wrong-origin"),
    )?;
    one(
        w,
        "create-es256-rp-id-hash-mismatch",
        "rpIdHash of the phishing RP ID",
        ES,
        "none",
        &|c, _| c.rp_id = PHISH_RP_ID,
        Some("rp-id-hash-mismatch"),
    )?;
    one(
        w,
        "create-es256-challenge-mismatch",
        "answers another challenge",
        ES,
        "none",
        &|c, _| c.challenge[0] ^= 1,
        Some("challenge-mismatch"),
    )?;
    one(
        w,
        "create-es256-wrong-type",
        "clientDataJSON type webauthn.get",
        ES,
        "none",
        &|c, _| c.ty = "webauthn.get",
        Some("wrong-client-data-type"),
    )?;
    one(
        w,
        "create-es256-up-missing",
        "UP flag clear",
        ES,
        "none",
        &|c, _| c.flags &= !FLAG_UP,
        Some("user-presence-missing"),
    )?;
    one(
        w,
        "create-es256-uv-missing",
        "UV flag clear, UV required",
        ES,
        "none",
        &|c, _| c.flags &= !FLAG_UV,
        Some("user-verification-missing"),
    )?;
    one(
        w,
        "create-es256-at-missing",
        "AT flag clear, no credential data",
        ES,
        "none",
        &|c, _| c.flags &= !FLAG_AT,
        Some("attested-credential-missing"),
    )?;
    one(
        w,
        "create-key-type-mismatch",
        "COSE key of type RSA labelled alg -7 (ES256)",
        RS,
        "none",
        &|c, w| {
            let cr = &w.creds[RS];
            let public = cr.rsa.as_ref().map(|k| k.to_public_key());
            if let Some(p) = public {
                c.cose = Some(webauthn::cose_rsa(
                    &p.n().to_be_bytes_trimmed_vartime(),
                    &p.e().to_be_bytes_trimmed_vartime(),
                    Alg::Es256.cose(),
                ));
            }
        },
        Some("key-type-mismatch"),
    )?;
    one(
        w,
        "create-unsupported-algorithm",
        "EC2 P-256 key labelled alg -8 (EdDSA)",
        ES,
        "none",
        &|c, w| {
            let mut cose = w.creds[ES].cose.clone();
            // The alg value is the 4th byte: a5 01 02 03 26 (-7) -> 27 (-8).
            if let Some(b) = cose.get_mut(4) {
                *b = 0x27;
            }
            c.cose = Some(cose);
        },
        Some("unsupported-algorithm"),
    )?;
    one(
        w,
        "create-packed-bad-signature",
        "packed self attestation signed by another key",
        ES,
        "packed",
        &|c, _| c.forge_with = Some(ES_PHONE2),
        Some("bad-attestation-signature"),
    )?;
    one(
        w,
        "create-packed-alg-mismatch",
        "packed attStmt alg -257 for an ES256 credential",
        ES,
        "packed",
        &|c, _| {
            use ciborium::Value as C;
            c.att_stmt = Some(C::Map(vec![
                (C::Text("alg".into()), C::Integer((-257i64).into())),
                (C::Text("sig".into()), C::Bytes(vec![0; 256])),
            ]));
        },
        Some("attestation-alg-mismatch"),
    )?;
    one(
        w,
        "create-packed-x5c",
        "packed attestation with a certificate chain (no trust anchors here)",
        ES,
        "packed",
        &|c, _| {
            use ciborium::Value as C;
            c.att_stmt = Some(C::Map(vec![
                (C::Text("alg".into()), C::Integer((-7i64).into())),
                (C::Text("sig".into()), C::Bytes(vec![0x30, 0x00])),
                (
                    C::Text("x5c".into()),
                    C::Array(vec![C::Bytes(vec![0x30, 0x00])]),
                ),
            ]));
        },
        Some("untrusted-attestation"),
    )?;
    one(
        w,
        "create-unsupported-fmt",
        "attestation format tpm",
        ES,
        "none",
        &|c, _| {
            c.fmt = "tpm";
            c.att_stmt = Some(ciborium::Value::Map(vec![]));
        },
        Some("unsupported-attestation-format"),
    )?;
    one(
        w,
        "create-none-with-statement",
        "fmt none with a non-empty attStmt",
        ES,
        "none",
        &|c, _| {
            use ciborium::Value as C;
            c.att_stmt = Some(C::Map(vec![(C::Text("sig".into()), C::Bytes(vec![1]))]));
        },
        Some("malformed(attStmt)"),
    )?;
    // Post-edits of the JSON.
    let edits: [Edit<'_>; 3] = [
        (
            "create-truncated-attestation-object",
            "attestationObject cut to 10 bytes",
            &["response", "attestationObject"],
            Some(json!("o2NmbXRkbm9uZQ")),
            "malformed(attestationObject)",
        ),
        (
            "create-bad-base64",
            "clientDataJSON with standard base64 padding",
            &["response", "clientDataJSON"],
            Some(json!("eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0=")),
            "malformed(clientDataJSON)",
        ),
        (
            "create-id-mismatch",
            "id differs from rawId",
            &["id"],
            Some(json!("AAAA")),
            "credential-id-mismatch",
        ),
    ];
    for (name, desc, path, value, reason) in edits {
        let mut c = w.base("webauthn.create");
        c.flags |= FLAG_AT;
        let e = webauthn_expected(&c);
        let mut json = w.create_json(ES, &c);
        edit(&mut json, path, value);
        w.push(name, &case(k, desc, e, &json, Some(reason))?)?;
    }
    Ok(())
}

fn get_cases(w: &mut World) -> Result<(), GenError> {
    let k = Kind::WebauthnGet;
    type Tweak<'t> = &'t dyn Fn(&mut Ceremony, &mut ExpectedJson);
    let one = |w: &mut World,
               name: &str,
               desc: &str,
               cred: usize,
               count: u32,
               stored: u32,
               tweak: Tweak<'_>,
               reason: Option<&str>|
     -> Result<(), GenError> {
        let mut c = w.base("webauthn.get");
        c.count = count;
        let mut e = get_expected(w, cred, &c, stored);
        tweak(&mut c, &mut e);
        let json = w.get_json(cred, &c);
        w.push(name, &case(k, desc, e, &json, reason)?)
    };
    let none: Tweak<'_> = &|_, _| {};
    one(
        w,
        "get-es256-accept",
        "ES256 assertion, counter 1 over stored 0",
        ES,
        1,
        0,
        none,
        None,
    )?;
    one(
        w,
        "get-es256-counter-increased",
        "counter 42 over stored 41",
        ES,
        42,
        41,
        none,
        None,
    )?;
    one(
        w,
        "get-rs256-accept",
        "RS256 assertion, counter 0 and stored 0 (allowed, §6.1.1)",
        RS,
        0,
        0,
        none,
        None,
    )?;
    one(
        w,
        "get-es256-uv-not-required",
        "UV clear but not required",
        ES,
        3,
        2,
        &|c, e| {
            c.flags &= !FLAG_UV;
            e.require_user_verification = false;
        },
        None,
    )?;
    one(
        w,
        "get-es256-backup-flags",
        "a synced passkey: BE and BS set",
        ES,
        0,
        0,
        &|c, _| c.flags |= FLAG_BE | FLAG_BS,
        None,
    )?;
    one(
        w,
        "get-es256-wrong-origin",
        "clientDataJSON origin is the phishing site",
        ES,
        1,
        0,
        &|c, _| c.origin = PHISH_ORIGIN,
        Some("wrong-origin"),
    )?;
    one(
        w,
        "get-es256-rp-id-hash-mismatch",
        "rpIdHash of the phishing RP ID",
        ES,
        1,
        0,
        &|c, _| c.rp_id = PHISH_RP_ID,
        Some("rp-id-hash-mismatch"),
    )?;
    one(
        w,
        "get-es256-challenge-mismatch",
        "answers an older challenge (replay)",
        ES,
        1,
        0,
        &|c, _| c.challenge[31] ^= 0x80,
        Some("challenge-mismatch"),
    )?;
    one(
        w,
        "get-es256-challenge-reused",
        "the challenge was already consumed",
        ES,
        1,
        0,
        &|_, e| e.used_challenges = vec![e.challenge.clone()],
        Some("challenge-reused"),
    )?;
    one(
        w,
        "get-es256-wrong-type",
        "clientDataJSON type webauthn.create",
        ES,
        1,
        0,
        &|c, _| c.ty = "webauthn.create",
        Some("wrong-client-data-type"),
    )?;
    one(
        w,
        "get-es256-cross-origin",
        "crossOrigin true",
        ES,
        1,
        0,
        &|c, _| c.cross_origin = true,
        Some("cross-origin"),
    )?;
    one(
        w,
        "get-es256-up-missing",
        "UP flag clear",
        ES,
        1,
        0,
        &|c, _| c.flags &= !FLAG_UP,
        Some("user-presence-missing"),
    )?;
    one(
        w,
        "get-es256-uv-missing",
        "UV flag clear, UV required",
        ES,
        1,
        0,
        &|c, _| c.flags &= !FLAG_UV,
        Some("user-verification-missing"),
    )?;
    one(
        w,
        "get-es256-backup-flags-inconsistent",
        "BS set without BE",
        ES,
        1,
        0,
        &|c, _| c.flags |= FLAG_BS,
        Some("backup-flags-inconsistent"),
    )?;
    one(
        w,
        "get-es256-counter-equal",
        "counter 41 equals stored 41 (clone?)",
        ES,
        41,
        41,
        none,
        Some("counter-not-increased"),
    )?;
    one(
        w,
        "get-es256-counter-decreased",
        "counter 40 below stored 41",
        ES,
        40,
        41,
        none,
        Some("counter-not-increased"),
    )?;
    one(
        w,
        "get-rs256-counter-zero",
        "counter 0 below stored 7",
        RS,
        0,
        7,
        none,
        Some("counter-not-increased"),
    )?;
    one(
        w,
        "get-es256-bad-signature",
        "signed by another credential's key",
        ES,
        1,
        0,
        &|c, _| c.forge_with = Some(ES_PHONE2),
        Some("bad-signature"),
    )?;
    one(
        w,
        "get-rs256-bad-signature",
        "RS256 assertion signed by the ES256 key",
        RS,
        1,
        0,
        &|c, _| c.forge_with = Some(ES),
        Some("bad-signature"),
    )?;
    one(
        w,
        "get-key-type-mismatch",
        "stored key is P-256 but the record says RS256",
        ES,
        1,
        0,
        &|_, e| e.public_key_algorithm = Some(Alg::Rs256.cose()),
        Some("key-type-mismatch"),
    )?;
    one(
        w,
        "get-es256-not-allowed",
        "credential not in allowCredentials",
        ES,
        1,
        0,
        &|_, e| e.credential_id = Some(b64(&[0u8; 32])),
        Some("credential-id-mismatch"),
    )?;
    // Post-edits of the JSON.
    let edits: [Edit<'_>; 6] = [
        (
            "get-es256-truncated-authenticator-data",
            "authenticatorData of 36 bytes",
            &["response", "authenticatorData"],
            Some(json!(b64(&[0u8; 36]))),
            "malformed(authenticatorData)",
        ),
        (
            "get-es256-client-data-not-json",
            "clientDataJSON is not JSON",
            &["response", "clientDataJSON"],
            Some(json!(b64(b"{\"type\":"))),
            "malformed(clientDataJSON)",
        ),
        (
            "get-es256-signature-not-base64",
            "signature with characters outside base64url",
            &["response", "signature"],
            Some(json!("MEUCIQ+/")),
            "malformed(signature)",
        ),
        (
            "get-es256-signature-missing",
            "no response.signature",
            &["response", "signature"],
            None,
            "malformed(credential)",
        ),
        (
            "get-es256-id-mismatch",
            "id differs from rawId",
            &["id"],
            Some(json!("AAAA")),
            "credential-id-mismatch",
        ),
        (
            "get-es256-wrong-credential-type",
            "type is not public-key",
            &["type"],
            Some(json!("password")),
            "wrong-credential-type",
        ),
    ];
    for (name, desc, path, value, reason) in edits {
        let mut c = w.base("webauthn.get");
        c.count = 1;
        let e = get_expected(w, ES, &c, 0);
        let mut json = w.get_json(ES, &c);
        edit(&mut json, path, value);
        w.push(name, &case(k, desc, e, &json, Some(reason))?)?;
    }
    Ok(())
}

/// Renders protocol steps as concrete case files, from one seeded world (the PKI, the phones'
/// credentials and the random stream). [`generate`] and [`crate::sequence`] use it; it is also
/// the seam for trace conformance: a model trace maps step by step onto these calls.
pub struct Renderer {
    w: World,
    pki: Pki,
}

/// Which credential a sequence step uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phone {
    /// The first phone's ES256 credential.
    One,
    /// The replacement phone's ES256 credential (recovery).
    Two,
    /// The RS256 credential: in trace conformance, the attacker's own authenticator (in the
    /// model's `insider`, the second person's), a key distinct from both phones'.
    Rs256,
    /// A second ES256 credential of the first phone (in trace conformance, the model's
    /// `Key::Old2`: recovery must retire every credential of the phone, however many).
    OneSecond,
    /// One more ES256 credential, of no phone of the owner's (in trace conformance, the
    /// attacker's second key, `Key::Attacker2`).
    Spare,
}

impl Phone {
    fn index(self) -> usize {
        match self {
            Phone::One => ES,
            Phone::Two => ES_PHONE2,
            Phone::Rs256 => RS,
            Phone::OneSecond => ES_SECOND,
            Phone::Spare => ES_SPARE,
        }
    }
}

impl Renderer {
    /// Builds the world for `seed`: the PKI first, then the ES256, RS256 and second ES256
    /// credentials, in this order (the order fixes every later byte); then, from a stream of
    /// their own, the first phone's second credential and a spare one.
    pub fn new(seed: u64) -> Result<Renderer, GenError> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let pki = pki(&mut rng)?;
        let es = Cred::es256(&mut rng)?;
        let rs = Cred::rs256(&mut rng)?;
        let es2 = Cred::es256(&mut rng)?;
        let mut extra = ChaCha20Rng::seed_from_u64(seed ^ EXTRA_STREAM);
        let second = Cred::es256(&mut extra)?;
        let spare = Cred::es256(&mut extra)?;
        let w = World {
            rng,
            creds: vec![es, rs, es2, second, spare],
            files: Vec::new(),
        };
        Ok(Renderer { w, pki })
    }

    /// What a browser on the phishing site produces when the user signs in there with a
    /// challenge the attacker relayed from the real server: the phishing origin in
    /// `clientDataJSON` and the phishing RP ID's hash in `authenticatorData`.
    pub fn phished_get_case(
        &self,
        phone: Phone,
        challenge: &[u8],
        count: u32,
        stored: u32,
    ) -> Result<CaseFile, GenError> {
        let mut c = self.ceremony("webauthn.get", challenge);
        c.count = count;
        c.origin = PHISH_ORIGIN;
        c.rp_id = PHISH_RP_ID;
        let json = self.w.get_json(phone.index(), &c);
        // The server expects its own origin and RP ID (`get_expected` always uses them).
        case(
            Kind::WebauthnGet,
            "the phone signs in on the phishing site",
            get_expected(&self.w, phone.index(), &c, stored),
            &json,
            None,
        )
    }

    /// A fresh random challenge.
    pub fn challenge(&mut self) -> Vec<u8> {
        self.w.challenge()
    }

    /// A fresh random 16-byte identifier.
    pub fn nonce(&mut self) -> Vec<u8> {
        random::<16>(&mut self.w.rng).to_vec()
    }

    /// The credential ID of a phone's credential, base64url.
    pub fn credential_id(&self, phone: Phone) -> String {
        b64(&self.w.creds[phone.index()].id)
    }

    /// A correct card authentication with card A over `challenge`.
    pub fn card_case(&self, challenge: &[u8]) -> Result<CaseFile, GenError> {
        let p = &self.pki;
        let sig = rsa_sign(&p.card_a, challenge);
        case(
            Kind::JpkiAuth,
            "card A authenticates",
            card_expected(p, challenge, NOW),
            &card_json(&p.cert_a, &sig),
            None,
        )
    }

    /// A correct ES256 registration of `phone`'s credential over `challenge`.
    pub fn create_case(&self, phone: Phone, challenge: &[u8]) -> Result<CaseFile, GenError> {
        let mut c = self.ceremony("webauthn.create", challenge);
        c.flags |= FLAG_AT;
        let json = self.w.create_json(phone.index(), &c);
        case(
            Kind::WebauthnCreate,
            "the phone registers its credential",
            webauthn_expected(&c),
            &json,
            None,
        )
    }

    /// A correct assertion of `phone`'s credential over `challenge` with counter `count`
    /// (stored counter `stored`).
    pub fn get_case(
        &self,
        phone: Phone,
        challenge: &[u8],
        count: u32,
        stored: u32,
    ) -> Result<CaseFile, GenError> {
        let mut c = self.ceremony("webauthn.get", challenge);
        c.count = count;
        let json = self.w.get_json(phone.index(), &c);
        case(
            Kind::WebauthnGet,
            "the phone signs in",
            get_expected(&self.w, phone.index(), &c, stored),
            &json,
            None,
        )
    }

    fn ceremony(&self, ty: &'static str, challenge: &[u8]) -> Ceremony {
        Ceremony {
            ty,
            challenge: challenge.to_vec(),
            origin: ORIGIN,
            cross_origin: false,
            rp_id: RP_ID,
            flags: FLAG_UP | FLAG_UV,
            count: 0,
            fmt: "none",
            cose: None,
            att_stmt: None,
            forge_with: None,
            client_prefix: b"",
            client_extra: b"",
            auth_tail: Vec::new(),
            att_extra: Vec::new(),
        }
    }

    /// Adds an output file.
    pub fn push_file(&mut self, name: &str, text: String) {
        self.w.files.push(OutFile {
            name: format!("{name}.json"),
            text,
        });
    }
}
