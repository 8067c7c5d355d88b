//! Flipping any single byte of a signed field turns an accepted vector into a rejected one.
//!
//! Signed fields, per kind:
//! - `webauthn.get`: `clientDataJSON` (its hash is signed), `authenticatorData`, `signature`
//!   (WebAuthn L3 §6.3.3: the signature covers `authenticatorData || SHA-256(clientDataJSON)`);
//! - `webauthn.create` with packed self attestation: `clientDataJSON`, the `authData` inside
//!   `attestationObject`, and `attStmt.sig` (§8.2);
//! - `jpki.auth`: the `certificate` (signed by the CA) and the card's `signature`.
//!
//! Registrations with attestation "none" sign nothing, so they are not in this property.
//! Negative control: the same path with a zero mask (no change) must accept.

use proptest::prelude::*;
use serde_json::Value;
use vectors::case::{CaseFile, Kind, parse_case, verify_case};
use vectors::sig::Backend;
use vectors::webauthn::{b64, unb64};

const ACCEPTED: [&str; 6] = [
    "get-es256-accept",
    "get-rs256-accept",
    "get-es256-backup-flags",
    "create-es256-packed-accept",
    "create-rs256-packed-accept",
    "jpki-accept",
];

#[derive(Clone, Copy, Debug)]
enum Target {
    /// A base64url member of the credential JSON, by path.
    Member(&'static [&'static str]),
    /// `authData` inside the attestation object.
    AttAuthData,
    /// `attStmt.sig` inside the attestation object.
    AttSig,
}

fn targets(kind: Kind) -> &'static [Target] {
    match kind {
        Kind::WebauthnGet => &[
            Target::Member(&["response", "clientDataJSON"]),
            Target::Member(&["response", "authenticatorData"]),
            Target::Member(&["response", "signature"]),
        ],
        Kind::WebauthnCreate => &[
            Target::Member(&["response", "clientDataJSON"]),
            Target::AttAuthData,
            Target::AttSig,
        ],
        Kind::JpkiAuth => &[
            Target::Member(&["certificate"]),
            Target::Member(&["signature"]),
        ],
    }
}

fn load(name: &str) -> CaseFile {
    let path = format!("{}/data/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("committed vector");
    parse_case(&text).expect("case parses")
}

fn member<'v>(v: &'v mut Value, path: &[&str]) -> &'v mut Value {
    path.iter().fold(v, |cur, p| &mut cur[*p])
}

/// Flips `mask` into byte `pos % len` of the target field; returns the new case.
fn tamper(case: &CaseFile, target: Target, pos: usize, mask: u8) -> CaseFile {
    use ciborium::Value as C;
    let mut cred: Value = serde_json::from_str(case.credential.get()).expect("json");
    let flip = |bytes: &mut Vec<u8>| {
        let i = pos % bytes.len();
        bytes[i] ^= mask;
    };
    match target {
        Target::Member(path) => {
            let field = member(&mut cred, path);
            let mut bytes = unb64(field.as_str().expect("string")).expect("b64");
            flip(&mut bytes);
            *field = Value::String(b64(&bytes));
        }
        Target::AttAuthData | Target::AttSig => {
            let field = member(&mut cred, &["response", "attestationObject"]);
            let bytes = unb64(field.as_str().expect("string")).expect("b64");
            let mut att: C = ciborium::de::from_reader(bytes.as_slice()).expect("cbor");
            let C::Map(entries) = &mut att else {
                panic!("attestation object is a map")
            };
            for (k, v) in entries.iter_mut() {
                match (target, k, v) {
                    (Target::AttAuthData, C::Text(t), C::Bytes(b)) if t == "authData" => flip(b),
                    (Target::AttSig, C::Text(t), C::Map(stmt)) if t == "attStmt" => {
                        for (sk, sv) in stmt.iter_mut() {
                            if let (C::Text(st), C::Bytes(sb)) = (sk, sv)
                                && st == "sig"
                            {
                                flip(sb);
                            }
                        }
                    }
                    _ => {}
                }
            }
            *field = Value::String(b64(&vectors::webauthn::cbor(&att)));
        }
    }
    let mut out = case.clone();
    out.credential = serde_json::value::RawValue::from_string(cred.to_string()).expect("json");
    out
}

#[test]
fn untampered_path_accepts() {
    // Negative control: mask 0 rebuilds the same credential through the same code path.
    for name in ACCEPTED {
        let case = load(name);
        for &t in targets(case.kind) {
            for backend in Backend::ALL {
                let same = tamper(&case, t, 0, 0);
                let r = verify_case(&same, backend).expect("usable case");
                assert!(r.is_ok(), "{name} {t:?} {}: {r:?}", backend.name());
            }
        }
    }
}

/// Every single-bit flip of every byte of every signed field, on the default backend.
#[test]
fn every_single_bit_flip_is_rejected() {
    let mut checked = 0usize;
    for name in ACCEPTED {
        let case = load(name);
        for &t in targets(case.kind) {
            let len = field_len(&case, t);
            for pos in 0..len {
                for bit in 0..8 {
                    let tampered = tamper(&case, t, pos, 1 << bit);
                    let r = verify_case(&tampered, Backend::default()).expect("usable case");
                    assert!(r.is_err(), "{name} {t:?} byte {pos} bit {bit} accepted");
                    checked += 1;
                }
            }
        }
    }
    println!("single-bit flips rejected: {checked}");
    assert!(checked > 10_000, "the fields are not empty");
}

/// The length of the target field.
fn field_len(case: &CaseFile, target: Target) -> usize {
    use ciborium::Value as C;
    let cred: Value = serde_json::from_str(case.credential.get()).expect("json");
    let get = |path: &[&str]| {
        let v = path.iter().fold(&cred, |cur, p| &cur[*p]);
        unb64(v.as_str().expect("string")).expect("b64")
    };
    match target {
        Target::Member(path) => get(path).len(),
        Target::AttAuthData | Target::AttSig => {
            let att: C =
                ciborium::de::from_reader(get(&["response", "attestationObject"]).as_slice())
                    .expect("cbor");
            let C::Map(entries) = att else { return 0 };
            let mut n = 0;
            for (k, v) in entries {
                match (target, k, v) {
                    (Target::AttAuthData, C::Text(t), C::Bytes(b)) if t == "authData" => {
                        n = b.len()
                    }
                    (Target::AttSig, C::Text(t), C::Map(stmt)) if t == "attStmt" => {
                        for (sk, sv) in stmt {
                            if let (C::Text(st), C::Bytes(sb)) = (sk, sv)
                                && st == "sig"
                            {
                                n = sb.len();
                            }
                        }
                    }
                    _ => {}
                }
            }
            n
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn single_byte_flip_is_rejected(
        which in 0..ACCEPTED.len(),
        field in 0usize..3,
        pos in any::<usize>(),
        mask in 1u8..=255,
        backend in prop::sample::select(Backend::ALL.to_vec()),
    ) {
        let case = load(ACCEPTED[which]);
        let ts = targets(case.kind);
        let target = ts[field % ts.len()];
        let tampered = tamper(&case, target, pos, mask);
        let r = verify_case(&tampered, backend).expect("usable case");
        prop_assert!(r.is_err(), "{} {target:?} pos {pos} mask {mask:#04x} accepted", ACCEPTED[which]);
    }
}
