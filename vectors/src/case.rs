//! The case-file format (a contract other tools read) and its evaluation.
//!
//! ```json
//! {"kind": "webauthn.get" | "webauthn.create" | "jpki.auth",
//!  "description": "optional, for people",
//!  "expected": {"origin", "rpId", "challenge", "publicKey", "publicKeyAlgorithm",
//!               "storedSignCount", "requireUserVerification", "credentialId",
//!               "userHandle", "usedChallenges", "caCert", "crl", "now"},
//!  "credential": { PublicKeyCredential.toJSON(), or {"certificate", "signature"} },
//!  "result": "accept" | "reject",
//!  "reason": "optional: the reject token the vector is built to trigger"}
//! ```
//!
//! Byte strings are base64url without padding. `result` and `reason` are what the vector expects;
//! the verifier ignores them. A sequence file (`"kind": "sequence"`, see [`crate::sequence`])
//! holds several steps whose state carries over.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::sig::{Alg, Backend, PublicKey, SigError};
use crate::verify::{
    self, CaseError, Expected, ExpectedCard, ExpectedCreate, Reject, parse_rfc3339,
};
use crate::webauthn::unb64;

/// The kind of a single case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// A `navigator.credentials.get()` assertion.
    #[serde(rename = "webauthn.get")]
    WebauthnGet,
    /// A `navigator.credentials.create()` registration.
    #[serde(rename = "webauthn.create")]
    WebauthnCreate,
    /// A JPKI card signature over a server challenge.
    #[serde(rename = "jpki.auth")]
    JpkiAuth,
}

impl Kind {
    /// The name used in case files.
    pub fn name(self) -> &'static str {
        match self {
            Kind::WebauthnGet => "webauthn.get",
            Kind::WebauthnCreate => "webauthn.create",
            Kind::JpkiAuth => "jpki.auth",
        }
    }
}

/// The verdict a vector expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The verifier must accept.
    Accept,
    /// The verifier must reject.
    Reject,
}

/// The relying party's side of a case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpectedJson {
    /// Expected origin (WebAuthn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// RP ID (WebAuthn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rp_id: Option<String>,
    /// The challenge the server issued.
    pub challenge: String,
    /// Stored credential key, DER SubjectPublicKeyInfo (webauthn.get).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// Stored COSE algorithm of the credential (webauthn.get); default: implied by the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_algorithm: Option<i64>,
    /// Stored signature counter (webauthn.get).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_sign_count: Option<u32>,
    /// Whether UV is required (WebAuthn).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_user_verification: bool,
    /// Allowed credential ID (webauthn.get), if the server restricts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// The credential record's user handle (webauthn.get), if the server checks
    /// `response.userHandle` (WebAuthn L3 §7.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_handle: Option<String>,
    /// Challenges already consumed by this server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub used_challenges: Vec<String>,
    /// Trusted CA certificate, DER (jpki.auth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<String>,
    /// The CA's certificate revocation list, DER (jpki.auth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crl: Option<String>,
    /// Verification time, RFC 3339 UTC `YYYY-MM-DDTHH:MM:SSZ` (jpki.auth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
}

/// One case file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseFile {
    /// What is verified.
    pub kind: Kind,
    /// What the vector is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The relying party's expectations.
    pub expected: ExpectedJson,
    /// The client's message, verbatim.
    pub credential: Box<RawValue>,
    /// The verdict the vector expects (ignored by the verifier).
    pub result: Verdict,
    /// The reject token the vector is built to trigger (ignored by the verifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What an accepted case yields (used by sequences to carry state).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// An assertion.
    Get(verify::Assertion),
    /// A registration.
    Create(verify::Registered),
    /// A card authentication.
    Card(verify::CardAuth),
}

fn need<'a>(v: &'a Option<String>, name: &'static str, kind: Kind) -> Result<&'a str, CaseError> {
    v.as_deref().ok_or(CaseError::Missing(name, kind.name()))
}

/// Decodes a base64url member of `expected` (strict, RFC 4648 §5).
pub fn bytes(v: &str, name: &'static str) -> Result<Vec<u8>, CaseError> {
    unb64(v).map_err(|_| CaseError::Base64(name))
}

/// Builds the prepared assertion expectations of a `webauthn.get` case. A stored key whose type
/// contradicts `publicKeyAlgorithm` is a rejection ([`Reject::KeyTypeMismatch`]), not a file
/// error.
pub fn prepare_get(
    e: &ExpectedJson,
    backend: Backend,
) -> Result<Result<Expected, Reject>, CaseError> {
    let kind = Kind::WebauthnGet;
    let origin = need(&e.origin, "origin", kind)?;
    let rp_id = need(&e.rp_id, "rpId", kind)?;
    let challenge = bytes(&e.challenge, "challenge")?;
    let spki = bytes(need(&e.public_key, "publicKey", kind)?, "publicKey")?;
    let implied =
        Alg::of_spki_der(&spki).map_err(|err| CaseError::Invalid("publicKey", err.to_string()))?;
    let alg = match e.public_key_algorithm {
        None => implied,
        Some(id) => Alg::from_cose(id).ok_or_else(|| {
            CaseError::Invalid("publicKeyAlgorithm", format!("unsupported COSE alg {id}"))
        })?,
    };
    let key = match PublicKey::from_spki_der(backend, alg, &spki) {
        Ok(k) => k,
        Err(SigError::KeyTypeMismatch) => return Ok(Err(Reject::KeyTypeMismatch)),
        Err(err) => return Err(CaseError::Invalid("publicKey", err.to_string())),
    };
    let mut exp = Expected::new(origin, rp_id, &challenge, key);
    exp.stored_sign_count = e.stored_sign_count.unwrap_or(0);
    exp.require_user_verification = e.require_user_verification;
    exp.used_challenges = e.used_challenges.clone();
    exp.credential_id = match &e.credential_id {
        Some(id) => Some(bytes(id, "credentialId")?),
        None => None,
    };
    exp.user_handle = match &e.user_handle {
        Some(h) => Some(bytes(h, "userHandle")?),
        None => None,
    };
    Ok(Ok(exp))
}

/// Builds the registration expectations of a `webauthn.create` case.
pub fn prepare_create(e: &ExpectedJson, backend: Backend) -> Result<ExpectedCreate, CaseError> {
    let kind = Kind::WebauthnCreate;
    let origin = need(&e.origin, "origin", kind)?;
    let rp_id = need(&e.rp_id, "rpId", kind)?;
    let challenge = bytes(&e.challenge, "challenge")?;
    Ok(ExpectedCreate {
        origin: origin.to_owned(),
        rp_id_hash: Sha256::digest(rp_id.as_bytes()).into(),
        challenge_b64: crate::webauthn::b64(&challenge),
        used_challenges: e.used_challenges.clone(),
        require_user_verification: e.require_user_verification,
        backend,
    })
}

/// Builds the card expectations of a `jpki.auth` case.
pub fn prepare_card(e: &ExpectedJson, backend: Backend) -> Result<ExpectedCard, CaseError> {
    let kind = Kind::JpkiAuth;
    let challenge = bytes(&e.challenge, "challenge")?;
    let ca = bytes(need(&e.ca_cert, "caCert", kind)?, "caCert")?;
    let crl = match &e.crl {
        Some(c) => Some(bytes(c, "crl")?),
        None => None,
    };
    let now_s = need(&e.now, "now", kind)?;
    let now = parse_rfc3339(now_s)
        .ok_or_else(|| CaseError::Invalid("now", format!("not YYYY-MM-DDTHH:MM:SSZ: {now_s}")))?;
    let mut exp = ExpectedCard::new(backend, &challenge, &ca, crl.as_deref(), now)?;
    for u in &e.used_challenges {
        exp.used_challenges.push(bytes(u, "usedChallenges")?);
    }
    Ok(exp)
}

/// Verifies one case. The outer error is an unusable file (exit 2); the inner result is the
/// verdict.
pub fn verify_case(
    case: &CaseFile,
    backend: Backend,
) -> Result<Result<Accepted, Reject>, CaseError> {
    let cred = case.credential.get().as_bytes();
    Ok(match case.kind {
        Kind::WebauthnGet => match prepare_get(&case.expected, backend)? {
            Ok(exp) => verify::verify_assertion(&exp, cred).map(Accepted::Get),
            Err(r) => Err(r),
        },
        Kind::WebauthnCreate => {
            let exp = prepare_create(&case.expected, backend)?;
            verify::verify_registration(&exp, cred).map(Accepted::Create)
        }
        Kind::JpkiAuth => {
            let exp = prepare_card(&case.expected, backend)?;
            verify::verify_card(&exp, cred).map(Accepted::Card)
        }
    })
}

/// Parses a case file.
pub fn parse_case(text: &str) -> Result<CaseFile, CaseError> {
    Ok(serde_json::from_str(text)?)
}

/// The verdict on any file `vectors verify` reads (a case or a sequence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted.
    Accept,
    /// Rejected; for a sequence, with the failing step.
    Reject {
        /// The reason.
        reason: Reject,
        /// The failing step of a sequence.
        step: Option<usize>,
    },
}

impl Outcome {
    /// The line `vectors verify` prints.
    pub fn line(&self) -> String {
        match self {
            Outcome::Accept => "accept".to_owned(),
            Outcome::Reject { reason, step: None } => format!("reject: {reason}"),
            Outcome::Reject {
                reason,
                step: Some(i),
            } => format!("reject: {reason} (step {i})"),
        }
    }

    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        match self {
            Outcome::Accept => Verdict::Accept,
            Outcome::Reject { .. } => Verdict::Reject,
        }
    }

    /// The reject token, if rejected.
    pub fn reason(&self) -> Option<String> {
        match self {
            Outcome::Accept => None,
            Outcome::Reject { reason, .. } => Some(reason.to_string()),
        }
    }
}

#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
}

/// Verifies the text of a case or sequence file.
pub fn verify_text(text: &str, backend: Backend) -> Result<Outcome, CaseError> {
    let peek: Peek<'_> = serde_json::from_str(text)?;
    if peek.kind == "sequence" {
        let seq: crate::sequence::SequenceFile = serde_json::from_str(text)?;
        return Ok(match crate::sequence::verify_sequence(&seq, backend)? {
            Ok(()) => Outcome::Accept,
            Err(r) => Outcome::Reject {
                reason: r.reason,
                step: Some(r.step),
            },
        });
    }
    let case = parse_case(text)?;
    Ok(match verify_case(&case, backend)? {
        Ok(_) => Outcome::Accept,
        Err(reason) => Outcome::Reject { reason, step: None },
    })
}

/// The expected verdict and reason written in a case or sequence file.
pub fn expected_of(text: &str) -> Result<(Verdict, Option<String>), CaseError> {
    #[derive(Deserialize)]
    struct Want {
        result: Verdict,
        #[serde(default)]
        reason: Option<String>,
    }
    let w: Want = serde_json::from_str(text)?;
    Ok((w.result, w.reason))
}
