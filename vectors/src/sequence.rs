//! Message sequences: registration bound to a card, login replay, clone detection, kiosk QR login
//! in both directions, and account recovery (DESIGN.md §1 flows b, c, d, f).
//!
//! A sequence file is
//!
//! ```json
//! {"kind": "sequence", "flow": "...", "description": "...",
//!  "steps": [{"message": {"from", "to", "type", "body"}} | {"case": <case file>}, ...],
//!  "result": "accept" | "reject", "reason": "..."}
//! ```
//!
//! Case steps are verified in order with state that carries over, as a server keeps it:
//! - every accepted response consumes its challenge (a later response to it is
//!   [`Reject::ChallengeReused`], WebAuthn L3 §13.4.3);
//! - an accepted assertion stores its counter (§6.1.1), so a later one must exceed it;
//! - `webauthn.create` needs an accepted `jpki.auth` earlier in the sequence, and consumes it
//!   (the binding property of DESIGN.md §3: one card authentication, one binding; seed §2-3);
//! - the message `recovery.revoke` (body `{"credentialIds": [...]}`) needs an accepted card
//!   authentication not yet consumed, and revokes those credentials (seed §2: recovery on a new
//!   phone revokes the old credentials); a later assertion by one is
//!   [`Reject::CredentialRevoked`].
//!
//! Other messages (server challenges, QR payloads, BLE proximity adverts) record the flow for a
//! reader and for trace conformance; the verifier does not act on them. The kiosk relay defence
//! (proximity over BLE in the hybrid transport) is not visible in the bytes a server checks: the
//! sequences show the cross-session replay a server does catch.
//!
//! The sequence is accepted when every case step is; otherwise it is rejected with the first
//! failing step's reason.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::case::{self, Accepted, CaseFile, Kind, Verdict};
use crate::generate::{GenError, Phone, Renderer};
use crate::sig::Backend;
use crate::verify::{self, CaseError, Reject};
use crate::webauthn::b64;

/// The `kind` of a sequence file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SequenceKind {
    /// The only value.
    #[serde(rename = "sequence")]
    Sequence,
}

/// A message between actors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Sender.
    pub from: String,
    /// Receiver.
    pub to: String,
    /// Message type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Content.
    pub body: serde_json::Value,
}

/// One step.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// A message.
    Message(Message),
    /// A case, verified with the sequence state.
    Case(Box<CaseFile>),
}

/// A sequence file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SequenceFile {
    /// Always "sequence".
    pub kind: SequenceKind,
    /// Which flow.
    pub flow: String,
    /// What it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The steps.
    pub steps: Vec<Step>,
    /// The expected verdict (ignored by the verifier).
    pub result: Verdict,
    /// The expected reject token (ignored by the verifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A rejected step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepReject {
    /// Index of the step (0-based).
    pub step: usize,
    /// Why.
    pub reason: Reject,
}

/// A credential record of the sequence's server (WebAuthn L3 §7.1, §7.2), keyed
/// by the decoded credential ID: the public key it was registered (or first seen) with, and its
/// signature counter.
struct Record {
    spki: Vec<u8>,
    count: u32,
}

/// Verifies a sequence.
pub fn verify_sequence(
    seq: &SequenceFile,
    backend: Backend,
) -> Result<Result<(), StepReject>, CaseError> {
    let mut used: Vec<String> = Vec::new();
    let mut records: BTreeMap<Vec<u8>, Record> = BTreeMap::new();
    let mut revoked: BTreeSet<Vec<u8>> = BTreeSet::new();
    let mut fresh_card_auth = false;
    for (i, step) in seq.steps.iter().enumerate() {
        let reject = |reason| Ok(Err(StepReject { step: i, reason }));
        let c = match step {
            Step::Message(m) => {
                if m.ty == "recovery.revoke" {
                    if !fresh_card_auth {
                        return reject(Reject::NoFreshCardAuth);
                    }
                    let ids = m.body.get("credentialIds").and_then(|v| v.as_array());
                    let Some(ids) = ids else {
                        return Err(CaseError::Invalid(
                            "steps[].message.body.credentialIds",
                            "missing".into(),
                        ));
                    };
                    for v in ids {
                        // Revocations are keyed on the decoded bytes, as the records are.
                        let id = v.as_str().and_then(|s| crate::webauthn::unb64(s).ok());
                        let Some(id) = id else {
                            return Err(CaseError::Base64("steps[].message.body.credentialIds"));
                        };
                        revoked.insert(id);
                    }
                }
                continue;
            }
            Step::Case(c) => c,
        };
        let mut expected = c.expected.clone();
        expected.used_challenges.extend(used.iter().cloned());
        let cred = c.credential.get().as_bytes();
        let outcome = match c.kind {
            Kind::WebauthnGet => {
                // §7.2: the server finds the credential record by the decoded rawId,
                // never by its spelling; an ID that does not decode is refused here as the
                // verifier would refuse it.
                let id = match verify::credential_id_of(cred) {
                    Ok(id) => id,
                    Err(r) => return reject(r),
                };
                if revoked.contains(&id) {
                    return reject(Reject::CredentialRevoked);
                }
                let spki = case::bytes(need_key(&expected)?, "publicKey")?;
                match records.get(&id) {
                    // The record of this ID holds another key: the assertion names a credential
                    // that is not the one the server checks it against.
                    Some(r) if r.spki != spki => return reject(Reject::CredentialIdMismatch),
                    Some(r) => {
                        let stored = expected.stored_sign_count.unwrap_or(0);
                        expected.stored_sign_count = Some(stored.max(r.count));
                    }
                    // The key is on record under another ID (a clone or a revoked credential
                    // presenting another rawId, which the signature does not cover).
                    None if records.values().any(|r| r.spki == spki) => {
                        return reject(Reject::CredentialIdMismatch);
                    }
                    None => {}
                }
                match case::prepare_get(&expected, backend)? {
                    Ok(exp) => verify::verify_assertion(&exp, cred).map(|a| {
                        records.insert(
                            id,
                            Record {
                                spki,
                                count: a.sign_count,
                            },
                        );
                        Accepted::Get(a)
                    }),
                    Err(r) => Err(r),
                }
            }
            Kind::WebauthnCreate => {
                if !fresh_card_auth {
                    return reject(Reject::NoFreshCardAuth);
                }
                let exp = case::prepare_create(&expected, backend)?;
                verify::verify_registration(&exp, cred).map(Accepted::Create)
            }
            Kind::JpkiAuth => {
                let exp = case::prepare_card(&expected, backend)?;
                verify::verify_card(&exp, cred).map(Accepted::Card)
            }
        };
        match outcome {
            Err(r) => return reject(r),
            Ok(Accepted::Card(_)) => fresh_card_auth = true,
            Ok(Accepted::Create(r)) => {
                fresh_card_auth = false;
                records.insert(
                    r.credential_id,
                    Record {
                        spki: r.spki,
                        count: r.sign_count,
                    },
                );
            }
            Ok(Accepted::Get(_)) => {}
        }
        used.push(c.expected.challenge.clone());
    }
    Ok(Ok(()))
}

fn need_key(e: &case::ExpectedJson) -> Result<&str, CaseError> {
    e.public_key
        .as_deref()
        .ok_or(CaseError::Missing("publicKey", Kind::WebauthnGet.name()))
}

fn case_step(c: CaseFile) -> Step {
    Step::Case(Box::new(c))
}

fn msg(from: &str, to: &str, ty: &str, body: serde_json::Value) -> Step {
    Step::Message(Message {
        from: from.to_owned(),
        to: to.to_owned(),
        ty: ty.to_owned(),
        body,
    })
}

fn emit(
    g: &mut Renderer,
    name: &str,
    flow: &str,
    description: &str,
    steps: Vec<Step>,
    reason: Option<&str>,
) -> Result<(), GenError> {
    let seq = SequenceFile {
        kind: SequenceKind::Sequence,
        flow: flow.to_owned(),
        description: Some(description.to_owned()),
        steps,
        result: if reason.is_some() {
            Verdict::Reject
        } else {
            Verdict::Accept
        },
        reason: reason.map(str::to_owned),
    };
    let mut text = serde_json::to_string_pretty(&seq)?;
    text.push('\n');
    g.push_file(name, text);
    Ok(())
}

/// Writes a sequence file (for the audit cases of [`crate::generate`]).
pub(crate) fn emit_sequence(
    g: &mut Renderer,
    name: &str,
    flow: &str,
    description: &str,
    steps: Vec<Step>,
    reason: Option<&str>,
) -> Result<(), GenError> {
    emit(g, name, flow, description, steps, reason)
}

/// The server's `recovery.revoke` of one credential ID (base64url).
pub(crate) fn revoke_step(id: &str) -> Step {
    msg(
        "server",
        "server",
        "recovery.revoke",
        json!({"credentialIds": [id]}),
    )
}

fn challenge_msg(to: &str, challenge: &[u8], extra: serde_json::Value) -> Step {
    let mut body = json!({"challenge": b64(challenge)});
    if let (Some(b), serde_json::Value::Object(e)) = (body.as_object_mut(), extra) {
        b.extend(e);
    }
    msg("server", to, "server.challenge", body)
}

/// Generates every sequence file.
pub fn generate_sequences(g: &mut Renderer) -> Result<(), GenError> {
    // (b) registration bound to a fresh card authentication.
    let card_ch = g.challenge();
    let reg_ch = g.challenge();
    let registration = vec![
        challenge_msg("phone", &card_ch, json!({"purpose": "card-auth"})),
        case_step(g.card_case(&card_ch)?),
        challenge_msg("phone", &reg_ch, json!({"purpose": "registration"})),
        case_step(g.create_case(Phone::One, &reg_ch)?),
    ];
    emit(
        g,
        "seq-registration-accept",
        "registration",
        "card authentication, then the phone registers",
        registration.clone(),
        None,
    )?;
    emit(
        g,
        "seq-registration-no-card",
        "registration",
        "registration without a card authentication",
        registration[2..].to_vec(),
        Some("no-fresh-card-auth"),
    )?;

    // (c) login, replay and clone detection.
    let ch1 = g.challenge();
    let ch2 = g.challenge();
    let login = g.get_case(Phone::One, &ch1, 5, 4)?;
    emit(
        g,
        "seq-login-replay",
        "login",
        "the same assertion presented twice",
        vec![case_step(login.clone()), case_step(login.clone())],
        Some("challenge-reused"),
    )?;
    let clone = g.get_case(Phone::One, &ch2, 5, 4)?;
    emit(
        g,
        "seq-login-clone",
        "login",
        "a second authenticator with the same key and counter 5 after the server stored 5",
        vec![case_step(login.clone()), case_step(clone)],
        Some("counter-not-increased"),
    )?;
    let later = g.get_case(Phone::One, &ch2, 6, 4)?;
    emit(
        g,
        "seq-login-accept",
        "login",
        "two logins with counters 5 then 6",
        vec![case_step(login), case_step(later)],
        None,
    )?;

    // (f) kiosk shows the QR code; the phone signs the kiosk session's challenge.
    let session_a = g.nonce();
    let ch_a = g.challenge();
    let session_b = g.nonce();
    let ch_b = g.challenge();
    let qr = |session: &[u8], ch: &[u8]| {
        format!(
            "mynafido:kiosk-login?rp=mynaportal.example&kiosk=kiosk-0042&session={}&challenge={}",
            b64(session),
            b64(ch)
        )
    };
    let kiosk_get = g.get_case(Phone::One, &ch_a, 7, 6)?;
    let kiosk_shows = vec![
        challenge_msg(
            "kiosk",
            &ch_a,
            json!({"kioskId": "kiosk-0042", "session": b64(&session_a)}),
        ),
        msg(
            "kiosk",
            "phone",
            "kiosk.qr",
            json!({"qr": qr(&session_a, &ch_a)}),
        ),
        msg(
            "phone",
            "kiosk",
            "ble.advert",
            json!({"session": b64(&session_a)}),
        ),
        case_step(kiosk_get.clone()),
    ];
    emit(
        g,
        "seq-kiosk-shows-qr-accept",
        "kiosk.qr.kiosk-shows",
        "the kiosk shows a QR code, the phone answers its session challenge",
        kiosk_shows,
        None,
    )?;
    let mut replayed = kiosk_get.clone();
    replayed.expected.challenge = b64(&ch_b);
    let cross_session = vec![
        challenge_msg(
            "kiosk",
            &ch_b,
            json!({"kioskId": "kiosk-0043", "session": b64(&session_b)}),
        ),
        msg(
            "kiosk",
            "phone",
            "kiosk.qr",
            json!({"qr": qr(&session_b, &ch_b)}),
        ),
        case_step(replayed),
    ];
    emit(
        g,
        "seq-kiosk-shows-qr-cross-session",
        "kiosk.qr.kiosk-shows",
        "an assertion captured at one kiosk session presented in another",
        cross_session,
        Some("challenge-mismatch"),
    )?;

    // (f) the phone shows the QR code: it carries an assertion over a server challenge bound to
    // the kiosk; the kiosk scans it and posts it.
    let ch_p = g.challenge();
    let phone_get = g.get_case(Phone::One, &ch_p, 8, 7)?;
    let phone_shows = vec![
        challenge_msg(
            "phone",
            &ch_p,
            json!({"purpose": "kiosk-login", "kioskId": "kiosk-0042"}),
        ),
        msg(
            "phone",
            "kiosk",
            "phone.qr",
            json!({"qr": phone_get.credential.get()}),
        ),
        case_step(phone_get.clone()),
    ];
    emit(
        g,
        "seq-phone-shows-qr-accept",
        "kiosk.qr.phone-shows",
        "the phone shows a QR code with its assertion; the kiosk posts it",
        phone_shows.clone(),
        None,
    )?;
    let mut photographed = phone_shows;
    photographed.push(case_step(phone_get));
    emit(
        g,
        "seq-phone-shows-qr-replay",
        "kiosk.qr.phone-shows",
        "a photographed QR code posted a second time",
        photographed,
        Some("challenge-reused"),
    )?;

    // (d) recovery on a new phone.
    let c1 = g.challenge();
    let r1 = g.challenge();
    let l1 = g.challenge();
    let c2 = g.challenge();
    let r2 = g.challenge();
    let l2 = g.challenge();
    let l3 = g.challenge();
    let old_id = g.credential_id(Phone::One);
    let before = vec![
        case_step(g.card_case(&c1)?),
        case_step(g.create_case(Phone::One, &r1)?),
        case_step(g.get_case(Phone::One, &l1, 1, 0)?),
        msg(
            "user",
            "server",
            "recovery.request",
            json!({"reason": "phone lost"}),
        ),
    ];
    let revoke = msg(
        "server",
        "server",
        "recovery.revoke",
        json!({"credentialIds": [old_id]}),
    );
    let mut ok = before.clone();
    ok.extend([
        case_step(g.card_case(&c2)?),
        revoke.clone(),
        case_step(g.create_case(Phone::Two, &r2)?),
        case_step(g.get_case(Phone::Two, &l2, 1, 0)?),
    ]);
    emit(
        g,
        "seq-recovery-accept",
        "recovery",
        "old phone registered and used; new phone recovers after a fresh card authentication",
        ok.clone(),
        None,
    )?;
    let mut old = ok;
    old.push(case_step(g.get_case(Phone::One, &l3, 2, 1)?));
    emit(
        g,
        "seq-recovery-old-credential",
        "recovery",
        "after recovery, the old phone's credential tries to sign in",
        old,
        Some("credential-revoked"),
    )?;
    let mut no_card = before;
    no_card.extend([revoke, case_step(g.create_case(Phone::Two, &r2)?)]);
    emit(
        g,
        "seq-recovery-without-card",
        "recovery",
        "recovery without a fresh card authentication",
        no_card,
        Some("no-fresh-card-auth"),
    )?;

    // (c) phishing: the attacker relays the real server's login challenge to a look-alike site;
    // the user signs in there; the attacker forwards the assertion to the real server.
    let ch = g.challenge();
    let phished = g.phished_get_case(Phone::One, &ch, 3, 2)?;
    let phishing = vec![
        challenge_msg("attacker", &ch, json!({"purpose": "login"})),
        msg(
            "attacker",
            "phone",
            "phishing.page",
            json!({"origin": crate::generate::PHISH_ORIGIN, "challenge": b64(&ch)}),
        ),
        msg(
            "phone",
            "attacker",
            "assertion",
            json!({"credential": serde_json::from_str::<serde_json::Value>(phished.credential.get())?}),
        ),
        case_step(phished),
    ];
    emit(
        g,
        "seq-login-phished",
        "login",
        "an assertion made on a phishing site, forwarded to the real server",
        phishing,
        Some("wrong-origin"),
    )?;
    Ok(())
}
