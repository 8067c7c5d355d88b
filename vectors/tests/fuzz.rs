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

// ---------------------------------------------------------------------------------------------
// The single-pass credential-JSON reader (`vectors::credential_json`) against the reference
// (`serde_json` + `unb64`): same fields whenever it answers, same verdict always.

/// Both claims on one input, for the expectations of every `get` fixture.
fn same_as_reference(exps: &[Expected], json: &[u8]) -> Result<(), TestCaseError> {
    use vectors::credential_json::read_assertion_owned;
    use vectors::verify::{read_assertion_reference, verify_assertion, verify_assertion_serde};
    if let Some(fast) = read_assertion_owned(json) {
        prop_assert_eq!(
            Some(fast),
            read_assertion_reference(json),
            "{:?}",
            String::from_utf8_lossy(json)
        );
    }
    for e in exps {
        prop_assert_eq!(
            verify_assertion(e, json),
            verify_assertion_serde(e, json),
            "{:?}",
            String::from_utf8_lossy(json)
        );
    }
    Ok(())
}

fn get_fixtures() -> Vec<(Expected, String)> {
    let mut names: Vec<String> = [
        "get-es256-accept",
        "get-rs256-accept",
        "get-es256-user-handle-accept",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    names.push("browser/chromium-es256-get-1".to_owned());
    names.push("browser/chromium-rs256-get-1".to_owned());
    names
        .iter()
        .map(|n| {
            let c = parse_case(&text(n)).expect("case");
            let e = prepare_get(&c.expected, Backend::default())
                .expect("usable")
                .expect("key type");
            (e, c.credential.get().to_owned())
        })
        .collect()
}

/// Every committed assertion case and browser capture: the reader answers for the accepted
/// ones (negative control: the fast path is the path taken, not always the fallback) and
/// agrees with the reference on all.
#[test]
fn credential_reader_on_committed_cases() {
    let dir = format!("{}/data", env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("data")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.extend(
        std::fs::read_dir(format!("{dir}/browser"))
            .expect("browser")
            .map(|e| e.expect("entry").path()),
    );
    let mut answered = 0;
    for p in paths {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !(name.starts_with("get-") || name.contains("-get-")) {
            continue;
        }
        let c = parse_case(&std::fs::read_to_string(&p).expect("read")).expect("case");
        let json = c.credential.get().as_bytes();
        let Ok(Ok(e)) = prepare_get(&c.expected, Backend::default()) else {
            continue;
        };
        same_as_reference(std::slice::from_ref(&e), json).expect("agrees");
        // Compact form too (what a browser posts).
        let compact = serde_json::from_str::<serde_json::Value>(c.credential.get())
            .expect("json")
            .to_string();
        same_as_reference(std::slice::from_ref(&e), compact.as_bytes()).expect("agrees");
        if name.ends_with("accept.json") || name.contains("-get-") {
            assert!(
                vectors::credential_json::read_assertion_owned(json).is_some(),
                "{name}: fast path not taken"
            );
            answered += 1;
        }
    }
    assert!(answered >= 5, "{answered}");
}

/// One member of a generated credential: a key and its value's JSON text.
#[allow(dead_code)]
fn member(
    keys: &'static [&'static str],
    values: Vec<String>,
) -> impl Strategy<Value = (String, String)> {
    (prop::sample::select(keys), prop::sample::select(values)).prop_map(|(k, v)| (k.to_owned(), v))
}

fn object_text(members: &[(String, String)], ws: &str) -> String {
    let body: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{ws}\"{k}\"{ws}:{ws}{v}{ws}"))
        .collect();
    format!("{{{}}}", body.join(","))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Credentials assembled from members of a valid one and of variants the reader must
    /// handle or refuse: any order, duplicates, escapes in keys and values, unknown members of
    /// every JSON kind, `null`, whitespace, bad base64url.
    #[test]
    fn credential_reader_structured(
        pick in 0usize..5,
        top in prop::collection::vec(0usize..64, 0..7),
        resp in prop::collection::vec(0usize..64, 0..6),
        ws in prop::sample::select(vec!["", " ", "\n\t", "\r", "\u{0b}", "\u{a0}"]),
        trailer in prop::sample::select(vec!["", " ", "\n", "x", ",", "}"]),
    ) {
        let fx = get_fixtures();
        let (_, cred) = &fx[pick];
        let v: serde_json::Value = serde_json::from_str(cred).expect("json");
        let s = |p: &[&str]| p.iter().fold(&v, |c, k| &c[*k]).to_string();
        let mut top_keys = vec![("id", s(&["id"])), ("rawId", s(&["rawId"])), ("type", s(&["type"]))];
        let mut resp_keys = vec![
            ("clientDataJSON", s(&["response", "clientDataJSON"])),
            ("authenticatorData", s(&["response", "authenticatorData"])),
            ("signature", s(&["response", "signature"])),
            ("userHandle", s(&["response", "userHandle"])),
        ];
        let odd = [
            ("id", "\"a\\u0041\"".to_owned()), ("rawId", "\"AAAA=\"".to_owned()), ("rawId", "\"\"".to_owned()),
            ("type", "\"public-key \"".to_owned()), ("type", "null".to_owned()), ("i\\u0064", s(&["id"])),
            ("x", "1".to_owned()), ("x", "{\"a\":[true,false,null,\"s\",{}]}".to_owned()), ("x", "[]".to_owned()),
            ("x", "[1,]".to_owned()), ("x", "{\"a\" \"b\"}".to_owned()), ("x", "\"\\n\"".to_owned()),
            ("x", "tru".to_owned()), ("authenticatorAttachment", "\"platform\"".to_owned()),
            ("clientExtensionResults", "{}".to_owned()), ("x", "\"\u{7f}\"".to_owned()), ("x", "\"é\"".to_owned()),
        ];
        let resp_odd = [
            ("userHandle", "null".to_owned()), ("userHandle", "\"\"".to_owned()), ("userHandle", "\"AB\"".to_owned()),
            ("signature", "\"A\"".to_owned()), ("signature", "\"AB\\u0043\"".to_owned()),
            ("clientDataJSON", "\"e30\"".to_owned()), ("authenticatorData", "\"AAA_\"".to_owned()),
            ("authenticatorData", "\"AAB\"".to_owned()), ("x", "[[[]]]".to_owned()), ("attestationObject", "\"o2M\"".to_owned()),
        ];
        top_keys.extend(odd.iter().cloned());
        resp_keys.extend(resp_odd.iter().cloned());
        // The valid members in their order first, then the picks (duplicates and variants).
        let mut rm: Vec<(String, String)> = resp_keys[..4].iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        if resp.first() == Some(&0) { rm.clear(); }
        rm.extend(resp.iter().skip(1).map(|&i| { let (k, v) = &resp_keys[i % resp_keys.len()]; ((*k).to_owned(), v.clone()) }));
        if resp.len() > 3 && !rm.is_empty() { let n = rm.len(); rm.swap(0, resp[2] % n); }
        let mut tm: Vec<(String, String)> = top_keys[..3].iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        tm.push(("response".to_owned(), object_text(&rm, ws)));
        if top.first() == Some(&0) { tm.remove(top.len() % 4); }
        tm.extend(top.iter().skip(1).map(|&i| { let (k, v) = &top_keys[i % top_keys.len()]; ((*k).to_owned(), v.clone()) }));
        if top.len() > 2 { let n = tm.len(); tm.swap(top[1] % n, top[top.len() - 1] % n); }
        let json = format!("{ws}{}{ws}{trailer}", object_text(&tm, ws));
        let exps: Vec<Expected> = get_fixtures().into_iter().map(|(e, _)| e).collect();
        same_as_reference(&exps, json.as_bytes())?;
    }

    /// Byte-level edits of a valid compact credential (insert, delete, replace with JSON
    /// punctuation, whitespace, escapes, non-ASCII).
    #[test]
    fn credential_reader_byte_edits(
        pick in 0usize..5,
        edits in prop::collection::vec((any::<usize>(), 0u8..3, prop::sample::select(
            b"{}[]\":,\\ \t\n\rAZaz09-_=+/n\x00\x1f\x7f\xc3\xa9".to_vec())), 1..4),
    ) {
        let fx = get_fixtures();
        let (e, cred) = &fx[pick];
        let mut json = serde_json::from_str::<serde_json::Value>(cred).expect("json").to_string().into_bytes();
        for (pos, op, b) in edits {
            let i = pos % (json.len() + 1);
            match op {
                0 => json.insert(i, b),
                1 if i < json.len() => { json.remove(i); }
                _ if i < json.len() => json[i] = b,
                _ => json.push(b),
            }
        }
        same_as_reference(std::slice::from_ref(e), &json)?;
    }
}

/// The clientDataJSON reader against the reference on one text, and the verdict of the whole
/// assertion with that text as clientDataJSON.
fn client_data_same(exps: &[(Expected, String)], cd: &[u8]) -> Result<(), TestCaseError> {
    use vectors::credential_json::read_client_data;
    let text = cd.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(cd);
    if let Some(r) = read_client_data(text) {
        let own = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let fast = (
            own(r.ty),
            own(r.challenge),
            own(r.origin),
            r.cross_origin,
            r.top_origin,
        );
        prop_assert_eq!(
            Some(fast),
            vectors::verify::read_client_data_reference(text),
            "{:?}",
            String::from_utf8_lossy(cd)
        );
    }
    for (e, cred) in exps {
        let json = with_field(cred, &["response", "clientDataJSON"], json!(b64(cd)));
        same_as_reference(std::slice::from_ref(e), json.as_bytes())?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// clientDataJSON assembled from the members browsers send and variants: order, duplicates,
    /// `null`, escapes, unknown members, whitespace, a BOM, trailing bytes.
    #[test]
    fn client_data_reader_structured(
        members in prop::collection::vec(0usize..40, 0..8),
        ws in prop::sample::select(vec!["", " ", "\n", "\t\r", "\u{0c}"]),
        bom in any::<bool>(),
        trailer in prop::sample::select(vec!["", " ", "x", "}", ","]),
    ) {
        let fx = get_fixtures();
        let (e, cred) = &fx[0];
        let cd0 = field(cred, &["response", "clientDataJSON"]);
        let v: serde_json::Value = serde_json::from_slice(&cd0).expect("json");
        let pool: Vec<(String, String)> = vec![
            ("type".into(), v["type"].to_string()), ("challenge".into(), v["challenge"].to_string()),
            ("origin".into(), v["origin"].to_string()), ("crossOrigin".into(), "false".into()),
            ("crossOrigin".into(), "true".into()), ("crossOrigin".into(), "null".into()),
            ("crossOrigin".into(), "0".into()), ("topOrigin".into(), "null".into()),
            ("topOrigin".into(), v["origin"].to_string()), ("topOrigin".into(), "{}".into()),
            ("type".into(), "\"webauthn.create\"".into()), ("type".into(), "\"webauthn.g\\u0065t\"".into()),
            ("origin".into(), "\"https://evil.example\"".into()), ("challenge".into(), "\"AAAA\"".into()),
            ("ch\\u0061llenge".into(), v["challenge"].to_string()),
            ("other_keys_can_be_added_here".into(), "\"do not compare clientDataJSON against a template. See https://goo.gl/yabPex\"".into()),
            ("x".into(), "[1]".into()), ("x".into(), "[true,{\"a\":null}]".into()), ("x".into(), "\"\u{e9}\"".into()),
            ("origin".into(), "null".into()), ("type".into(), "1".into()),
        ];
        let mut m: Vec<(String, String)> = pool[..4].to_vec();
        if members.first() == Some(&0) { m.clear(); }
        // Each pick replaces the member of its key (odd picks) or is appended (a duplicate).
        for &i in members.iter().skip(1) {
            let (k, val) = pool[i % pool.len()].clone();
            match m.iter_mut().find(|(mk, _)| *mk == k) {
                Some(slot) if i % 2 == 1 => slot.1 = val,
                _ => m.push((k, val)),
            }
        }
        if members.len() > 2 { let n = m.len(); if n > 0 { m.swap(members[1] % n, members[2] % n); } }
        let mut cd = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        cd.extend_from_slice(format!("{ws}{}{ws}{trailer}", object_text(&m, ws)).as_bytes());
        let _ = (e, cred);
        client_data_same(&fx[..1], &cd)?;
    }
}
