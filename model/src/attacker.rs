//! The attacker: a Dolev-Yao network attacker with a phishing origin and a remote kiosk, or a
//! thief holding the owner's phone or card.
//!
//! - Network (Jacomme-Kremer CSF 2018 threat model for FIDO; DESIGN.md §3): every response the
//!   owner's devices produce is added to the knowledge set (read). Delivery of any known term to
//!   any session the server has, in any status and of any kind, is a separate step (only the
//!   server's checks refuse; a refusal that changes nothing is no step), so the attacker may drop (never deliver), delay,
//!   replay (deliver again, or to another session) and redirect. It opens sessions of its own,
//!   lures the owner to the phishing origin with one of its sessions' challenges, relays a
//!   remote kiosk's QR to the owner and the owner's QR to the remote kiosk, opens a phone-QR
//!   session of its own and shows its challenge to the owner as the remote kiosk's QR, and may
//!   hold a clone of a credential key (the case the signature counter is for, WebAuthn L3 §6.1.1).
//! - Theft: presentations at a stolen phone's sensor (impostor or spoof: match or not is
//!   nondeterministic), lock-screen PIN and card PIN guesses (right or wrong, nondeterministic),
//!   and card power cycles. The lockout automata bound how many attempts there can be; the
//!   model adds a cap (`Config::attempt_cap`) only so that a broken automaton (a bug switch)
//!   still has a finite state space.
//!
//! - Insider (`insider`, issue 10): the second person `B`, with a valid card, an authenticator
//!   and an account of their own. `B`'s card signs the challenges of `B`'s own login sessions
//!   (the challenge reaches `B`'s card reader only over `B`'s own channel; `B` does not control
//!   the owner's network); `B` registers credentials to its own account, and, because a
//!   registration response with the `none` attestation format carries no signature of the
//!   credential's key over the challenge, can send the owner's credential ID and public key
//!   (public: every assertion names the ID) as a registration of its own (WebAuthn L3 §7.1);
//!   `B` names the owner's account in a registration, a recovery or an SE enrolment (a JPKI
//!   copy of the owner onto `B`'s phone); and `B` may receive the
//!   owner's cancelled phone number from the carrier (the SMS baseline's attack, seed §2-1).
//!
//! The attacker never forges: it can only produce terms of its own key, and the `none`
//! attestations just described.
//!
//! Which of these a scenario's attacker has is decided by each capability's precondition, not
//! by the scenario's story ([`Capability`]): possession of the phone or the card is where a
//! theft starts, and the network, sessions of its own of every kind and requests in any
//! session come with it. The default check offers the cells that fit its budget;
//! `model check --every-capability` offers all of them at once.

use crate::biometric::{self, Outcome};
use crate::bugs::Bug;
use crate::card::{Entry, PinResult};
use crate::crypto::{Key, Origin, Person, PhoneId, Term};
use crate::events::Happened;
use crate::kiosk::KioskId;
use crate::policy::Policy;
use crate::server::{Party, Server, Service, SessionKind};
use crate::system::{Action, AttackerVerb, Config, Scenario, State};

/// The attacker's state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Attacker {
    /// Terms seen (sorted, no duplicates).
    pub knows: Vec<Term>,
    /// The terms of `knows` that the owner's client sent to the portal over its own channel
    /// (sorted, no duplicates): the network may deliver these on that channel (drop, delay,
    /// replay, redirect among the owner's sessions); everything else it sends arrives on the
    /// attacker's own channel ([`crate::system::State::channel`]).
    pub owner_sent: Vec<Term>,
    /// Sessions the attacker opened.
    pub sessions_opened: u8,
    /// The owner has been lured to the phishing origin (once).
    pub phished: bool,
    /// A clone of the old phone's credential key, with the clone's own counter.
    pub clone_ctr: Option<u8>,
    /// Sessions (bitmask) already answered with the clone or the stolen phone.
    pub answered: u32,
    /// The remote kiosk's QR has been relayed to the owner (once).
    pub relayed_qr: bool,
    /// A relay near the owner's phone forwards the remote kiosk's proximity channel.
    pub relays_proximity: bool,
    /// The challenge of a phone-QR session of the attacker's own has been relayed to the
    /// owner as the remote kiosk's QR (once).
    pub relayed_own_qr: bool,
    /// The stolen card's PIN is known (a right guess).
    pub knows_card_pin: bool,
    /// Attempts made at a stolen device per stage (capped, see the module docs): biometric or
    /// card PIN, and lock-screen PIN or signing password.
    pub attempts: [u8; 2],
    /// The stolen card's signing password is known (a right guess).
    pub knows_signing_password: bool,
    /// `insider`: the carrier reassigned the owner's phone number to the second person.
    pub has_number: bool,
}

impl Attacker {
    /// Read a term off the network.
    pub fn learn(&mut self, t: Term) {
        if let Err(i) = self.knows.binary_search(&t) {
            self.knows.insert(i, t);
        }
    }

    /// The owner's client sends `t` to the portal over its own channel; the attacker reads it.
    pub fn owner_sends(&mut self, t: Term) {
        self.learn(t);
        if let Err(i) = self.owner_sent.binary_search(&t) {
            self.owner_sent.insert(i, t);
        }
    }

    /// Has the attacker already answered session `s` with the clone or the stolen phone?
    pub fn answered(&self, s: u8) -> bool {
        self.answered & (1u32 << (s % 32)) != 0
    }

    pub fn mark_answered(&mut self, s: u8) {
        self.answered |= 1u32 << (s % 32);
    }

    /// Every term the attacker can send: what it knows, and attestations of its own keys for
    /// the registration sessions it opened: a new credential per registration (WebAuthn L3
    /// §6.1), `Key::Attacker` for its first registration session and `Key::Attacker2` for any
    /// later one (the model allows it two).
    /// With `insider`, also the owner's credential (`Key::Old`, whose ID and public key are
    /// public) as a `none` attestation for each of those sessions.
    /// The substituted credentials are [`Attacker::substitutions`].
    pub fn sendable(&self, server: &Server, insider: bool) -> Vec<Term> {
        let mut out = self.knows.clone();
        let mut registrations = 0;
        for s in &server.sessions {
            if s.opener != Party::Attacker
                || !matches!(
                    s.kind,
                    SessionKind::Register { .. } | SessionKind::Recover { .. }
                )
            {
                continue;
            }
            registrations += 1;
            // In any status: the server, not the attacker, refuses a session already answered.
            out.push(Term::Attestation {
                key: if registrations == 1 {
                    Key::Attacker
                } else {
                    Key::Attacker2
                },
                nonce: s.nonce,
                origin: Origin::Real,
            });
            if insider {
                out.push(Term::Attestation {
                    key: Key::Old,
                    nonce: s.nonce,
                    origin: Origin::Real,
                });
            }
        }
        out
    }
}

impl Attacker {
    /// Over the challenge of every registration or recovery someone else opened (the network
    /// reads the challenges), an attestation of each of the attacker's keys, delivered to that
    /// session: the substituted credential, which only the session's channel refuses
    /// ([`Server::receive`]). Each is built for its session and goes there only: delivered
    /// anywhere else it is an attestation of the attacker's key over a challenge that is not
    /// the session's, which the server tells apart from the attacker's own attestations (also
    /// delivered everywhere) by the challenge alone, and the challenge check is tried by every
    /// replay. Offered everywhere, it multiplied the states of `skip-challenge-check` in `renew`
    /// past 24 GiB.
    pub fn substitutions(server: &Server) -> impl Iterator<Item = (u8, Term)> + '_ {
        (0u8..).zip(&server.sessions).flat_map(|(i, s)| {
            let foreign = s.opener != Party::Attacker
                && matches!(
                    s.kind,
                    SessionKind::Register { .. } | SessionKind::Recover { .. }
                );
            [Key::Attacker, Key::Attacker2]
                .into_iter()
                .filter(move |_| foreign)
                .map(move |key| {
                    (
                        i,
                        Term::Attestation {
                            key,
                            nonce: s.nonce,
                            origin: Origin::Real,
                        },
                    )
                })
        })
    }
}

/// What the attacker can do besides the network's read, drop, delay, replay and redirect
/// (always on; [`crate::system`]) and its substituted credentials (offered wherever someone
/// else opens a registration or recovery, [`Attacker::substitutions`]). Each is offered in
/// every scenario where its precondition holds ([`Capability::possible`]): all of them, combined,
/// at `model check --every-capability` (and `--deep`); the default check offers the cells
/// [`Capability::in_default`] lists, within its 60 s budget. `daily-use` has no attacker,
/// `stolen-phone-pin-known` has verbs of its own, and `insider`'s second person has its own
/// beside the sessions, identifier requests and JPKI-copy requests of this table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability {
    /// Login sessions of its own, and registrations naming any session as the parent.
    OwnSessions,
    /// A recovery of its own, naming any session as the parent.
    OwnRecovery,
    /// A JPKI copy of the owner asked for onto a phone of its own, in any session.
    SeOnOwnPhone,
    /// The owner's identifier asked for at either service, in any session.
    Pseudonyms,
    /// A phone-QR session of its own, bound to either kiosk.
    OwnPhoneQr,
    /// The owner's phone lured to the phishing origin with one of its logins' challenges.
    Phishing,
    /// A clone of the credential key of the phone the owner uses.
    KeyClone,
    /// The remote kiosk's QR relayed to the owner, a relay near the owner's phone, and its own
    /// phone-QR session's challenge shown to the owner as the remote kiosk's QR.
    KioskRelay,
    /// The old phone in hand: its sensor and lock-screen PIN, then its keys.
    HoldsPhone,
    /// The owner's card in hand: its PINs, power cycles, and its signatures.
    HoldsCard,
}

impl Capability {
    pub const ALL: [Capability; 10] = [
        Capability::OwnSessions,
        Capability::OwnRecovery,
        Capability::SeOnOwnPhone,
        Capability::Pseudonyms,
        Capability::OwnPhoneQr,
        Capability::Phishing,
        Capability::KeyClone,
        Capability::KioskRelay,
        Capability::HoldsPhone,
        Capability::HoldsCard,
    ];

    /// The scenarios whose attacker is the one this table describes.
    pub const SCENARIOS: [Scenario; 7] = [
        Scenario::Enrol,
        Scenario::Renew,
        Scenario::Kiosk,
        Scenario::StolenPhone,
        Scenario::StolenIphone,
        Scenario::StolenCard,
        Scenario::StolenBoth,
    ];

    /// The row of the capability table in model/README.md ("The attacker's capabilities"),
    /// which `tests/capabilities.rs` holds to [`Capability::possible`] and
    /// [`Capability::in_default`].
    pub fn name(self) -> &'static str {
        match self {
            Capability::OwnSessions => "own logins and registrations",
            Capability::OwnRecovery => "own recovery",
            Capability::SeOnOwnPhone => "JPKI copy onto its own phone",
            Capability::Pseudonyms => "pseudonym requests",
            Capability::OwnPhoneQr => "own phone-QR session",
            Capability::Phishing => "phishing lure",
            Capability::KeyClone => "key clone",
            Capability::KioskRelay => "kiosk relay",
            Capability::HoldsPhone => "holds the old phone",
            Capability::HoldsCard => "holds the card",
        }
    }

    /// Does the capability's precondition hold in `sc`? A network attacker can always open
    /// sessions and ask for anything in any session (the server decides); a lure and a clone
    /// need a credential on a phone the owner uses; a kiosk relay needs the owner at a kiosk;
    /// possession is the scenario's starting condition.
    pub fn possible(self, sc: Scenario) -> bool {
        use Scenario as S;
        // The second person: its own logins and registrations, requests in any session, and
        // its own verbs (`AttackerVerb::RegisterForOwner` and the rest) for the others.
        if sc == S::Insider {
            return matches!(
                self,
                Capability::OwnSessions | Capability::SeOnOwnPhone | Capability::Pseudonyms
            );
        }
        if !Capability::SCENARIOS.contains(&sc) {
            return false;
        }
        match self {
            Capability::OwnSessions
            | Capability::OwnRecovery
            | Capability::SeOnOwnPhone
            | Capability::Pseudonyms
            | Capability::OwnPhoneQr => true,
            // `stolen-card`'s owner has no credential yet (it never registers one there).
            Capability::Phishing | Capability::KeyClone => {
                matches!(sc, S::Enrol | S::Renew | S::Kiosk)
            }
            Capability::KioskRelay => sc == S::Kiosk,
            Capability::HoldsPhone => {
                matches!(
                    sc,
                    S::Renew | S::StolenPhone | S::StolenIphone | S::StolenBoth
                )
            }
            Capability::HoldsCard => matches!(sc, S::StolenCard | S::StolenBoth),
        }
    }

    /// The cells the default check offers (each also [`Capability::possible`]). The others
    /// multiply the states past the default's budget; `model/README.md` has each one's count.
    pub fn in_default(self, sc: Scenario) -> bool {
        use Scenario as S;
        match self {
            Capability::OwnRecovery => sc != S::Enrol,
            Capability::OwnPhoneQr => sc == S::Kiosk,
            Capability::Phishing | Capability::KeyClone => sc == S::Enrol,
            Capability::OwnSessions
            | Capability::SeOnOwnPhone
            | Capability::Pseudonyms
            | Capability::KioskRelay
            | Capability::HoldsPhone
            | Capability::HoldsCard => true,
        }
    }
}

/// The attacker's verbs: which are enabled in a state, and what each does. The composition
/// that offers them as actions is [`crate::system`].
impl Config {
    pub(crate) fn attacker_step(&self, s: &mut State, verb: AttackerVerb) -> Option<()> {
        let now = self.now_secs(s);
        let rules = self.rules();
        let attempts = s.attacker.attempts;
        let cap = |stage: usize, policy: Option<&Policy>| {
            let limit = policy.map_or(u64::from(self.attempt_cap), |p| {
                Config::limit(p).saturating_add(2)
            });
            u64::from(attempts[stage]) >= limit.min(u64::from(self.attempt_cap))
        };
        match verb {
            AttackerVerb::InsiderCardSign { session } => {
                let x = s.server.sessions.get(usize::from(session))?;
                if x.opener != Party::Attacker || x.kind != SessionKind::Login {
                    return None;
                }
                let t = Term::CardSig {
                    person: Person::B,
                    cert: 0,
                    nonce: x.nonce,
                };
                s.attacker.mark_answered(session);
                s.attacker.learn(t);
            }
            AttackerVerb::RegisterForOwner { parent }
            | AttackerVerb::RecoverForOwner { parent } => {
                let kind = match verb {
                    AttackerVerb::RegisterForOwner { .. } => SessionKind::Register { parent },
                    _ => SessionKind::Recover { parent },
                };
                let c = s
                    .server
                    .open_claiming(kind, Party::Attacker, Some(Person::A), rules)
                    .ok()?;
                if let SessionKind::Recover { .. } = kind {
                    let account = s.session_account(c);
                    s.saw(Happened::Recovery {
                        parent,
                        account,
                        requester: Party::Attacker,
                    });
                }
            }
            AttackerVerb::GetReassignedNumber => {
                if s.attacker.has_number {
                    return None;
                }
                s.attacker.has_number = true;
                s.saw(Happened::NumberReassigned);
            }
            AttackerVerb::SmsLogin { session } => {
                if !s.attacker.has_number {
                    return None;
                }
                s.server.sms_login(session, Party::Attacker, rules).ok()?;
                s.saw(Happened::SmsLogin {
                    session,
                    account: Person::A,
                });
            }
            AttackerVerb::OpenLogin => {
                s.server
                    .open(SessionKind::Login, Party::Attacker, rules)
                    .ok()?;
                s.attacker.sessions_opened += 1;
            }
            AttackerVerb::RequestRegister { parent } => {
                s.server
                    .open(SessionKind::Register { parent }, Party::Attacker, rules)
                    .ok()?;
            }
            AttackerVerb::RequestRecover { parent } => {
                let c = s
                    .server
                    .open(SessionKind::Recover { parent }, Party::Attacker, rules)
                    .ok()?;
                let account = s.session_account(c);
                s.saw(Happened::Recovery {
                    parent,
                    account,
                    requester: Party::Attacker,
                });
            }
            AttackerVerb::Phish { session } => {
                let nonce = s.nonce(session)?;
                let mine = s.scenario.owner_phone();
                let uv = self.owner_verify(s, mine)?;
                let t = s.phone(mine).se.get_assertion(uv, nonce, Origin::Phish)?;
                s.attacker.learn(t);
                s.attacker.phished = true;
            }
            AttackerVerb::CloneKey => {
                let se = s.phones[s.scenario.owner_phone().index()].se;
                se.credential?;
                s.attacker.clone_ctr = Some(se.ctr);
            }
            AttackerVerb::CloneAssert { session } => {
                let nonce = s.nonce(session)?;
                let ctr = s.attacker.clone_ctr?.saturating_add(1);
                s.attacker.clone_ctr = Some(ctr);
                s.attacker.mark_answered(session);
                s.attacker.learn(Term::Assertion {
                    key: s.scenario.owner_phone().key(),
                    nonce,
                    origin: Origin::Real,
                    ctr,
                });
            }
            AttackerVerb::StolenPhoneAssert { session }
            | AttackerVerb::StolenPhoneAssertSecond { session }
            | AttackerVerb::StolenPhoneSeSign { session } => {
                let nonce = s.nonce(session)?;
                // In `stolen-phone-pin-known` the thief verifies with the biometric it enrolled
                // (its own finger: ground truth for the observer); in `renew` the phone is
                // already unlocked.
                let own_finger = s.scenario == Scenario::StolenPhonePinKnown;
                // Whether the SE holds the key and whether its keys are invalidated is the SE's
                // to decide (below): a refused signature drops the whole step, presentation
                // included, so the thief's attempt changes nothing.
                let uv = if own_finger {
                    let uv = s.phone(PhoneId::Old).auth.foreign_verify(
                        &self.phone_policy,
                        now,
                        self.bugs,
                    )?;
                    s.saw(Happened::Presentation {
                        phone: PhoneId::Old,
                        matched: true,
                    });
                    uv
                } else {
                    s.phones[PhoneId::Old.index()].auth.thief_verify()?
                };
                let se = &mut s.phone(PhoneId::Old).se;
                let t = match verb {
                    AttackerVerb::StolenPhoneAssert { .. } => {
                        se.get_assertion(uv, nonce, Origin::Real)?
                    }
                    AttackerVerb::StolenPhoneAssertSecond { .. } => {
                        se.get_second_assertion(uv, nonce, Origin::Real)?
                    }
                    _ => se.jpki_sign(uv, nonce)?,
                };
                if own_finger {
                    s.saw(Happened::SeSignedAfterMatch {
                        phone: PhoneId::Old,
                        owner_enrolled: false,
                    });
                }
                s.attacker.mark_answered(session);
                s.attacker.learn(t);
            }
            AttackerVerb::RelayKioskQr => {
                let k = s.kiosks[KioskId::Remote.index()].showing?;
                s.attacker.relayed_qr = true;
                if let Some(t) = self.answer_kiosk_qr(s, KioskId::Remote, k) {
                    s.attacker.learn(t);
                }
            }
            AttackerVerb::OpenPhoneQr { kiosk } => {
                s.server
                    .open(SessionKind::PhoneQr { kiosk }, Party::Attacker, rules)
                    .ok()?;
                s.attacker.sessions_opened += 1;
            }
            // The owner's phone hears the remote kiosk's channel (proximity) and sees a kiosk
            // QR; it cannot tell a phone-QR session's challenge from a kiosk session's. Showing
            // it is the attacker's physical act, a step whatever the phone does (so that the
            // attempt is witnessed in the default, where the phone refuses it); an answer the
            // phone refuses to give changes nothing on the phone.
            AttackerVerb::RelayOwnQr { session } => {
                let x = s.server.sessions.get(usize::from(session))?;
                if s.attacker.relayed_own_qr
                    || x.opener != Party::Attacker
                    || !matches!(x.kind, SessionKind::PhoneQr { .. })
                {
                    return None;
                }
                let mut answered = s.clone();
                if let Some(t) = self.answer_kiosk_qr(&mut answered, KioskId::Remote, session) {
                    *s = answered;
                    s.attacker.learn(t);
                }
                s.attacker.relayed_own_qr = true;
                s.saw(Happened::OwnQrShown);
            }
            AttackerVerb::RelayProximity => {
                if s.attacker.relays_proximity {
                    return None;
                }
                s.attacker.relays_proximity = true;
            }
            AttackerVerb::EnrolBiometric => {
                let a = &mut s.phone(PhoneId::Old).auth;
                if !a.enrol_foreign(&self.phone_policy, now, self.bugs) {
                    return None;
                }
                s.saw(Happened::PhonePin {
                    phone: PhoneId::Old,
                    entry: Entry::Right,
                });
                s.saw(Happened::ForeignEnrolment {
                    phone: PhoneId::Old,
                });
                s.phone(PhoneId::Old)
                    .se
                    .on_enrolment_change(self.bugs.has(Bug::KeysSurviveEnrolmentChange));
            }
            AttackerVerb::PresentBiometric(outcome) => {
                let policy = self.phone_policy_in(s.scenario);
                let auth = s.phones[PhoneId::Old.index()].auth;
                if cap(0, None)
                    || !biometric::takes_presentation(&auth.lockout, policy, now, self.bugs)
                {
                    return None;
                }
                s.saw(Happened::Presentation {
                    phone: PhoneId::Old,
                    matched: outcome == Outcome::Match,
                });
                let a = &mut s.phone(PhoneId::Old).auth;
                if a.present(policy, now, outcome).is_some() {
                    a.unlocked_by_thief = true;
                }
                s.attacker.attempts[0] += 1;
            }
            AttackerVerb::GuessPhonePin(entry) => {
                let policy = self.phone_policy_in(s.scenario);
                let auth = s.phones[PhoneId::Old.index()].auth;
                if cap(1, None) || !auth.pin_open(policy, now, self.bugs) {
                    return None;
                }
                s.saw(Happened::PhonePin {
                    phone: PhoneId::Old,
                    entry,
                });
                let a = &mut s.phone(PhoneId::Old).auth;
                if a.enter_pin(policy, now, entry).is_some() {
                    a.unlocked_by_thief = true;
                }
                s.attacker.attempts[1] += 1;
            }
            AttackerVerb::GuessCardPin(entry) => {
                if cap(0, Some(&self.card_policy)) {
                    return None;
                }
                let accepted = match s.card.verify_user_pin(&self.card_policy, now, entry) {
                    PinResult::Blocked => return None,
                    r => r == PinResult::Accepted,
                };
                // The thief learns what the card said: a PIN it took works.
                s.attacker.knows_card_pin |= accepted;
                s.saw(Happened::CardPin { entry, accepted });
                s.attacker.attempts[0] += 1;
            }
            AttackerVerb::GuessSigningPassword(entry) => {
                let unlimited = self.bugs.has(Bug::UnlimitedSigningPassword);
                if cap(1, Some(&self.signing_policy)) {
                    return None;
                }
                let accepted =
                    match s
                        .card
                        .signing_password(&self.signing_policy, now, entry, unlimited)
                    {
                        PinResult::Blocked => return None,
                        r => r == PinResult::Accepted,
                    };
                s.saw(Happened::SigningPassword { entry, accepted });
                s.attacker.knows_signing_password |= entry == Entry::Right;
                s.attacker.attempts[1] += 1;
            }
            AttackerVerb::PowerCycleCard => {
                let before = s.card;
                s.card.power_cycle(self.bugs.has(Bug::CardCounterInRam));
                if s.card == before {
                    return None;
                }
            }
            AttackerVerb::EnrolSe { session } => {
                let person = s
                    .server
                    .enrol_se(
                        session,
                        Some(PhoneId::Old),
                        Party::Attacker,
                        None,
                        self.bugs,
                    )
                    .ok()?;
                s.saw(Happened::SeEnrolment {
                    session,
                    requester: Party::Attacker,
                    person,
                });
                s.phone(PhoneId::Old).se.enrol_jpki();
            }
            AttackerVerb::EnrolSeForOwner { session } => {
                // The copy goes to the second person's own phone, outside the model: the
                // observer judges the issue itself.
                let person = s
                    .server
                    .enrol_se(session, None, Party::Attacker, Some(Person::A), self.bugs)
                    .ok()?;
                s.saw(Happened::SeEnrolment {
                    session,
                    requester: Party::Attacker,
                    person,
                });
            }
            // A request that changes nothing the observer records is no step (`next_state`):
            // the services keep no record the model reads (the observers keep their own,
            // `Ghost::ids`).
            AttackerVerb::RequestPseudonym { session, service } => {
                let value = s
                    .server
                    .issue_pseudonym(session, service, Party::Attacker, self.bugs)
                    .ok()?;
                s.saw(Happened::Pseudonym {
                    session,
                    service,
                    value,
                    requester: Party::Attacker,
                });
            }
            AttackerVerb::CardSign { session } => {
                let nonce = s.nonce(session)?;
                let t = self.card_sign_right_pin(s, now, nonce)?;
                s.attacker.mark_answered(session);
                s.attacker.learn(t);
            }
        }
        Some(())
    }

    /// Is `capability` offered in scenario `sc`? Where its precondition holds, and, in the
    /// default configuration, only in the cells [`Capability::in_default`] lists.
    pub(crate) fn offers(&self, sc: Scenario, capability: Capability) -> bool {
        capability.possible(sc) && (self.every_capability || capability.in_default(sc))
    }

    /// The attacker's verbs enabled in a state.
    pub(crate) fn attacker_actions(&self, s: &State, out: &mut Vec<Action>) {
        use Capability as C;
        let a = &s.attacker;
        let mut push = |v| out.push(Action::Attacker(v));
        let sc = s.scenario;
        let offers = |c| self.offers(sc, c);
        let sessions = (0u8..).take(s.server.sessions.len());
        let session_left = a.sessions_opened < self.attacker_sessions;
        if offers(C::OwnSessions) && session_left {
            push(AttackerVerb::OpenLogin);
        }
        // The attacker's own sessions of a kind.
        let own = |kind: fn(&SessionKind) -> bool| {
            s.server
                .sessions
                .iter()
                .filter(|x| x.opener == Party::Attacker && kind(&x.kind))
                .count()
        };
        // Two registrations are enough to show a card authentication used twice.
        let registrations = own(|k| matches!(k, SessionKind::Register { .. }));
        // Any session may be named as the parent; the server checks opener, kind and status.
        if offers(C::OwnSessions) && registrations < 2 {
            for p in sessions.clone() {
                push(AttackerVerb::RequestRegister { parent: p });
            }
        }
        // One recovery of its own, under any session. The server accepts only a login the
        // person's card authenticated (a thief who knows the stolen card's PIN); elsewhere it
        // refuses, and a refusal is no step. `insider`'s second person has its own verbs for
        // recoveries (`RecoverForOwner`). Not in `enrol` by default: with
        // `skip-challenge-check` the attacker's recovery there retires the SE copy that the
        // owner then enrols again, a re-issue the conformance relying party does not map (one
        // SE certificate; see vectors/README).
        let recoveries = own(|k| matches!(k, SessionKind::Recover { .. }));
        if offers(C::OwnRecovery) && recoveries < 1 {
            for p in sessions.clone() {
                push(AttackerVerb::RequestRecover { parent: p });
            }
        }
        // A JPKI copy of the owner asked for onto a phone of the attacker's own (outside the
        // model), in any session: the server checks opener, card authentication and person.
        if offers(C::SeOnOwnPhone) {
            for p in sessions.clone() {
                push(AttackerVerb::EnrolSeForOwner { session: p });
            }
        }
        // Any session, any service: the server checks opener and status.
        if offers(C::Pseudonyms) {
            for p in sessions.clone() {
                for service in Service::ALL {
                    push(AttackerVerb::RequestPseudonym {
                        session: p,
                        service,
                    });
                }
            }
        }
        // One phone-QR session of its own, bound to either kiosk (counted with the attacker's
        // sessions, so `attacker_sessions = 0` removes it).
        if offers(C::OwnPhoneQr) && session_left {
            for kiosk in KioskId::ALL {
                push(AttackerVerb::OpenPhoneQr { kiosk });
            }
        }
        // The phone the owner uses (in `renew` the new one: the thief holds the old).
        let mine = sc.owner_phone();
        let has_cred = s.phones[mine.index()].se.credential.is_some();
        if offers(C::Phishing) && has_cred && !a.phished {
            for l in s.open_logins(Party::Attacker) {
                push(AttackerVerb::Phish { session: l });
            }
        }
        if offers(C::KeyClone) {
            if has_cred && a.clone_ctr.is_none() {
                push(AttackerVerb::CloneKey);
            }
            if a.clone_ctr.is_some() {
                for l in s.open_logins(Party::Attacker) {
                    if !a.answered(l) {
                        push(AttackerVerb::CloneAssert { session: l });
                    }
                }
            }
        }
        if offers(C::KioskRelay) {
            if !a.relayed_qr && s.kiosks[KioskId::Remote.index()].showing.is_some() {
                push(AttackerVerb::RelayKioskQr);
            }
            if !a.relays_proximity {
                push(AttackerVerb::RelayProximity);
            }
            // The challenge of its own phone-QR session shown to the owner as the remote
            // kiosk's QR.
            if !a.relayed_own_qr {
                for (i, x) in (0u8..).zip(&s.server.sessions) {
                    if x.opener == Party::Attacker && matches!(x.kind, SessionKind::PhoneQr { .. })
                    {
                        push(AttackerVerb::RelayOwnQr { session: i });
                    }
                }
            }
        }
        let old = &s.phones[PhoneId::Old.index()];
        if offers(C::HoldsPhone) {
            // Locked: presentations and lock-screen PINs; unlocked (by the thief, or from the
            // start in `renew`): its keys in the thief's logins and a JPKI copy asked for on it
            // in any session, wherever it has sessions of its own to use them in.
            if !old.auth.unlocked_by_thief {
                Config::phone_guesses(out);
            } else if offers(C::OwnSessions) {
                Config::unlocked_phone_actions(s, out);
            }
        }
        if offers(C::HoldsCard) {
            self.card_thief_actions(s, out);
        }
        match sc {
            Scenario::Insider => {
                for l in s.open_logins(Party::Attacker) {
                    if !a.answered(l) {
                        out.push(Action::Attacker(AttackerVerb::InsiderCardSign {
                            session: l,
                        }));
                    }
                    if a.has_number {
                        out.push(Action::Attacker(AttackerVerb::SmsLogin { session: l }));
                    }
                }
                // Any session as the parent; the server checks opener, kind, status and account.
                for p in sessions.clone() {
                    if registrations < 2 {
                        out.push(Action::Attacker(AttackerVerb::RegisterForOwner {
                            parent: p,
                        }));
                    }
                    if recoveries < 1 {
                        out.push(Action::Attacker(AttackerVerb::RecoverForOwner {
                            parent: p,
                        }));
                    }
                }
                if !a.has_number {
                    out.push(Action::Attacker(AttackerVerb::GetReassignedNumber));
                }
            }
            Scenario::StolenPhonePinKnown => {
                if session_left {
                    out.push(Action::Attacker(AttackerVerb::OpenLogin));
                }
                if !old.auth.foreign_enrolled {
                    out.push(Action::Attacker(AttackerVerb::EnrolBiometric));
                }
                Config::stolen_phone_signs(s, out);
            }
            _ => {}
        }
    }

    /// A thief at a locked phone: presentations at its sensor (impostor or spoof, match or not)
    /// and lock-screen PIN guesses (right or wrong); the automata decide which are taken.
    fn phone_guesses(out: &mut Vec<Action>) {
        for v in [
            AttackerVerb::PresentBiometric(Outcome::NoMatch),
            AttackerVerb::PresentBiometric(Outcome::Match),
            AttackerVerb::GuessPhonePin(Entry::Wrong),
            AttackerVerb::GuessPhonePin(Entry::Right),
        ] {
            out.push(Action::Attacker(v));
        }
    }

    /// The stolen phone's FIDO key and JPKI copy answer the thief's open logins (once each).
    fn stolen_phone_signs(s: &State, out: &mut Vec<Action>) {
        for l in s.open_logins(Party::Attacker) {
            if !s.attacker.answered(l) {
                out.push(Action::Attacker(AttackerVerb::StolenPhoneAssert {
                    session: l,
                }));
                if s.phones[PhoneId::Old.index()].se.second.is_some() {
                    out.push(Action::Attacker(AttackerVerb::StolenPhoneAssertSecond {
                        session: l,
                    }));
                }
                out.push(Action::Attacker(AttackerVerb::StolenPhoneSeSign {
                    session: l,
                }));
            }
        }
    }

    /// A thief holding the phone unlocked: a JPKI copy asked for on it in any session, and its
    /// keys in the thief's logins.
    fn unlocked_phone_actions(s: &State, out: &mut Vec<Action>) {
        for p in (0u8..).take(s.server.sessions.len()) {
            out.push(Action::Attacker(AttackerVerb::EnrolSe { session: p }));
        }
        Config::stolen_phone_signs(s, out);
    }

    /// The verbs of a thief holding the owner's card.
    fn card_thief_actions(&self, s: &State, out: &mut Vec<Action>) {
        let a = &s.attacker;
        let mut push = |v| out.push(Action::Attacker(v));
        if !a.knows_card_pin {
            push(AttackerVerb::GuessCardPin(Entry::Wrong));
            push(AttackerVerb::GuessCardPin(Entry::Right));
        } else {
            for l in s.open_logins(Party::Attacker) {
                if !a.answered(l) {
                    push(AttackerVerb::CardSign { session: l });
                }
            }
        }
        if !a.knows_signing_password {
            push(AttackerVerb::GuessSigningPassword(Entry::Wrong));
            push(AttackerVerb::GuessSigningPassword(Entry::Right));
        }
        push(AttackerVerb::PowerCycleCard);
    }
}
