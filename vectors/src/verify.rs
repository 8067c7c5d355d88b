//! The relying-party verifier: WebAuthn registration and assertion, and JPKI card authentication.
//!
//! WebAuthn checks follow the W3C Web Authentication Level 3 procedures "Registering a New
//! Credential" (§7.1) and "Verifying an Authentication Assertion" (§7.2); each check below names the
//! step it implements by the step's own wording. The card check is RFC 5280 §6.1.3 path validation
//! for a one-level hierarchy (signature, validity, extensions ([`crate::pki`]), revocation by CRL,
//! RFC 5280 §5) followed by the card's RSASSA-PKCS1-v1_5 SHA-256 signature (RFC 8017 §8.2.2) over
//! the server challenge. The configured CA is held to its own validity and constraints first.
//!
//! The assertion hot path [`verify_assertion`] takes an [`Expected`] prepared once per relying
//! party and credential (origin, rpIdHash, challenge in its base64url form, a pre-parsed
//! [`PublicKey`]) and the raw credential JSON bytes: one JSON parse with borrowed strings, one
//! base64url decode per field, one SHA-256 of `clientDataJSON` (by the key's backend), one
//! signature check.
//!
//! Every rejection is a [`Reject`] variant; an unusable case file is a [`CaseError`].

use std::borrow::Cow;

use der::{Decode, Encode};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use crate::credential_json;
use crate::sig::{Alg, Backend, PublicKey, SigError};
use crate::webauthn::{
    self, FLAG_AT, FLAG_BE, FLAG_BS, FLAG_ED, FLAG_UP, FLAG_UV, MAX_CREDENTIAL_ID_LEN, unb64,
    unb64_into,
};

/// `sha256WithRSAEncryption`, RFC 8017 §A.2.4 / RFC 4055 §5.
pub const OID_SHA256_WITH_RSA: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// Longest signature accepted: RSA-4096 (`sig::RSA_MAX_BITS / 8`); a DER ES256 signature is at
/// most 72 bytes.
pub const MAX_SIG_LEN: usize = crate::sig::RSA_MAX_BITS / 8;

/// A field of the credential that could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Field {
    /// The credential JSON itself (or a missing member).
    #[error("credential")]
    Credential,
    /// `response.clientDataJSON`.
    #[error("clientDataJSON")]
    ClientDataJson,
    /// `response.authenticatorData` or the `authData` inside the attestation object.
    #[error("authenticatorData")]
    AuthenticatorData,
    /// `response.signature` (base64url), or the card `signature`.
    #[error("signature")]
    Signature,
    /// `response.attestationObject` (base64url or CBOR).
    #[error("attestationObject")]
    AttestationObject,
    /// `attStmt` inside the attestation object.
    #[error("attStmt")]
    AttestationStatement,
    /// The COSE credential public key.
    #[error("credentialPublicKey")]
    CredentialPublicKey,
    /// The card certificate (base64url or DER).
    #[error("certificate")]
    Certificate,
}

/// Why the verifier rejected a credential. The `Display` form is the stable token that
/// `vectors verify` prints after `reject: ` and that case files name in `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Reject {
    /// A field is truncated, not base64url, not JSON/CBOR/DER, or lacks a member.
    #[error("malformed({0})")]
    Malformed(Field),
    /// `type` of the credential is not "public-key" (§5.1).
    #[error("wrong-credential-type")]
    WrongCredentialType,
    /// `id` and `rawId` differ, the attested credential ID differs from them, the credential is
    /// not the allowed one, or (sequences) the ID names another credential record than the key.
    #[error("credential-id-mismatch")]
    CredentialIdMismatch,
    /// `response.userHandle` is not the user handle of the credential record (§7.2).
    #[error("user-handle-mismatch")]
    UserHandleMismatch,
    /// `C.type` is not "webauthn.create" / "webauthn.get".
    #[error("wrong-client-data-type")]
    WrongClientDataType,
    /// `C.challenge` is not the challenge the server issued.
    #[error("challenge-mismatch")]
    ChallengeMismatch,
    /// The challenge was already consumed by an earlier accepted response.
    #[error("challenge-reused")]
    ChallengeReused,
    /// `C.origin` is not the relying party's origin.
    #[error("wrong-origin")]
    WrongOrigin,
    /// `C.crossOrigin` is true or `C.topOrigin` is present; this relying party is not embedded.
    #[error("cross-origin")]
    CrossOrigin,
    /// `rpIdHash` is not SHA-256 of the RP ID.
    #[error("rp-id-hash-mismatch")]
    RpIdHashMismatch,
    /// The UP flag is not set.
    #[error("user-presence-missing")]
    UserPresenceMissing,
    /// User verification is required and the UV flag is not set.
    #[error("user-verification-missing")]
    UserVerificationMissing,
    /// BS is set while BE is not (§6.1.3).
    #[error("backup-flags-inconsistent")]
    BackupFlagsInconsistent,
    /// Registration without attested credential data (AT flag clear).
    #[error("attested-credential-missing")]
    AttestedCredentialMissing,
    /// The credential algorithm is neither ES256 nor RS256.
    #[error("unsupported-algorithm")]
    UnsupportedAlgorithm,
    /// The key type does not match the algorithm (COSE kty vs alg, stored key vs alg), or the
    /// card key is not RSA of 2048 to 4096 bits.
    #[error("key-type-mismatch")]
    KeyTypeMismatch,
    /// An attestation format other than "none" and "packed".
    #[error("unsupported-attestation-format")]
    UnsupportedAttestationFormat,
    /// Packed attestation with `x5c`: this relying party has no attestation trust anchors.
    #[error("untrusted-attestation")]
    UntrustedAttestation,
    /// Packed self attestation whose `alg` differs from the credential's.
    #[error("attestation-alg-mismatch")]
    AttestationAlgMismatch,
    /// The attestation signature does not verify.
    #[error("bad-attestation-signature")]
    BadAttestationSignature,
    /// The assertion (or card) signature does not verify.
    #[error("bad-signature")]
    BadSignature,
    /// The signature counter did not increase (§6.1.1); a possible cloned authenticator.
    #[error("counter-not-increased")]
    CounterNotIncreased,
    /// The card certificate is not issued by the trusted CA (name or signature).
    #[error("untrusted-issuer")]
    UntrustedIssuer,
    /// `now` is before the card certificate's notBefore.
    #[error("cert-not-yet-valid")]
    CertNotYetValid,
    /// `now` is after the card certificate's notAfter.
    #[error("cert-expired")]
    CertExpired,
    /// The card certificate's keyUsage lacks digitalSignature (or is absent), or its
    /// extendedKeyUsage names neither clientAuth nor anyExtendedKeyUsage (RFC 5280 §4.2.1.3,
    /// §4.2.1.12).
    #[error("key-usage-not-permitted")]
    KeyUsageNotPermitted,
    /// The card certificate has a critical extension this relying party does not process
    /// (RFC 5280 §4.2).
    #[error("unknown-critical-extension")]
    UnknownCriticalExtension,
    /// The configured CA is not valid at the verification time (its own notBefore/notAfter).
    #[error("ca-not-valid")]
    CaNotValid,
    /// The configured CA certificate may not issue certificates: basicConstraints absent or cA
    /// false, keyUsage without keyCertSign, or a critical extension not processed here.
    #[error("ca-not-a-ca")]
    CaNotACa,
    /// The configured CA's key is not RSA of 2048 to 4096 bits (the JPKI CA's kind), so no card
    /// certificate signature can be checked against it.
    #[error("ca-key-unsupported")]
    CaKeyUnsupported,
    /// The card certificate's serial number is on the CA's revocation list.
    #[error("cert-revoked")]
    CertRevoked,
    /// The revocation list is not signed by the CA: revocation status unknown, fail closed.
    #[error("revocation-list-untrusted")]
    RevocationListUntrusted,
    /// The revocation list's nextUpdate is before `now`: status unknown, fail closed.
    #[error("revocation-list-stale")]
    RevocationListStale,
    /// The revocation list cannot tell this card's status: a delta CRL, no nextUpdate, an
    /// issuingDistributionPoint that does not cover the card, or an unknown critical CRL or
    /// entry extension (RFC 5280 §5.2, §5.3, §6.3.3). Fail closed.
    #[error("revocation-list-unusable")]
    RevocationListUnusable,
    /// (Sequences) the credential was revoked by an account recovery.
    #[error("credential-revoked")]
    CredentialRevoked,
    /// (Sequences) a registration without a fresh card authentication in the same session.
    #[error("no-fresh-card-auth")]
    NoFreshCardAuth,
}

/// A case file (or its `expected` part) that the verifier cannot use: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// Not JSON, or not the case-file shape.
    #[error("case file is not valid JSON of the case format: {0}")]
    Json(#[from] serde_json::Error),
    /// A member of `expected` that this kind needs is absent.
    #[error("expected.{0} is required for kind {1}")]
    Missing(&'static str, &'static str),
    /// A member of `expected` is not valid base64url.
    #[error("expected.{0} is not base64url without padding")]
    Base64(&'static str),
    /// A member of `expected` cannot be parsed (key, certificate, CRL, time).
    #[error("expected.{0} is invalid: {1}")]
    Invalid(&'static str, String),
}

// ---------------------------------------------------------------------------------------------
// The assertion hot path (§7.2).

/// What the relying party expects of an assertion, prepared once.
#[derive(Debug)]
pub struct Expected {
    /// The relying party's origin, e.g. `https://rp.example`.
    pub origin: String,
    /// SHA-256 of the RP ID.
    pub rp_id_hash: [u8; 32],
    /// The challenge, base64url without padding (the form `clientDataJSON` carries).
    pub challenge_b64: String,
    /// Challenges already consumed (base64url); a response to one of them is a replay.
    pub used_challenges: Vec<String>,
    /// The credential's stored public key.
    pub key: PublicKey,
    /// The stored signature counter.
    pub stored_sign_count: u32,
    /// Whether the relying party requires user verification.
    pub require_user_verification: bool,
    /// The credential ID the relying party allows (`allowCredentials`), if it restricts it.
    pub credential_id: Option<Vec<u8>>,
    /// The credential record's user handle, if the relying party checks `response.userHandle`.
    pub user_handle: Option<Vec<u8>>,
}

impl Expected {
    /// Prepares the expectations; hashes the RP ID and encodes the challenge once.
    pub fn new(origin: &str, rp_id: &str, challenge: &[u8], key: PublicKey) -> Expected {
        Expected {
            origin: origin.to_owned(),
            rp_id_hash: Sha256::digest(rp_id.as_bytes()).into(),
            challenge_b64: webauthn::b64(challenge),
            used_challenges: Vec::new(),
            key,
            stored_sign_count: 0,
            require_user_verification: false,
            credential_id: None,
            user_handle: None,
        }
    }
}

/// An accepted assertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assertion {
    /// The new signature counter, to store (§7.2: "update credentialRecord.signCount").
    pub sign_count: u32,
    /// The UV flag.
    pub user_verified: bool,
}

#[derive(Deserialize)]
struct AssertionJson<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, rename = "rawId")]
    raw_id: Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    #[serde(borrow)]
    response: AssertionResponseJson<'a>,
}

#[derive(Deserialize)]
struct AssertionResponseJson<'a> {
    #[serde(borrow, rename = "clientDataJSON")]
    client_data_json: Cow<'a, str>,
    #[serde(borrow, rename = "authenticatorData")]
    authenticator_data: Cow<'a, str>,
    #[serde(borrow)]
    signature: Cow<'a, str>,
    /// `null` (no user handle) reads as `None`, like an absent member.
    #[serde(default, borrow, rename = "userHandle")]
    user_handle: Option<Cow<'a, str>>,
}

/// `CollectedClientData`, §5.8.1.
#[derive(Deserialize)]
struct ClientData<'a> {
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    #[serde(borrow)]
    challenge: Cow<'a, str>,
    #[serde(borrow)]
    origin: Cow<'a, str>,
    #[serde(default, rename = "crossOrigin")]
    cross_origin: Option<bool>,
    /// Whether the member is present at all: `"topOrigin": null` is present (§7.2: "if
    /// C.topOrigin is present"), so it cannot hide behind `Option`'s reading of `null`.
    #[serde(default, rename = "topOrigin", deserialize_with = "present")]
    top_origin: bool,
}

/// Deserializes any value to `true`: called only for a member that is present.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d)?;
    Ok(true)
}

/// The UTF-8 byte order mark. WebAuthn L3 §7.1 / §7.2 decode clientDataJSON with
/// "UTF-8 decode" (WHATWG Encoding Standard), which removes a leading BOM.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Longest user handle, WebAuthn L3 §5.4.3 ("a maximum size of 64 bytes").
pub const MAX_USER_HANDLE_LEN: usize = 64;

/// Decodes a credential's `rawId` (strict base64url: RFC 4648 §5, unpadded, canonical trailing
/// bits, §3.5) into `buf` and checks that `id` spells the same bytes (§5.1: `id` is the
/// base64url encoding of `rawId`). A relying party looks the credential up by these decoded
/// bytes (§7.2), so they, never a spelling of them, are the credential's identity. An
/// empty ID and one longer than 1023 bytes (§7.1) are refused as malformed: no
/// authenticator issues them, so no credential record can have them.
pub fn decode_credential_id<'b>(
    id: &str,
    raw_id: &str,
    buf: &'b mut [u8; MAX_CREDENTIAL_ID_LEN],
) -> Result<&'b [u8], Reject> {
    let n =
        unb64_into(raw_id.as_bytes(), &mut buf[..]).ok_or(Reject::Malformed(Field::Credential))?;
    if n == 0 {
        return Err(Reject::Malformed(Field::Credential));
    }
    // Both strings are canonical spellings once `rawId` decoded strictly, so equal strings
    // mean equal bytes and a non-canonical `id` differs.
    if id != raw_id {
        return Err(Reject::CredentialIdMismatch);
    }
    Ok(&buf[..n])
}

/// The decoded credential ID of a credential JSON (`webauthn.get` or `webauthn.create`), as a
/// relying party keys its credential records: see [`decode_credential_id`].
pub fn credential_id_of(credential_json: &[u8]) -> Result<Vec<u8>, Reject> {
    #[derive(Deserialize)]
    struct Ids<'a> {
        #[serde(borrow)]
        id: Cow<'a, str>,
        #[serde(borrow, rename = "rawId")]
        raw_id: Cow<'a, str>,
    }
    let ids: Ids<'_> = parse_json(credential_json, Field::Credential)?;
    let mut buf = [0u8; MAX_CREDENTIAL_ID_LEN];
    decode_credential_id(&ids.id, &ids.raw_id, &mut buf).map(<[u8]>::to_vec)
}

/// Parses JSON after one whole-buffer UTF-8 check (faster than `serde_json::from_slice`, which
/// validates string by string).
fn parse_json<'a, T: Deserialize<'a>>(bytes: &'a [u8], field: Field) -> Result<T, Reject> {
    let text = std::str::from_utf8(bytes).map_err(|_| Reject::Malformed(field))?;
    serde_json::from_str(text).map_err(|_| Reject::Malformed(field))
}

/// The reference reading of an assertion's credential JSON, what the single-pass reader must
/// agree with whenever it answers: the `serde_json` parse [`verify_assertion_serde`] makes, then
/// each base64url member decoded by [`unb64`] (the `base64` crate); `None` if the parse or a
/// decode fails.
pub fn read_assertion_reference(credential_json: &[u8]) -> Option<credential_json::Owned> {
    let cred: AssertionJson<'_> = parse_json(credential_json, Field::Credential).ok()?;
    let r = &cred.response;
    Some(credential_json::Owned {
        id: cred.id.to_string(),
        raw_id: cred.raw_id.to_string(),
        ty: cred.ty.to_string(),
        raw_id_bytes: unb64(&cred.raw_id).ok()?,
        user_handle: match &r.user_handle {
            Some(h) => Some(unb64(h).ok()?),
            None => None,
        },
        client_data: unb64(&r.client_data_json).ok()?,
        auth_data: unb64(&r.authenticator_data).ok()?,
        sig: unb64(&r.signature).ok()?,
    })
}

/// The reference reading of a clientDataJSON (after the BOM), what
/// [`credential_json::read_client_data`] must agree with whenever it answers.
pub fn read_client_data_reference(
    json: &[u8],
) -> Option<(String, String, String, Option<bool>, bool)> {
    let c: ClientData<'_> = parse_json(json, Field::ClientDataJson).ok()?;
    Some((
        c.ty.into_owned(),
        c.challenge.into_owned(),
        c.origin.into_owned(),
        c.cross_origin,
        c.top_origin,
    ))
}

/// Stack room for a decoded clientDataJSON in the assertion hot path; browsers send about 130
/// to 300 bytes. A longer one is decoded onto the heap.
pub const CLIENT_DATA_STACK: usize = 512;
/// Stack room for decoded assertion authenticator data (37 bytes without extensions).
pub const AUTH_DATA_STACK: usize = 256;

/// Decodes base64url `s` (strictly, [`unb64_into`]) into `stack` if it fits with `spare` bytes
/// after it, else into `heap`; returns the decoded bytes followed by `spare` zero bytes.
fn decode_into<'b>(
    s: &str,
    stack: &'b mut [u8],
    heap: &'b mut Vec<u8>,
    spare: usize,
    field: Field,
) -> Result<&'b mut [u8], Reject> {
    let n = webauthn::b64_decoded_len(s.as_bytes()).ok_or(Reject::Malformed(field))?;
    let buf: &mut [u8] = if n + spare <= stack.len() {
        &mut stack[..n + spare]
    } else {
        heap.resize(n + spare, 0);
        heap
    };
    unb64_into(s.as_bytes(), buf).ok_or(Reject::Malformed(field))?;
    Ok(buf)
}

fn decode(s: &str, field: Field) -> Result<Vec<u8>, Reject> {
    unb64(s).map_err(|_| Reject::Malformed(field))
}

/// The client-data checks shared by §7.1 and §7.2. With `fast`, clientDataJSON is read by
/// [`credential_json::read_client_data`] first (the assertion hot path), falling back to the
/// reference parse for anything it does not understand.
fn check_client_data(
    json: &[u8],
    want_type: &str,
    challenge_b64: &str,
    used: &[String],
    origin: &str,
    fast: bool,
) -> Result<(), Reject> {
    // §7.2 "Let JSONtext be the result of running UTF-8 decode on the value of cData" (the
    // decode drops a leading BOM); "Let C ... be the result of running an implementation-specific
    // JSON parser on JSONtext." Members are read by name; a member given twice is refused by
    // the parser (serde's derive reports a duplicate field).
    let json = json.strip_prefix(UTF8_BOM).unwrap_or(json);
    let parsed: ClientData<'_>;
    let c = match fast
        .then(|| credential_json::read_client_data(json))
        .flatten()
    {
        Some(c) => c,
        None => {
            parsed = parse_json(json, Field::ClientDataJson)?;
            credential_json::ClientDataRead {
                ty: parsed.ty.as_bytes(),
                challenge: parsed.challenge.as_bytes(),
                origin: parsed.origin.as_bytes(),
                cross_origin: parsed.cross_origin,
                top_origin: parsed.top_origin,
            }
        }
    };
    // "Verify that the value of C.type is webauthn.get" (§7.1: "webauthn.create").
    if c.ty != want_type.as_bytes() {
        return Err(Reject::WrongClientDataType);
    }
    // "Verify that the value of C.challenge equals the base64url encoding of options.challenge."
    // Comparing encodings is exact because the decoder is strict (canonical, unpadded).
    if c.challenge != challenge_b64.as_bytes() {
        return Err(Reject::ChallengeMismatch);
    }
    // Challenges are single use (§13.4.3 "Cryptographic Challenges").
    if used.iter().any(|u| u == challenge_b64) {
        return Err(Reject::ChallengeReused);
    }
    // "Verify that the value of C.origin is an origin expected by the Relying Party."
    if c.origin != origin.as_bytes() {
        return Err(Reject::WrongOrigin);
    }
    // "If C.topOrigin is present: verify that the Relying Party expects this credential to be
    // used within an iframe that is not same-origin with its ancestors." This RP never is.
    if c.cross_origin == Some(true) || c.top_origin {
        return Err(Reject::CrossOrigin);
    }
    Ok(())
}

/// The authenticator-data flag checks shared by §7.1 and §7.2.
fn check_flags(
    head: &webauthn::AuthDataHead<'_>,
    rp_id_hash: &[u8; 32],
    require_uv: bool,
) -> Result<(), Reject> {
    // "Verify that the rpIdHash in authData is the SHA-256 hash of the RP ID expected by the RP."
    if head.rp_id_hash != rp_id_hash {
        return Err(Reject::RpIdHashMismatch);
    }
    // "Verify that the UP bit of the flags in authData is set."
    if head.flags & FLAG_UP == 0 {
        return Err(Reject::UserPresenceMissing);
    }
    // "If user verification is required ..., verify that the UV bit of the flags is set."
    if require_uv && head.flags & FLAG_UV == 0 {
        return Err(Reject::UserVerificationMissing);
    }
    // "If the BE bit of the flags in authData is not set, verify that the BS bit is not set."
    if head.flags & FLAG_BE == 0 && head.flags & FLAG_BS != 0 {
        return Err(Reject::BackupFlagsInconsistent);
    }
    Ok(())
}

/// Verifies an assertion (§7.2) against prepared expectations. `credential_json` is the
/// `PublicKeyCredential.toJSON()` of a `navigator.credentials.get()` result.
///
/// The credential JSON is read by [`credential_json::read_assertion`] (one pass, base64url
/// members decoded into stack buffers as they are scanned); what that reader does not
/// understand goes to [`verify_assertion_serde`], the reference path, so the verdict is the
/// reference's on every input.
pub fn verify_assertion(exp: &Expected, credential_json: &[u8]) -> Result<Assertion, Reject> {
    let mut bufs = credential_json::Buffers::new();
    let Some(r) = credential_json::read_assertion(credential_json, &mut bufs) else {
        return verify_assertion_serde(exp, credential_json);
    };
    // The reference's checks in the reference's order; every decode already succeeded, so the
    // reference would reach each of them with the same values.
    if r.ty != b"public-key" {
        return Err(Reject::WrongCredentialType);
    }
    if r.raw_id_len == 0 {
        return Err(Reject::Malformed(Field::Credential));
    }
    if r.id != r.raw_id {
        return Err(Reject::CredentialIdMismatch);
    }
    let id = &bufs.raw_id[..r.raw_id_len];
    if let Some(allowed) = &exp.credential_id
        && id != allowed.as_slice()
    {
        return Err(Reject::CredentialIdMismatch);
    }
    if let Some(n) = r.user_handle_len {
        if n == 0 {
            return Err(Reject::Malformed(Field::Credential));
        }
        if exp
            .user_handle
            .as_ref()
            .is_some_and(|u| u.as_slice() != &bufs.user_handle[..n])
        {
            return Err(Reject::UserHandleMismatch);
        }
    }
    finish_assertion(
        exp,
        &bufs.client_data[..r.client_data_len],
        &mut bufs.signed[..r.auth_data_len + 32],
        &bufs.sig[..r.sig_len],
        true,
    )
}

/// [`verify_assertion`] by the reference path alone: `serde_json` with borrowed strings, then
/// [`unb64_into`] per member, and `serde_json` for clientDataJSON. The single-pass reader is checked against it (same fields, same
/// verdict) by `tests/fuzz.rs` and the `json_credential` fuzz target.
pub fn verify_assertion_serde(exp: &Expected, credential_json: &[u8]) -> Result<Assertion, Reject> {
    let cred: AssertionJson<'_> = parse_json(credential_json, Field::Credential)?;
    if cred.ty != "public-key" {
        return Err(Reject::WrongCredentialType);
    }
    // §7.2: the credential is identified by its decoded rawId.
    let mut id_buf = [0u8; MAX_CREDENTIAL_ID_LEN];
    let id = decode_credential_id(&cred.id, &cred.raw_id, &mut id_buf)?;
    // "If options.allowCredentials is not empty, verify that credential.id identifies one of
    // the public key credentials listed in options.allowCredentials."
    if let Some(allowed) = &exp.credential_id
        && id != allowed.as_slice()
    {
        return Err(Reject::CredentialIdMismatch);
    }
    // §7.2: "If response.userHandle is present, verify that it equals user.id of the
    // credential record" (when this relying party has it); in any case it must be a user handle.
    if let Some(handle) = &cred.response.user_handle {
        let mut buf = [0u8; MAX_USER_HANDLE_LEN];
        let n =
            unb64_into(handle.as_bytes(), &mut buf).ok_or(Reject::Malformed(Field::Credential))?;
        if n == 0 {
            return Err(Reject::Malformed(Field::Credential));
        }
        if exp
            .user_handle
            .as_ref()
            .is_some_and(|u| u.as_slice() != &buf[..n])
        {
            return Err(Reject::UserHandleMismatch);
        }
    }
    // "Let cData, authData and sig denote the value of response's clientDataJSON,
    // authenticatorData, and signature respectively." Decoded into stack buffers (heap only
    // for an unusually long field): no allocation on the common path.
    let mut cd_stack = [0u8; CLIENT_DATA_STACK];
    let mut cd_heap = Vec::new();
    let c_data = decode_into(
        &cred.response.client_data_json,
        &mut cd_stack,
        &mut cd_heap,
        0,
        Field::ClientDataJson,
    )?;
    // authData with room for the 32-byte hash appended below.
    let mut signed_stack = [0u8; AUTH_DATA_STACK + 32];
    let mut signed_heap = Vec::new();
    let signed = decode_into(
        &cred.response.authenticator_data,
        &mut signed_stack,
        &mut signed_heap,
        32,
        Field::AuthenticatorData,
    )?;
    // The signature into a stack buffer (RSA-4096 is the largest: 512 bytes).
    let mut sig_buf = [0u8; MAX_SIG_LEN];
    let sig_len = unb64_into(cred.response.signature.as_bytes(), &mut sig_buf)
        .ok_or(Reject::Malformed(Field::Signature))?;
    let sig = &sig_buf[..sig_len];
    finish_assertion(exp, c_data, signed, sig, false)
}

/// The assertion checks after the credential's members are decoded: client data, authenticator
/// data, the signature over `signed` (authenticatorData followed by 32 spare bytes for the hash
/// of `c_data`) and the counter. `fast`: read clientDataJSON by the single-pass reader first.
fn finish_assertion(
    exp: &Expected,
    c_data: &[u8],
    signed: &mut [u8],
    sig: &[u8],
    fast: bool,
) -> Result<Assertion, Reject> {
    check_client_data(
        c_data,
        "webauthn.get",
        &exp.challenge_b64,
        &exp.used_challenges,
        &exp.origin,
        fast,
    )?;
    let ad_len = signed.len() - 32;
    let head = webauthn::parse_auth_data(&signed[..ad_len])
        .ok_or(Reject::Malformed(Field::AuthenticatorData))?;
    // §6.1 layout. An assertion carries no attested credential data (§6.3.3
    // authenticatorGetAssertion returns none; policy: AT set is malformed), and extension outputs
    // follow if and only if ED is set; nothing after them. The common case (no flags, 37 bytes)
    // costs one comparison.
    if head.flags & (FLAG_AT | FLAG_ED) == 0 {
        if !head.rest.is_empty() {
            return Err(Reject::Malformed(Field::AuthenticatorData));
        }
    } else if head.flags & FLAG_AT != 0 || webauthn::parse_body(&head).is_none() {
        return Err(Reject::Malformed(Field::AuthenticatorData));
    }
    check_flags(&head, &exp.rp_id_hash, exp.require_user_verification)?;
    let sign_count = head.sign_count;
    let user_verified = head.flags & FLAG_UV != 0;
    // "Let hash be the result of computing a hash over the cData using SHA-256."
    // "Using credentialRecord.publicKey, verify that sig is a valid signature over the binary
    // concatenation of authData and hash." The hash is the key's backend's SHA-256
    // (`sig::Backend::sha256`): the same digest on every backend, by the code the signature
    // check then runs on the signed bytes.
    signed[ad_len..].copy_from_slice(&exp.key.sha256(c_data));
    exp.key
        .verify(signed, sig)
        .map_err(|_| Reject::BadSignature)?;
    // "If authData.signCount is nonzero or credentialRecord.signCount is nonzero, then ...
    // greater than credentialRecord.signCount: the signature counter is valid" (and §6.1.1);
    // otherwise a possibly cloned authenticator: this relying party rejects.
    if (sign_count != 0 || exp.stored_sign_count != 0) && sign_count <= exp.stored_sign_count {
        return Err(Reject::CounterNotIncreased);
    }
    Ok(Assertion {
        sign_count,
        user_verified,
    })
}

// ---------------------------------------------------------------------------------------------
// Registration (§7.1).

/// What the relying party expects of a registration.
#[derive(Clone, Debug)]
pub struct ExpectedCreate {
    /// The relying party's origin.
    pub origin: String,
    /// SHA-256 of the RP ID.
    pub rp_id_hash: [u8; 32],
    /// The challenge, base64url.
    pub challenge_b64: String,
    /// Challenges already consumed.
    pub used_challenges: Vec<String>,
    /// Whether user verification is required.
    pub require_user_verification: bool,
    /// The backend used to check the packed self-attestation signature.
    pub backend: Backend,
}

/// A registered credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    /// Credential ID.
    pub credential_id: Vec<u8>,
    /// Algorithm.
    pub alg: Alg,
    /// The public key as a DER SubjectPublicKeyInfo (what `webauthn.get` cases carry).
    pub spki: Vec<u8>,
    /// The initial signature counter.
    pub sign_count: u32,
    /// The attestation format.
    pub fmt: String,
}

#[derive(Deserialize)]
struct RegistrationJson<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, rename = "rawId")]
    raw_id: Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    #[serde(borrow)]
    response: RegistrationResponseJson<'a>,
}

#[derive(Deserialize)]
struct RegistrationResponseJson<'a> {
    #[serde(borrow, rename = "clientDataJSON")]
    client_data_json: Cow<'a, str>,
    #[serde(borrow, rename = "attestationObject")]
    attestation_object: Cow<'a, str>,
}

fn cbor_text_key<'v>(
    map: &'v [(ciborium::Value, ciborium::Value)],
    key: &str,
) -> Option<&'v ciborium::Value> {
    map.iter()
        .find(|(k, _)| matches!(k, ciborium::Value::Text(t) if t == key))
        .map(|(_, v)| v)
}

/// Verifies a registration (§7.1). `credential_json` is the `PublicKeyCredential.toJSON()` of a
/// `navigator.credentials.create()` result.
pub fn verify_registration(
    exp: &ExpectedCreate,
    credential_json: &[u8],
) -> Result<Registered, Reject> {
    use ciborium::Value;
    let cred: RegistrationJson<'_> = serde_json::from_slice(credential_json)
        .map_err(|_| Reject::Malformed(Field::Credential))?;
    if cred.ty != "public-key" {
        return Err(Reject::WrongCredentialType);
    }
    let mut id_buf = [0u8; MAX_CREDENTIAL_ID_LEN];
    let raw_id = decode_credential_id(&cred.id, &cred.raw_id, &mut id_buf)?.to_vec();
    let c_data = decode(&cred.response.client_data_json, Field::ClientDataJson)?;
    let att_bytes = decode(&cred.response.attestation_object, Field::AttestationObject)?;
    check_client_data(
        &c_data,
        "webauthn.create",
        &exp.challenge_b64,
        &exp.used_challenges,
        &exp.origin,
        false,
    )?;
    // "Let hash be the result of computing a hash over response.clientDataJSON using SHA-256."
    let hash = Sha256::digest(&c_data);
    // "Perform CBOR decoding on the attestationObject field ... to obtain the attestation
    // statement format fmt, the authenticator data authData, and the attestation statement
    // attStmt."
    // Strict: a map with a key twice ("fmt", "attStmt", "authData") is not valid CBOR (RFC 8949
    // §5.6); a first-wins or last-wins reading would let two parsers see two statements.
    let mut rd: &[u8] = &att_bytes;
    let att = webauthn::cbor_strict(&mut rd).ok_or(Reject::Malformed(Field::AttestationObject))?;
    if !rd.is_empty() {
        return Err(Reject::Malformed(Field::AttestationObject));
    }
    let Value::Map(att) = att else {
        return Err(Reject::Malformed(Field::AttestationObject));
    };
    let (Some(Value::Text(fmt)), Some(Value::Map(att_stmt)), Some(Value::Bytes(auth_data))) = (
        cbor_text_key(&att, "fmt"),
        cbor_text_key(&att, "attStmt"),
        cbor_text_key(&att, "authData"),
    ) else {
        return Err(Reject::Malformed(Field::AttestationObject));
    };
    let head =
        webauthn::parse_auth_data(auth_data).ok_or(Reject::Malformed(Field::AuthenticatorData))?;
    check_flags(&head, &exp.rp_id_hash, exp.require_user_verification)?;
    if head.flags & FLAG_AT == 0 {
        return Err(Reject::AttestedCredentialMissing);
    }
    // §6.1 layout: the attested credential data, then the extensions map if and only if ED is
    // set, then nothing. A COSE key with a label twice fails here too (strict CBOR).
    let attested = webauthn::parse_body(&head)
        .and_then(|b| b.attested)
        .ok_or(Reject::Malformed(Field::AuthenticatorData))?;
    // A COSE key with a label twice is not valid CBOR (RFC 8949 §5.6): which `alg` would count?
    if webauthn::has_duplicate_keys(&attested.public_key) {
        return Err(Reject::Malformed(Field::CredentialPublicKey));
    }
    // Extension outputs this relying party did not request (e.g. credProtect, which platforms
    // add on their own) are ignored: §7.1 leaves unsolicited extensions to RP policy.
    // "Verify that the credentialId is ≤ 1023 bytes."
    if attested.credential_id.len() > MAX_CREDENTIAL_ID_LEN {
        return Err(Reject::Malformed(Field::AuthenticatorData));
    }
    if attested.credential_id != raw_id.as_slice() {
        return Err(Reject::CredentialIdMismatch);
    }
    // "Verify that the "alg" parameter in the credential public key in authData matches the alg
    // attribute of one of the items in pkOptions.pubKeyCredParams" (ES256 and RS256 here).
    let cose = webauthn::parse_cose(&attested.public_key).map_err(|e| match e {
        webauthn::CoseError::Malformed => Reject::Malformed(Field::CredentialPublicKey),
        webauthn::CoseError::UnsupportedKeyType => Reject::UnsupportedAlgorithm,
    })?;
    let alg = Alg::from_cose(cose.alg()).ok_or(Reject::UnsupportedAlgorithm)?;
    if cose.key_alg() != alg {
        return Err(Reject::KeyTypeMismatch);
    }
    let spki = cose
        .to_spki_der()
        .ok_or(Reject::Malformed(Field::CredentialPublicKey))?;
    // "Determine the attestation statement format ... verify that attStmt is a correct
    // attestation statement": "none" (§8.7) and packed self attestation (§8.2).
    match fmt.as_str() {
        "none" => {
            if !att_stmt.is_empty() {
                return Err(Reject::Malformed(Field::AttestationStatement));
            }
        }
        "packed" => {
            if cbor_text_key(att_stmt, "x5c").is_some() {
                return Err(Reject::UntrustedAttestation);
            }
            let (Some(Value::Integer(sig_alg)), Some(Value::Bytes(sig))) = (
                cbor_text_key(att_stmt, "alg"),
                cbor_text_key(att_stmt, "sig"),
            ) else {
                return Err(Reject::Malformed(Field::AttestationStatement));
            };
            // §8.2 self attestation: "Validate that alg matches the algorithm of the
            // credentialPublicKey in authenticatorData."
            if i128::from(*sig_alg) != i128::from(alg.cose()) {
                return Err(Reject::AttestationAlgMismatch);
            }
            // "Verify that sig is a valid signature over the concatenation of authenticatorData
            // and clientDataHash using the credential public key with alg."
            let key = PublicKey::from_spki_der(exp.backend, alg, &spki)
                .map_err(|_| Reject::Malformed(Field::CredentialPublicKey))?;
            let mut signed = auth_data.clone();
            signed.extend_from_slice(&hash);
            key.verify(&signed, sig)
                .map_err(|_| Reject::BadAttestationSignature)?;
        }
        _ => return Err(Reject::UnsupportedAttestationFormat),
    }
    // The key must also be usable by the verification backend (key policy of `sig`).
    PublicKey::from_spki_der(exp.backend, alg, &spki)
        .map_err(|_| Reject::Malformed(Field::CredentialPublicKey))?;
    Ok(Registered {
        credential_id: raw_id,
        alg,
        spki,
        sign_count: head.sign_count,
        fmt: fmt.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// JPKI card authentication.

/// What the server expects of a card authentication, prepared once.
#[derive(Debug)]
pub struct ExpectedCard {
    /// The challenge the server sent to the card.
    pub challenge: Vec<u8>,
    /// The trusted CA's subject name.
    pub ca_subject: x509_cert::name::Name,
    /// The CA's key (RS256, for certificate and CRL signatures); `None` if it is not RSA of
    /// 2048 to 4096 bits ([`Reject::CaKeyUnsupported`] then).
    pub ca_key: Option<PublicKey>,
    /// Why the configured CA cannot vouch for any card, if it cannot (checked first).
    pub ca_problem: Option<Reject>,
    /// Serial numbers (DER contents) revoked by the CA; `None` if no CRL was supplied.
    pub revoked: Option<Vec<Vec<u8>>>,
    /// Why the CRL cannot be used, if it cannot.
    pub crl_problem: Option<Reject>,
    /// The CRL's issuingDistributionPoint, matched against each card's cRLDistributionPoints.
    pub crl_scope: Option<x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint>,
    /// The verification time.
    pub now: der::DateTime,
    /// Challenges already consumed.
    pub used_challenges: Vec<Vec<u8>>,
    /// Backend for the card key.
    pub backend: Backend,
}

/// An accepted card authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardAuth {
    /// The card certificate's serial number (DER contents).
    pub serial: Vec<u8>,
}

/// Why the configured CA cannot be a trust anchor for card certificates (RFC 5280 §6.1.1 takes
/// a trust anchor's name and key; this relying party also holds the CA certificate to its own
/// validity, basicConstraints and keyUsage, so that a misconfigured anchor fails closed).
fn ca_problem(ca: &Certificate, now: der::DateTime) -> Option<Reject> {
    let tbs = ca.tbs_certificate();
    let validity = tbs.validity();
    if now < validity.not_before.to_date_time() || now > validity.not_after.to_date_time() {
        return Some(Reject::CaNotValid);
    }
    let exts = match crate::pki::cert_extensions(tbs.extensions()) {
        Ok(e) => e,
        Err(_) => return Some(Reject::CaNotACa),
    };
    if !exts.basic_constraints.is_some_and(|b| b.ca) {
        return Some(Reject::CaNotACa);
    }
    if exts
        .key_usage
        .is_some_and(|k| !k.0.contains(x509_cert::ext::pkix::KeyUsages::KeyCertSign))
    {
        return Some(Reject::CaNotACa);
    }
    None
}

/// Why a CRL signed by the CA cannot tell a card's status (before matching the card).
fn crl_problem(
    list: &CertificateList<x509_cert::certificate::Rfc5280>,
    ca: &Certificate,
    ca_key: Option<&PublicKey>,
    now: der::DateTime,
) -> Result<Option<x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint>, Reject> {
    let tbs_list = &list.tbs_cert_list;
    let tbs = tbs_list
        .to_der()
        .map_err(|_| Reject::RevocationListUntrusted)?;
    let sig = list.signature.as_bytes().unwrap_or_default();
    // RFC 5280 §6.3.3 (f)/(g): the CRL issuer is the CA and its signature verifies; (f) also
    // asks that the CA may sign CRLs: cRLSign when keyUsage is present.
    // RFC 5280 §5.1.1.2: signatureAlgorithm equals tbsCertList.signature.
    let ca_tbs = ca.tbs_certificate();
    let may_sign_crls = match crate::pki::cert_extensions(ca_tbs.extensions()) {
        Ok(e) => e
            .key_usage
            .is_none_or(|k| k.0.contains(x509_cert::ext::pkix::KeyUsages::CRLSign)),
        Err(_) => false,
    };
    let trusted = may_sign_crls
        && crate::pki::names_match(&tbs_list.issuer, ca_tbs.subject())
        && list.signature_algorithm == tbs_list.signature
        && list.signature_algorithm.oid == OID_SHA256_WITH_RSA
        && ca_key.is_some_and(|k| k.verify(&tbs, sig).is_ok());
    if !trusted {
        return Err(Reject::RevocationListUntrusted);
    }
    let exts = crate::pki::crl_extensions(tbs_list.crl_extensions.as_ref())
        .map_err(|_| Reject::RevocationListUnusable)?;
    // §5.2.4: a delta CRL lists only changes since a base CRL; given alone it is not the
    // complete status. §6.3.3 here uses complete CRLs only.
    if exts.delta {
        return Err(Reject::RevocationListUnusable);
    }
    for entry in tbs_list.revoked_certificates.iter().flatten() {
        crate::pki::crl_entry_extensions(entry.crl_entry_extensions.as_ref())
            .map_err(|_| Reject::RevocationListUnusable)?;
    }
    match &tbs_list.next_update {
        // §5.1.2.5: "Conforming CRL issuers MUST include the nextUpdate time"; without it no
        // relying party can tell whether a newer CRL exists (policy: unusable).
        None => return Err(Reject::RevocationListUnusable),
        // §6.3.3 (a): a CRL past its nextUpdate is not current.
        Some(t) if t.to_date_time() < now => return Err(Reject::RevocationListStale),
        Some(_) => {}
    }
    Ok(exts.issuing_distribution_point)
}

impl ExpectedCard {
    /// Prepares from the CA certificate and an optional CRL (both DER). A CA or CRL that is not
    /// DER is a case error; one that decodes but cannot be used is a rejection of every card
    /// ([`ExpectedCard::ca_problem`], [`ExpectedCard::crl_problem`]), so that the relying party
    /// says why it cannot trust the card.
    pub fn new(
        backend: Backend,
        challenge: &[u8],
        ca_cert: &[u8],
        crl: Option<&[u8]>,
        now: der::DateTime,
    ) -> Result<ExpectedCard, CaseError> {
        let ca = Certificate::from_der(ca_cert)
            .map_err(|e| CaseError::Invalid("caCert", e.to_string()))?;
        let ca_spki = ca
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| CaseError::Invalid("caCert", e.to_string()))?;
        // The JPKI CA signs with RSA (sha256WithRSAEncryption); `sig`'s RSA policy is 2048 to
        // 4096 bits. Any other key cannot have signed a JPKI card certificate.
        let ca_key = PublicKey::from_spki_der(backend, Alg::Rs256, &ca_spki).ok();
        let mut problem = ca_problem(&ca, now);
        if ca_key.is_none() {
            problem = problem.or(Some(Reject::CaKeyUnsupported));
        }
        let ca_subject = ca.tbs_certificate().subject().clone();
        let mut revoked = None;
        let mut crl_problem_found = None;
        let mut crl_scope = None;
        if let Some(crl) = crl {
            let list = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(crl)
                .map_err(|e| CaseError::Invalid("crl", e.to_string()))?;
            match crl_problem(&list, &ca, ca_key.as_ref(), now) {
                Ok(scope) => crl_scope = scope,
                Err(r) => crl_problem_found = Some(r),
            }
            revoked = Some(
                list.tbs_cert_list
                    .revoked_certificates
                    .unwrap_or_default()
                    .iter()
                    .map(|r| r.serial_number.as_bytes().to_vec())
                    .collect(),
            );
        }
        Ok(ExpectedCard {
            challenge: challenge.to_vec(),
            ca_subject,
            ca_key,
            ca_problem: problem,
            revoked,
            crl_problem: crl_problem_found,
            crl_scope,
            now,
            used_challenges: Vec::new(),
            backend,
        })
    }
}

#[derive(Deserialize)]
struct CardJson<'a> {
    #[serde(borrow)]
    certificate: Cow<'a, str>,
    #[serde(borrow)]
    signature: Cow<'a, str>,
}

/// Verifies a card authentication: `{"certificate": b64url DER, "signature": b64url}` where the
/// signature is RSASSA-PKCS1-v1_5 SHA-256 over the raw challenge bytes.
pub fn verify_card(exp: &ExpectedCard, credential_json: &[u8]) -> Result<CardAuth, Reject> {
    let cred: CardJson<'_> = serde_json::from_slice(credential_json)
        .map_err(|_| Reject::Malformed(Field::Credential))?;
    let cert_der = decode(&cred.certificate, Field::Certificate)?;
    let sig = decode(&cred.signature, Field::Signature)?;
    if exp.used_challenges.contains(&exp.challenge) {
        return Err(Reject::ChallengeReused);
    }
    if let Some(problem) = exp.ca_problem {
        return Err(problem);
    }
    let Some(ca_key) = &exp.ca_key else {
        return Err(Reject::CaKeyUnsupported);
    };
    let (cert, tbs_der) =
        crate::pki::decode_certificate(&cert_der).ok_or(Reject::Malformed(Field::Certificate))?;
    let tbs = cert.tbs_certificate();
    // RFC 5280 §4.1.1.2: signatureAlgorithm (outside the signed part) "MUST contain the same
    // algorithm identifier as the signature field in the sequence tbsCertificate" (§4.1.2.3);
    // otherwise its parameters could be altered without breaking the signature.
    if cert.signature_algorithm() != tbs.signature() {
        return Err(Reject::Malformed(Field::Certificate));
    }
    // RFC 5280 §6.1.3 (a)(1) signature, (a)(4) issuer name (compared as §7.1 asks).
    if !crate::pki::names_match(tbs.issuer(), &exp.ca_subject)
        || cert.signature_algorithm().oid != OID_SHA256_WITH_RSA
    {
        return Err(Reject::UntrustedIssuer);
    }
    let cert_sig = cert
        .signature()
        .as_bytes()
        .ok_or(Reject::Malformed(Field::Certificate))?;
    ca_key
        .verify(tbs_der, cert_sig)
        .map_err(|_| Reject::UntrustedIssuer)?;
    // (a)(2) validity period.
    let validity = tbs.validity();
    if exp.now < validity.not_before.to_date_time() {
        return Err(Reject::CertNotYetValid);
    }
    if exp.now > validity.not_after.to_date_time() {
        return Err(Reject::CertExpired);
    }
    // RFC 5280 §4.2: extensions, each read with its x509-cert type; an unknown critical one
    // fails the certificate (§6.1.4 (o) for the final certificate).
    let exts = crate::pki::cert_extensions(tbs.extensions()).map_err(|e| match e {
        crate::pki::ExtProblem::Malformed => Reject::Malformed(Field::Certificate),
        crate::pki::ExtProblem::UnknownCritical => Reject::UnknownCriticalExtension,
    })?;
    // §4.2.1.3: JPKI user authentication is a signature by the card key: digitalSignature.
    // Policy: keyUsage must be present (the JPKI profile always carries it).
    if !exts.key_usage.is_some_and(|k| {
        k.0.contains(x509_cert::ext::pkix::KeyUsages::DigitalSignature)
    }) {
        return Err(Reject::KeyUsageNotPermitted);
    }
    // §4.2.1.12: "If the extension is present, then the certificate MUST only be used for one
    // of the purposes indicated" (critical or not): client authentication, or any purpose.
    if let Some(eku) = &exts.ext_key_usage
        && !eku
            .0
            .iter()
            .any(|p| *p == crate::pki::OID_CLIENT_AUTH || *p == crate::pki::OID_ANY_EKU)
    {
        return Err(Reject::KeyUsageNotPermitted);
    }
    // (a)(3) revocation status.
    if let Some(problem) = exp.crl_problem {
        return Err(problem);
    }
    // §6.3.3 (b): the CRL's scope must cover this certificate.
    if let Some(idp) = &exp.crl_scope
        && !crate::pki::idp_covers(idp, exts.crl_distribution_points.as_ref())
    {
        return Err(Reject::RevocationListUnusable);
    }
    let serial = tbs.serial_number().as_bytes().to_vec();
    if let Some(revoked) = &exp.revoked
        && revoked.contains(&serial)
    {
        return Err(Reject::CertRevoked);
    }
    // The JPKI user-auth key is RSA-2048 (J-LIS); anything else is the wrong key type: another
    // algorithm, or RSA outside `sig`'s policy (2048 to 4096 bits, odd exponent 3 <= e < 2^33),
    // so a 1024-bit card key is refused here (issue 12: key size at least 2048).
    let spki = tbs
        .subject_public_key_info()
        .to_der()
        .map_err(|_| Reject::Malformed(Field::Certificate))?;
    let key = PublicKey::from_spki_der(exp.backend, Alg::Rs256, &spki).map_err(|e| match e {
        SigError::KeyTypeMismatch | SigError::UnsupportedKey | SigError::InvalidKey => {
            Reject::KeyTypeMismatch
        }
        _ => Reject::Malformed(Field::Certificate),
    })?;
    key.verify(&exp.challenge, &sig)
        .map_err(|_| Reject::BadSignature)?;
    Ok(CardAuth { serial })
}

/// Parses the RFC 3339 UTC form `YYYY-MM-DDTHH:MM:SSZ` (the only form case files use).
pub fn parse_rfc3339(s: &str) -> Option<der::DateTime> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let digits = [0..4, 5..7, 8..10, 11..13, 14..16, 17..19];
    if !digits
        .iter()
        .all(|r| b[r.clone()].iter().all(u8::is_ascii_digit))
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u16>().ok();
    let small = |r| num(r).and_then(|v| u8::try_from(v).ok());
    der::DateTime::new(
        num(0..4)?,
        small(5..7)?,
        small(8..10)?,
        small(11..13)?,
        small(14..16)?,
        small(17..19)?,
    )
    .ok()
}

/// Formats a time as RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SSZ`).
pub fn format_rfc3339(t: &der::DateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minutes(),
        t.seconds()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip_and_refusals() {
        let t = parse_rfc3339("2026-06-01T00:00:00Z");
        assert_eq!(
            t.map(|t| format_rfc3339(&t)),
            Some("2026-06-01T00:00:00Z".into())
        );
        for bad in [
            "2026-06-01T00:00:00",
            "2026-06-01 00:00:00Z",
            "2026-13-01T00:00:00Z",
            "+026-06-01T00:00:00Z",
            "2026-06-01T00:00:00+09:00",
            "",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn credential_ids_decode_strictly_to_their_full_length() {
        let mut buf = [0u8; MAX_CREDENTIAL_ID_LEN];
        // The longest ID (1023 bytes, §7.1) fits the buffer; 1024 bytes do not.
        let long = webauthn::b64(&[7u8; MAX_CREDENTIAL_ID_LEN]);
        assert_eq!(
            decode_credential_id(&long, &long, &mut buf).map(<[u8]>::len),
            Ok(1023)
        );
        let longer = webauthn::b64(&[7u8; MAX_CREDENTIAL_ID_LEN + 1]);
        assert_eq!(
            decode_credential_id(&longer, &longer, &mut buf),
            Err(Reject::Malformed(Field::Credential))
        );
        // "AQ" is the canonical spelling of [1]; "AR" has an unused bit set (RFC 4648 §3.5).
        assert_eq!(decode_credential_id("AQ", "AQ", &mut buf), Ok(&[1u8][..]));
        for bad in ["AR", "AQ==", "", "A", "A+"] {
            assert_eq!(
                decode_credential_id(bad, bad, &mut buf),
                Err(Reject::Malformed(Field::Credential)),
                "{bad:?}"
            );
        }
        assert_eq!(
            decode_credential_id("AR", "AQ", &mut buf),
            Err(Reject::CredentialIdMismatch)
        );
    }

    #[test]
    fn duplicate_cbor_keys_are_found_at_any_depth() {
        use ciborium::Value as C;
        let t = |s: &str| C::Text(s.into());
        let i = |n: i64| C::Integer(n.into());
        let ok = C::Map(vec![
            (t("a"), i(1)),
            (t("b"), C::Map(vec![(i(1), i(2)), (i(2), i(2))])),
        ]);
        assert!(!webauthn::has_duplicate_keys(&ok), "control: distinct keys");
        let top = C::Map(vec![(t("a"), i(1)), (t("a"), i(2))]);
        assert!(webauthn::has_duplicate_keys(&top));
        let deep = C::Array(vec![C::Map(vec![(
            t("k"),
            C::Map(vec![(i(3), i(1)), (i(3), i(1))]),
        )])]);
        assert!(webauthn::has_duplicate_keys(&deep));
        // A non-minimal encoding of the key 3 (0x18 0x03) is the same key.
        let mut bytes: &[u8] = &[0xa2, 0x03, 0x01, 0x18, 0x03, 0x02];
        assert_eq!(webauthn::cbor_strict(&mut bytes), None);
        let mut bytes: &[u8] = &[0xa2, 0x03, 0x01, 0x18, 0x04, 0x02];
        assert!(
            webauthn::cbor_strict(&mut bytes).is_some(),
            "control: keys 3 and 4"
        );
    }

    #[test]
    fn reject_tokens_are_distinct() {
        let all = [
            Reject::Malformed(Field::Credential),
            Reject::WrongCredentialType,
            Reject::CredentialIdMismatch,
            Reject::UserHandleMismatch,
            Reject::WrongClientDataType,
            Reject::ChallengeMismatch,
            Reject::ChallengeReused,
            Reject::WrongOrigin,
            Reject::CrossOrigin,
            Reject::RpIdHashMismatch,
            Reject::UserPresenceMissing,
            Reject::UserVerificationMissing,
            Reject::BackupFlagsInconsistent,
            Reject::AttestedCredentialMissing,
            Reject::UnsupportedAlgorithm,
            Reject::KeyTypeMismatch,
            Reject::UnsupportedAttestationFormat,
            Reject::UntrustedAttestation,
            Reject::AttestationAlgMismatch,
            Reject::BadAttestationSignature,
            Reject::BadSignature,
            Reject::CounterNotIncreased,
            Reject::UntrustedIssuer,
            Reject::CertNotYetValid,
            Reject::CertExpired,
            Reject::CertRevoked,
            Reject::RevocationListUntrusted,
            Reject::RevocationListStale,
            Reject::RevocationListUnusable,
            Reject::KeyUsageNotPermitted,
            Reject::UnknownCriticalExtension,
            Reject::CaNotValid,
            Reject::CaNotACa,
            Reject::CaKeyUnsupported,
            Reject::CredentialRevoked,
            Reject::NoFreshCardAuth,
        ];
        let tokens: std::collections::BTreeSet<String> =
            all.iter().map(ToString::to_string).collect();
        assert_eq!(tokens.len(), all.len());
    }
}
