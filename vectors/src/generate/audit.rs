//! The cases of the independent audit of the verifier (issue 14), one group per class of wrong
//! verdict it found, each with the accepts that show the fix does not over-reject:
//!
//! 1. the credential's identity is its decoded `rawId` (`*-raw-id-*`, `*-user-handle-*`,
//!    `seq-*-other-id`, `seq-*-respelled`);
//! 2. certificate and CRL extensions (`jpki-*`, in [`super::audit_pki`]);
//! 3. CBOR maps with duplicate keys (`create-*-duplicate-*`, `get-es256-extensions-duplicate-key`);
//! 4. the layout of an assertion's authenticator data (`get-es256-auth-data-*`, `*-ed-*`,
//!    `*-extensions-*`, `get-es256-at-*`);
//! 5. `"topOrigin": null` (`get-es256-top-origin-null`);
//! 6. over-rejections: a UTF-8 BOM before clientDataJSON (`get-es256-client-data-bom`).
//!
//! They are drawn from the seeded stream after every earlier file, so that adding them changed
//! no earlier byte.

use ciborium::Value as C;
use serde_json::{Value, json};

use super::{
    Ceremony, ES, ES_PHONE2, Edit, FLAG_AT, GenError, Kind, Phone, Renderer, World, b64, case,
    edit, get_expected, webauthn_expected,
};
use crate::sequence::{Step, emit_sequence};
use crate::webauthn::FLAG_ED;

/// `{"credProtect": 2}`: the extension output a platform adds unrequested (CTAP 2.1 §12.1).
fn cred_protect() -> Vec<u8> {
    crate::webauthn::cbor(&C::Map(vec![(
        C::Text("credProtect".into()),
        C::Integer(2.into()),
    )]))
}

/// The last character of an unpadded base64url string whose unused low bits are zero, with one
/// of them set: the same bytes to a lenient decoder, not canonical (RFC 4648 §3.5).
fn non_canonical(s: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = s.as_bytes().to_vec();
    if let Some(last) = bytes.last_mut()
        && let Some(i) = ALPHABET.iter().position(|c| c == last)
    {
        *last = ALPHABET[i | 1];
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// Generates every audit case.
pub(super) fn generate(r: &mut Renderer) -> Result<(), GenError> {
    raw_id_cases(&mut r.w)?;
    layout_cases(&mut r.w)?;
    duplicate_key_cases(&mut r.w)?;
    client_data_cases(&mut r.w)?;
    sequence_cases(r)?;
    super::audit_pki::generate(r)?;
    Ok(())
}

type GetTweak<'t> = &'t dyn Fn(&mut Ceremony, &mut super::ExpectedJson);

fn get_one(
    w: &mut World,
    name: &str,
    desc: &str,
    tweak: GetTweak<'_>,
    post: &dyn Fn(&mut Value),
    reason: Option<&str>,
) -> Result<(), GenError> {
    let mut c = w.base("webauthn.get");
    c.count = 1;
    let mut e = get_expected(w, ES, &c, 0);
    tweak(&mut c, &mut e);
    let mut json = w.get_json(ES, &c);
    post(&mut json);
    w.push(name, &case(Kind::WebauthnGet, desc, e, &json, reason)?)
}

fn create_one(
    w: &mut World,
    name: &str,
    desc: &str,
    tweak: &dyn Fn(&mut Ceremony),
    reason: Option<&str>,
) -> Result<(), GenError> {
    let mut c = w.base("webauthn.create");
    c.flags |= FLAG_AT;
    let e = webauthn_expected(&c);
    tweak(&mut c);
    let json = w.create_json(ES, &c);
    w.push(name, &case(Kind::WebauthnCreate, desc, e, &json, reason)?)
}

fn no_post(_: &mut Value) {}

fn raw_id_cases(w: &mut World) -> Result<(), GenError> {
    let id = b64(&w.creds[ES].id);
    let handle = b64(&w.creds[ES].user_handle);
    // Both members set to the same spelling: only decoding `rawId` can tell.
    let both = |s: String| {
        move |v: &mut Value| {
            edit(v, &["id"], Some(json!(s.clone())));
            edit(v, &["rawId"], Some(json!(s.clone())));
        }
    };
    let edits: [(&str, &str, String); 4] = [
        (
            "get-es256-raw-id-not-base64",
            "id and rawId are the same string, not base64url",
            "not+base64/url".to_owned(),
        ),
        (
            "get-es256-raw-id-padded",
            "id and rawId carry base64 padding",
            format!("{id}="),
        ),
        (
            "get-es256-raw-id-empty",
            "id and rawId are empty",
            String::new(),
        ),
        (
            "get-es256-raw-id-non-canonical",
            "id and rawId spell the credential ID with non-zero unused bits (RFC 4648 §3.5)",
            non_canonical(&id),
        ),
    ];
    for (name, desc, value) in edits {
        let post = both(value);
        get_one(
            w,
            name,
            desc,
            &|_, _| {},
            &post,
            Some("malformed(credential)"),
        )?;
    }
    let post = both(String::new());
    let mut c = w.base("webauthn.create");
    c.flags |= FLAG_AT;
    let e = webauthn_expected(&c);
    let mut json = w.create_json(ES, &c);
    post(&mut json);
    w.push(
        "create-raw-id-empty",
        &case(
            Kind::WebauthnCreate,
            "id and rawId are empty (policy: an empty credential ID is refused)",
            e,
            &json,
            Some("malformed(credential)"),
        )?,
    )?;
    // The user handle.
    let user_edits: [Edit<'_>; 2] = [
        (
            "get-es256-user-handle-not-base64",
            "userHandle is not base64url",
            &["response", "userHandle"],
            Some(json!("user handle")),
            "malformed(credential)",
        ),
        (
            "get-es256-user-handle-empty",
            "userHandle is empty (a user handle is 1 to 64 bytes)",
            &["response", "userHandle"],
            Some(json!("")),
            "malformed(credential)",
        ),
    ];
    for (name, desc, path, value, reason) in user_edits {
        let post = move |v: &mut Value| edit(v, path, value.clone());
        get_one(w, name, desc, &|_, _| {}, &post, Some(reason))?;
    }
    let h = handle.clone();
    get_one(
        w,
        "get-es256-user-handle-accept",
        "the server checks userHandle against the credential record's",
        &move |_, e| e.user_handle = Some(h.clone()),
        &no_post,
        None,
    )?;
    let other = b64(&w.creds[ES_PHONE2].user_handle);
    get_one(
        w,
        "get-es256-user-handle-mismatch",
        "userHandle of another user account",
        &move |_, e| e.user_handle = Some(other.clone()),
        &no_post,
        Some("user-handle-mismatch"),
    )?;
    get_one(
        w,
        "get-es256-user-handle-null",
        "userHandle null (no user handle returned)",
        &|_, _| {},
        &|v| edit(v, &["response", "userHandle"], Some(Value::Null)),
        None,
    )?;
    Ok(())
}

fn layout_cases(w: &mut World) -> Result<(), GenError> {
    let tail = |bytes: Vec<u8>, flags: u8| {
        move |c: &mut Ceremony, _: &mut super::ExpectedJson| {
            c.auth_tail = bytes.clone();
            c.flags |= flags;
        }
    };
    let malformed = Some("malformed(authenticatorData)");
    /// Name, description, bytes after the fixed part, flags to set, reject token.
    type Layout<'a> = (&'a str, &'a str, Vec<u8>, u8, Option<&'a str>);
    let cases: [Layout<'_>; 7] = [
        (
            "get-es256-auth-data-trailing",
            "one byte after the 37-byte authenticator data, ED clear",
            vec![0],
            0,
            malformed,
        ),
        (
            "get-es256-extensions-without-ed",
            "an extensions map after the fixed part, ED clear",
            cred_protect(),
            0,
            malformed,
        ),
        (
            "get-es256-ed-without-extensions",
            "ED set, nothing after the fixed part",
            Vec::new(),
            FLAG_ED,
            malformed,
        ),
        (
            "get-es256-ed-malformed-extensions",
            "ED set, a CBOR map header without its entries",
            vec![0xa1],
            FLAG_ED,
            malformed,
        ),
        (
            "get-es256-ed-extensions-not-map",
            "ED set, the extensions are a CBOR integer, not a map",
            vec![0x02],
            FLAG_ED,
            malformed,
        ),
        (
            "get-es256-at-without-data",
            "AT set in an assertion, nothing after the fixed part",
            Vec::new(),
            FLAG_AT,
            malformed,
        ),
        (
            "get-es256-ed-extensions-accept",
            "ED set with an unrequested credProtect output (policy: accepted, ignored)",
            cred_protect(),
            FLAG_ED,
            None,
        ),
    ];
    for (name, desc, bytes, flags, reason) in cases {
        let t = tail(bytes, flags);
        get_one(w, name, desc, &t, &no_post, reason)?;
    }
    create_one(
        w,
        "create-es256-ed-extensions-accept",
        "registration with an unrequested credProtect output after the key (policy: accepted)",
        &|c| {
            c.auth_tail = cred_protect();
            c.flags |= FLAG_ED;
        },
        None,
    )?;
    create_one(
        w,
        "create-es256-ed-without-extensions",
        "registration with ED set and nothing after the key",
        &|c| c.flags |= FLAG_ED,
        malformed,
    )?;
    create_one(
        w,
        "create-es256-extensions-without-ed",
        "registration with an extensions map after the key, ED clear",
        &|c| c.auth_tail = cred_protect(),
        malformed,
    )?;
    Ok(())
}

fn duplicate_key_cases(w: &mut World) -> Result<(), GenError> {
    let att = |key: &'static str, value: C| {
        move |c: &mut Ceremony| c.att_extra = vec![(C::Text(key.into()), value.clone())]
    };
    let fmt = att("fmt", C::Text("packed".into()));
    create_one(
        w,
        "create-duplicate-fmt",
        "attestation object with fmt twice (none, then packed)",
        &fmt,
        Some("malformed(attestationObject)"),
    )?;
    let stmt = att(
        "attStmt",
        C::Map(vec![(C::Text("sig".into()), C::Bytes(vec![1]))]),
    );
    create_one(
        w,
        "create-duplicate-att-stmt",
        "attestation object with attStmt twice",
        &stmt,
        Some("malformed(attestationObject)"),
    )?;
    let auth = att("authData", C::Bytes(vec![0; 37]));
    create_one(
        w,
        "create-duplicate-auth-data",
        "attestation object with authData twice",
        &auth,
        Some("malformed(attestationObject)"),
    )?;
    // The COSE key with the alg label twice: -7, then -257.
    let mut cose = w.creds[ES].cose.clone();
    if let Some(first) = cose.first_mut() {
        // a5 (map of 5) -> a6 (map of 6), and a second `3: -257` at the end.
        *first = 0xa6;
    }
    cose.extend_from_slice(&[0x03, 0x39, 0x01, 0x00]);
    create_one(
        w,
        "create-cose-duplicate-alg",
        "COSE key with label 3 (alg) twice: -7, then -257",
        &move |c| c.cose = Some(cose.clone()),
        Some("malformed(credentialPublicKey)"),
    )?;
    let dup = crate::webauthn::cbor(&C::Map(vec![
        (C::Text("credProtect".into()), C::Integer(1.into())),
        (C::Text("credProtect".into()), C::Integer(3.into())),
    ]));
    get_one(
        w,
        "get-es256-extensions-duplicate-key",
        "ED set, the extensions map names credProtect twice",
        &move |c, _| {
            c.auth_tail = dup.clone();
            c.flags |= FLAG_ED;
        },
        &no_post,
        Some("malformed(authenticatorData)"),
    )?;
    Ok(())
}

fn client_data_cases(w: &mut World) -> Result<(), GenError> {
    get_one(
        w,
        "get-es256-top-origin-null",
        "clientDataJSON with \"topOrigin\": null (present, so the RP must treat it as embedded)",
        &|c, _| c.client_extra = br#","topOrigin":null"#,
        &no_post,
        Some("cross-origin"),
    )?;
    get_one(
        w,
        "get-es256-top-origin",
        "clientDataJSON with a topOrigin of another site",
        &|c, _| c.client_extra = br#","topOrigin":"https://embedder.example""#,
        &no_post,
        Some("cross-origin"),
    )?;
    get_one(
        w,
        "get-es256-client-data-bom",
        "clientDataJSON starting with a UTF-8 BOM (UTF-8 decode removes it)",
        &|c, _| c.client_prefix = b"\xEF\xBB\xBF",
        &no_post,
        None,
    )?;
    get_one(
        w,
        "get-es256-client-data-extra-member",
        "clientDataJSON with a member this RP does not read (accepted, §5.8.1.2)",
        &|c, _| {
            c.client_extra = br#","other_keys_can_be_added_here":"do not compare clientDataJSON against a template""#
        },
        &no_post,
        None,
    )?;
    get_one(
        w,
        "get-es256-client-data-not-utf8",
        "a byte 0xFF inside a member nobody reads (policy: refused, no client sends it)",
        &|c, _| c.client_extra = b",\"note\":\"\xFF\"",
        &no_post,
        Some("malformed(clientDataJSON)"),
    )?;
    get_one(
        w,
        "get-es256-client-data-duplicate-member",
        "clientDataJSON naming origin twice, the phishing origin last",
        &|c, _| c.client_extra = br#","origin":"https://mynaporta1.example""#,
        &no_post,
        Some("malformed(clientDataJSON)"),
    )?;
    Ok(())
}

/// The rawId attacks on a server with state: revocation and stored counters are keyed on the
/// credential ID, which the assertion signature does not cover.
fn sequence_cases(r: &mut Renderer) -> Result<(), GenError> {
    let ch1 = r.challenge();
    let ch2 = r.challenge();
    let login = r.get_case(Phone::One, &ch1, 5, 4)?;
    let mut clone = r.get_case(Phone::One, &ch2, 5, 4)?;
    let other_id = b64(&r.nonce());
    set_id(&mut clone, &other_id)?;
    emit_sequence(
        r,
        "seq-login-clone-other-id",
        "login",
        "a cloned authenticator's counter 5 after the server stored 5, presented under another rawId",
        vec![
            Step::Case(Box::new(login.clone())),
            Step::Case(Box::new(clone)),
        ],
        Some("credential-id-mismatch"),
    )?;
    let mut respelled = r.get_case(Phone::One, &ch2, 5, 4)?;
    let id = r.credential_id(Phone::One);
    set_id(&mut respelled, &non_canonical(&id))?;
    emit_sequence(
        r,
        "seq-login-clone-respelled",
        "login",
        "a cloned authenticator's counter 5 after 5, its rawId spelled non-canonically",
        vec![Step::Case(Box::new(login)), Step::Case(Box::new(respelled))],
        Some("malformed(credential)"),
    )?;
    // Recovery: the old phone's credential after revocation, under another rawId.
    let c1 = r.challenge();
    let r1 = r.challenge();
    let c2 = r.challenge();
    let r2 = r.challenge();
    let l3 = r.challenge();
    let old_id = r.credential_id(Phone::One);
    let mut old = r.get_case(Phone::One, &l3, 2, 1)?;
    let fresh = b64(&r.nonce());
    set_id(&mut old, &fresh)?;
    let steps = vec![
        Step::Case(Box::new(r.card_case(&c1)?)),
        Step::Case(Box::new(r.create_case(Phone::One, &r1)?)),
        Step::Case(Box::new(r.card_case(&c2)?)),
        crate::sequence::revoke_step(&old_id),
        Step::Case(Box::new(r.create_case(Phone::Two, &r2)?)),
        Step::Case(Box::new(old)),
    ];
    emit_sequence(
        r,
        "seq-recovery-old-credential-other-id",
        "recovery",
        "after recovery, the old phone's credential signs in under another rawId",
        steps,
        Some("credential-id-mismatch"),
    )?;
    Ok(())
}

/// Sets `id` and `rawId` of a case's credential (the signature does not cover them).
fn set_id(c: &mut super::CaseFile, id: &str) -> Result<(), GenError> {
    let mut v: Value = serde_json::from_str(c.credential.get())?;
    edit(&mut v, &["id"], Some(json!(id)));
    edit(&mut v, &["rawId"], Some(json!(id)));
    c.credential = super::raw(&v)?;
    Ok(())
}
