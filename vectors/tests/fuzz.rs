//! Arbitrary JSON, base64url, CBOR and DER input never panics and always ends in a named error
//! (a [`Reject`] variant or a [`CaseError`]).
//!
//! Negative controls: the unmodified valid inputs are accepted, so the harness reaches the
//! parsers it claims to exercise.

use proptest::prelude::*;
use serde_json::json;
use vectors::case::{parse_case, prepare_card, prepare_create, prepare_get, verify_text};
use vectors::sig::Backend;
use vectors::verify::{Expected, ExpectedCard, ExpectedCreate, Reject};
use vectors::webauthn::{b64, unb64};

fn text(name: &str) -> String {
    let path = format!("{}/data/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).expect("committed vector")
}

struct Fixture {
    get: Expected,
    get_cred: String,
    create: ExpectedCreate,
    create_cred: String,
    card: ExpectedCard,
    card_cred: String,
}

fn fixture() -> Fixture {
    let g = parse_case(&text("get-es256-accept")).expect("case");
    let c = parse_case(&text("create-es256-packed-accept")).expect("case");
    let j = parse_case(&text("jpki-accept")).expect("case");
    Fixture {
        get: prepare_get(&g.expected, Backend::default())
            .expect("usable")
            .expect("key type matches"),
        get_cred: g.credential.get().to_owned(),
        create: prepare_create(&c.expected, Backend::default()).expect("usable"),
        create_cred: c.credential.get().to_owned(),
        card: prepare_card(&j.expected, Backend::default()).expect("usable"),
        card_cred: j.credential.get().to_owned(),
    }
}

fn named(r: &Reject) -> bool {
    !r.to_string().is_empty()
}

fn field(json: &str, path: &[&str]) -> Vec<u8> {
    let v: serde_json::Value = serde_json::from_str(json).expect("json");
    let s = path.iter().fold(&v, |cur, p| &cur[*p]);
    unb64(s.as_str().expect("string")).expect("b64")
}

fn with_field(json: &str, path: &[&str], new: serde_json::Value) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).expect("json");
    let slot = path.iter().fold(&mut v, |cur, p| &mut cur[*p]);
    *slot = new;
    v.to_string()
}

#[test]
fn controls_accept() {
    let f = fixture();
    assert!(vectors::verify::verify_assertion(&f.get, f.get_cred.as_bytes()).is_ok());
    assert!(vectors::verify::verify_registration(&f.create, f.create_cred.as_bytes()).is_ok());
    assert!(vectors::verify::verify_card(&f.card, f.card_cred.as_bytes()).is_ok());
}

#[test]
fn deep_cbor_nesting_is_an_error() {
    // 100,000 nested one-element arrays (0x81): ciborium's recursion limit must stop it.
    let f = fixture();
    let mut deep = vec![0x81u8; 100_000];
    deep.push(0x00);
    let cred = with_field(
        &f.create_cred,
        &["response", "attestationObject"],
        json!(b64(&deep)),
    );
    let r = vectors::verify::verify_registration(&f.create, cred.as_bytes());
    assert_eq!(
        r,
        Err(Reject::Malformed(vectors::verify::Field::AttestationObject))
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_as_credential(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let f = fixture();
        let a = vectors::verify::verify_assertion(&f.get, &bytes);
        let c = vectors::verify::verify_registration(&f.create, &bytes);
        let j = vectors::verify::verify_card(&f.card, &bytes);
        prop_assert!(a.as_ref().err().is_some_and(named));
        prop_assert!(c.as_ref().err().is_some_and(named));
        prop_assert!(j.as_ref().err().is_some_and(named));
    }

    #[test]
    fn arbitrary_strings_in_assertion_fields(
        cdata in ".{0,80}", auth in "[A-Za-z0-9_-]{0,80}", sig in ".{0,80}", id in "[A-Za-z0-9_=+/-]{0,40}",
    ) {
        let f = fixture();
        let cred = json!({"id": id, "rawId": id, "type": "public-key",
            "response": {"clientDataJSON": cdata, "authenticatorData": auth, "signature": sig}});
        let r = vectors::verify::verify_assertion(&f.get, cred.to_string().as_bytes());
        prop_assert!(r.as_ref().err().is_some_and(named));
    }

    #[test]
    fn arbitrary_decoded_bytes_in_assertion_fields(
        cdata in prop::collection::vec(any::<u8>(), 0..200),
        auth in prop::collection::vec(any::<u8>(), 0..120),
        sig in prop::collection::vec(any::<u8>(), 0..80),
    ) {
        let f = fixture();
        let mut cred = with_field(&f.get_cred, &["response", "clientDataJSON"], json!(b64(&cdata)));
        cred = with_field(&cred, &["response", "authenticatorData"], json!(b64(&auth)));
        cred = with_field(&cred, &["response", "signature"], json!(b64(&sig)));
        let r = vectors::verify::verify_assertion(&f.get, cred.as_bytes());
        prop_assert!(r.as_ref().err().is_some_and(named));
    }

    #[test]
    fn arbitrary_cbor_attestation_object(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let f = fixture();
        let cred = with_field(&f.create_cred, &["response", "attestationObject"], json!(b64(&bytes)));
        let r = vectors::verify::verify_registration(&f.create, cred.as_bytes());
        prop_assert!(r.as_ref().err().is_some_and(named));
    }

    #[test]
    fn mutated_attestation_object(cut in any::<usize>(), pos in any::<usize>(), byte in any::<u8>()) {
        // Truncate and overwrite one byte of a valid attestation object (CBOR, COSE, authData).
        let f = fixture();
        let mut att = field(&f.create_cred, &["response", "attestationObject"]);
        let i = pos % att.len();
        let changed = att[i] != byte;
        att[i] = byte;
        let keep = cut % (att.len() + 1);
        let cut_off = keep < att.len();
        att.truncate(keep);
        let cred = with_field(&f.create_cred, &["response", "attestationObject"], json!(b64(&att)));
        let r = vectors::verify::verify_registration(&f.create, cred.as_bytes());
        // Packed self attestation covers authData; the rest is structure the parser checks.
        if changed || cut_off {
            prop_assert!(r.as_ref().err().is_some_and(named), "accepted: byte {i} = {byte:#04x}, cut {keep}");
        }
    }

    #[test]
    fn arbitrary_der_certificate(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let f = fixture();
        let cred = with_field(&f.card_cred, &["certificate"], json!(b64(&bytes)));
        let r = vectors::verify::verify_card(&f.card, cred.as_bytes());
        prop_assert!(r.as_ref().err().is_some_and(named));
    }

    #[test]
    fn mutated_der_certificate(cut in any::<usize>(), pos in any::<usize>(), byte in any::<u8>()) {
        let f = fixture();
        let mut der = field(&f.card_cred, &["certificate"]);
        let i = pos % der.len();
        let changed = der[i] != byte;
        der[i] = byte;
        let keep = cut % (der.len() + 1);
        let cut_off = keep < der.len();
        der.truncate(keep);
        let cred = with_field(&f.card_cred, &["certificate"], json!(b64(&der)));
        let r = vectors::verify::verify_card(&f.card, cred.as_bytes());
        if changed || cut_off {
            prop_assert!(r.as_ref().err().is_some_and(named));
        }
    }

    #[test]
    fn arbitrary_base64_strings(s in ".{0,64}") {
        // Strict base64url: accepts only the unpadded URL-safe alphabet, never panics.
        if let Ok(bytes) = unb64(&s) {
            prop_assert_eq!(b64(&bytes), s);
        }
    }

    #[test]
    fn arbitrary_case_file_text(s in ".{0,300}") {
        // Either an error (exit 2) or a verdict; never a panic.
        let _ = verify_text(&s, Backend::default());
    }

    #[test]
    fn arbitrary_case_file_json(
        kind in prop::sample::select(vec!["webauthn.get", "webauthn.create", "jpki.auth", "sequence", "x"]),
        challenge in ".{0,20}", pk in ".{0,20}", now in ".{0,25}",
    ) {
        let t = json!({"kind": kind, "expected": {"origin": "https://a", "rpId": "a",
            "challenge": challenge, "publicKey": pk, "caCert": pk, "now": now},
            "credential": {}, "steps": [], "flow": "f", "result": "accept"}).to_string();
        let _ = verify_text(&t, Backend::default());
    }
}
