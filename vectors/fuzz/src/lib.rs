//! The bodies of the fuzz targets and their fixtures: the relying party's side of committed
//! accepted cases (`vectors/data/*-accept.json`), so that fuzzed input reaches the parsers
//! behind the expectations a real server would hold. A target fails only by panicking
//! (libFuzzer reports it as a crash): every rejection must be a named `Reject` or `CaseError`.
//!
//! This file is also compiled into `vectors/tests/fuzz_corpus.rs` (`#[path]`), which replays
//! the committed corpus through the same bodies in CI without libFuzzer.

use std::sync::LazyLock;

use serde_json::{Value, json};
use vectors::case::{parse_case, prepare_card, prepare_create, prepare_get, verify_text};
use vectors::credential_json::{read_assertion_owned, read_client_data};
use vectors::sig::Backend;
use vectors::verify::{
    Expected, ExpectedCard, ExpectedCreate, read_assertion_reference, read_client_data_reference,
    verify_assertion, verify_assertion_serde, verify_card, verify_registration,
};
use vectors::webauthn::{
    b64, parse_attested, parse_auth_data, parse_cose, unb64, unb64_into, unb64_to_quote,
};

/// An accepted assertion case: `get-es256-accept.json`.
pub const GET: &str = include_str!("../../data/get-es256-accept.json");
/// An accepted registration case: `create-es256-packed-accept.json`.
pub const CREATE: &str = include_str!("../../data/create-es256-packed-accept.json");
/// An accepted card case: `jpki-accept.json`.
pub const CARD: &str = include_str!("../../data/jpki-accept.json");

/// The expectations and credential JSON of the accepted assertion.
pub fn get() -> (Expected, Value) {
    let c = parse_case(GET).expect("committed case");
    let e = prepare_get(&c.expected, Backend::default())
        .expect("usable")
        .expect("key type");
    (e, serde_json::from_str(c.credential.get()).expect("json"))
}

/// The expectations and credential JSON of the accepted registration.
pub fn create() -> (ExpectedCreate, Value) {
    let c = parse_case(CREATE).expect("committed case");
    let e = prepare_create(&c.expected, Backend::default()).expect("usable");
    (e, serde_json::from_str(c.credential.get()).expect("json"))
}

/// The expectations, credential JSON and case JSON of the accepted card authentication.
pub fn card() -> (ExpectedCard, Value, Value) {
    let c = parse_case(CARD).expect("committed case");
    let e = prepare_card(&c.expected, Backend::default()).expect("usable");
    (
        e,
        serde_json::from_str(c.credential.get()).expect("json"),
        serde_json::from_str(CARD).expect("json"),
    )
}

static GET_FIX: LazyLock<(Expected, Value)> = LazyLock::new(get);
static CREATE_FIX: LazyLock<(ExpectedCreate, Value)> = LazyLock::new(create);
static CARD_FIX: LazyLock<(ExpectedCard, Value, Value)> = LazyLock::new(card);

/// JSON credential parsers: bytes as the `toJSON()` of an assertion and of a registration, and
/// as a whole case file.
pub fn json_credential(data: &[u8]) {
    let fast = verify_assertion(&GET_FIX.0, data);
    // The single-pass reader of the hot path against the reference (serde_json + unb64): the
    // same fields whenever it answers, the same verdict always; the same for the bytes read
    // as a clientDataJSON.
    if let Some(read) = read_assertion_owned(data) {
        assert_eq!(Some(read), read_assertion_reference(data));
    }
    assert_eq!(fast, verify_assertion_serde(&GET_FIX.0, data));
    if let Some(c) = read_client_data(data) {
        let own = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let read = (
            own(c.ty),
            own(c.challenge),
            own(c.origin),
            c.cross_origin,
            c.top_origin,
        );
        assert_eq!(Some(read), read_client_data_reference(data));
    }
    if data.len() <= 512 {
        let mut cred = GET_FIX.1.clone();
        cred["response"]["clientDataJSON"] = json!(b64(data));
        let cred = cred.to_string();
        assert_eq!(
            verify_assertion(&GET_FIX.0, cred.as_bytes()),
            verify_assertion_serde(&GET_FIX.0, cred.as_bytes())
        );
    }
    let _ = verify_registration(&CREATE_FIX.0, data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = verify_text(text, Backend::default());
    }
}

/// base64url without padding: decoding never panics; what decodes re-encodes to a string that
/// decodes to the same bytes; encoding then decoding is the identity.
pub fn base64url(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(bytes) = unb64(s)
    {
        assert_eq!(unb64(&b64(&bytes)).ok(), Some(bytes));
    }
    assert_eq!(unb64(&b64(data)).ok().as_deref(), Some(data));
    // The verifier's allocation-free decoder accepts the same texts with the same bytes.
    let mut out = vec![0u8; data.len()];
    let fast = unb64_into(data, &mut out).map(|n| out[..n].to_vec());
    let slow = std::str::from_utf8(data).ok().and_then(|s| unb64(s).ok());
    assert_eq!(fast, slow);
    // The credential-JSON reader's decoder: up to the first `"`, the same language and bytes
    // as `unb64_into` on the text before it, when that `"` is within 4 characters of the last
    // whole group of alphabet characters (else it refuses).
    let mut out = vec![0u8; data.len()];
    if let Some((q, n)) = unb64_to_quote(data, &mut out) {
        assert_eq!(data[q], b'"');
        let mut want = vec![0u8; q];
        assert_eq!(unb64_into(&data[..q], &mut want), Some(n));
        assert_eq!(out[..n], want[..n]);
    } else if let Some(q) = data.iter().position(|&b| b == b'"') {
        let mut want = vec![0u8; q];
        assert_eq!(
            unb64_into(&data[..q], &mut want),
            None,
            "refused a valid text before the quote"
        );
    }
}

/// The CBOR attestation object (bytes as the accepted registration's `attestationObject`) and
/// the COSE key parser.
pub fn cbor_attestation(data: &[u8]) {
    let (exp, cred) = &*CREATE_FIX;
    let mut cred = cred.clone();
    cred["response"]["attestationObject"] = json!(b64(data));
    let _ = verify_registration(exp, cred.to_string().as_bytes());
    if let Ok(v) = ciborium::de::from_reader::<ciborium::Value, _>(data)
        && let Ok(k) = parse_cose(&v)
    {
        let _ = k.to_spki_der();
    }
}

/// Authenticator data: the raw parsers, and bytes as the accepted assertion's
/// `authenticatorData` (reaching the flag, counter and signature checks).
pub fn authenticator_data(data: &[u8]) {
    if let Some(head) = parse_auth_data(data) {
        let _ = parse_attested(head.rest);
    }
    let (exp, cred) = &*GET_FIX;
    let mut cred = cred.clone();
    cred["response"]["authenticatorData"] = json!(b64(data));
    let _ = verify_assertion(exp, cred.to_string().as_bytes());
}

/// The DER certificates: bytes as the card `certificate` and as the trusted CA certificate.
pub fn der_certificate(data: &[u8]) {
    let (exp, cred, case) = &*CARD_FIX;
    let mut cred = cred.clone();
    cred["certificate"] = json!(b64(data));
    let _ = verify_card(exp, cred.to_string().as_bytes());
    let mut case = case.clone();
    case["expected"]["caCert"] = json!(b64(data));
    let _ = verify_text(&case.to_string(), Backend::default());
}

/// The DER certificate revocation list: bytes as the CA's `crl`.
pub fn der_crl(data: &[u8]) {
    let mut case = CARD_FIX.2.clone();
    case["expected"]["crl"] = json!(b64(data));
    let _ = verify_text(&case.to_string(), Backend::default());
}
