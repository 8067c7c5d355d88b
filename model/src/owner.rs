//! The owner: the steps of each flow (DESIGN.md §1) on the owner's phone(s) and card, as
//! enabled actions, not one script (issue 9).
//!
//! Each scenario names the steps its owner may take and how often ([`Scenario::owner_steps`]):
//! any step whose precondition holds may be taken, in any order, each up to its bound (the
//! number of times the flow needs it, plus [`Config::owner_repeats`]; a counter per step in
//! [`Owner::counts`]). The owner may stop at any point, so every flow may be abandoned midway,
//! and a new login abandons the current one. The preconditions are the owner's own (a session
//! to answer, a card in hand, a credential on the phone); whether the server accepts is the
//! server's business: a step the server refuses changes nothing and is no step.
//!
//! The owner's phone verifies the owner with the biometric, or with the lock-screen PIN when
//! the phone's automaton no longer takes presentations; the owner always enters the right
//! secrets. The composition that offers these steps as actions is [`crate::system`].

use crate::authenticator::UserVerified;
use crate::bugs::Bug;
use crate::card::{Card, Entry, Holder, PinResult};
use crate::crypto::{Key, Origin, Person, PhoneId, Term};
use crate::events::Happened;
use crate::kiosk::{self, KioskId};
use crate::server::{Method, Party, Reason, Service, SessionKind, Status};
use crate::system::{Action, Config, Scenario, State};
use serde::Serialize;

/// One step of the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    /// Open a login session at the portal (it becomes the owner's current login).
    StartLogin,
    /// Hold the card to the phone (NFC), type the PIN: the card signs the current login's
    /// challenge.
    CardAuth,
    /// Have the SE's JPKI copy issued in the current login (the server requires it to be
    /// card-authenticated).
    EnrolSe,
    /// Ask to register a FIDO credential under the current login.
    RequestRegister,
    /// The phone creates its credential and attests it (after user verification).
    Attest(PhoneId),
    /// The SE's JPKI copy signs the login challenge (after user verification).
    SeLogin,
    /// The phone asserts the login challenge (after user verification).
    FidoLogin(PhoneId),
    /// The current login passes the person's identifier to a service.
    Pseudonym(Service),
    /// Renew the card at the municipal office.
    Renew,
    /// Ask to recover under the current login (revokes the old phone).
    RequestRecover,
    /// Scan the near kiosk's QR and answer it.
    ScanKioskQr,
    /// Show a QR for the near kiosk.
    ShowPhoneQr,
    /// Report the card lost: its certificate is revoked.
    ReportLoss,
    /// Unlock the phone as every day (`daily-use`; a free action at every clock point, not
    /// counted).
    Unlock,
    /// Get a new card at the municipal office while the old one is in a thief's hands (in
    /// `stolen-card`, instead of the loss report): J-LIS issues a new certificate and revokes
    /// the old card's.
    Reissue,
    /// Type a wrong card PIN for the current login (`insider`: the owner's own typos can block
    /// the card).
    MistypePin,
    /// Have the blocked user-auth PIN reset in person at the municipal office.
    InPersonReset,
    /// The SMS baseline only (`Config::sms_baseline`, seed §2-1): type the one-time code the
    /// server sent to the owner's phone number into the current login.
    SmsLogin,
}

/// The owner's state: the sessions the owner is in, and how often each step was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Owner {
    /// Times each of the scenario's steps was taken, 4 bits per entry of
    /// [`Scenario::owner_steps`].
    pub counts: u64,
    /// The current login session.
    pub login: Option<u8>,
    /// The current registration/recovery session.
    pub child: Option<u8>,
    /// The QR the phone shows.
    pub qr: Option<Term>,
}

impl Owner {
    /// Times step `i` of the scenario's list was taken.
    pub fn count(&self, i: usize) -> u8 {
        ((self.counts >> (4 * (i % 16))) & 0xf) as u8
    }

    fn bump(&mut self, i: usize) {
        self.counts += 1 << (4 * (i % 16));
    }
}

impl Scenario {
    /// The owner's steps in this scenario, each with the number of times one run of its flows
    /// needs it (a `sometimes` witness needs one run, not all flows in the same run):
    /// - `enrol`: two logins (a card login for SE enrolment, registration and pseudonyms at
    ///   both services, then one answered by the SE's JPKI copy or by FIDO; flows a, b, c, e);
    /// - `renew`: two card logins with a pseudonym, before and after the renewal; or a card
    ///   login for a recovery on the new phone and a FIDO login with it (flows d, e);
    /// - `kiosk`: both QR directions (flow f);
    /// - `stolen-card`: the loss report.
    pub fn owner_steps(self) -> &'static [(Step, u8)] {
        use Step::*;
        match self {
            Scenario::Enrol => &[
                (StartLogin, 2),
                (CardAuth, 1),
                (EnrolSe, 1),
                (RequestRegister, 1),
                (Attest(PhoneId::Old), 1),
                (SeLogin, 1),
                (FidoLogin(PhoneId::Old), 1),
                (Pseudonym(Service::A), 1),
                (Pseudonym(Service::B), 1),
            ],
            Scenario::Renew => &[
                (StartLogin, 2),
                (CardAuth, 2),
                (Pseudonym(Service::A), 2),
                (Renew, 1),
                (RequestRecover, 1),
                (Attest(PhoneId::New), 1),
                (FidoLogin(PhoneId::New), 1),
            ],
            Scenario::Kiosk => &[(ScanKioskQr, 1), (ShowPhoneQr, 1)],
            Scenario::StolenPhone | Scenario::StolenPhonePinKnown | Scenario::StolenIphone => &[],
            Scenario::StolenCard => &[(ReportLoss, 1), (Reissue, 1)],
            // The owner reports the card lost (the phone's credential is retired by a
            // recovery, which needs a card the owner no longer has).
            Scenario::StolenBoth => &[(ReportLoss, 1)],
            // The owner's unlocks are free actions (`Step::Unlock`), at every clock point.
            Scenario::DailyUse => &[],
            // `insider`: the victim logs in (card or FIDO; by SMS in the baseline), asks for
            // an identifier at a service, and may block the card with 3 typos and have it reset
            // in person. The
            // recovery flow is not explored here: `owner can recover` runs it from every state.
            Scenario::Insider => &[
                (StartLogin, 2),
                (CardAuth, 1),
                (FidoLogin(PhoneId::Old), 1),
                (Pseudonym(Service::A), 1),
                (MistypePin, 3),
                (InPersonReset, 1),
                (SmsLogin, 1),
            ],
        }
    }
}

impl Config {
    /// The owner verifies on a phone: biometric or lock-screen PIN per the phone's automaton;
    /// the observer is told which was taken.
    pub(crate) fn owner_verify(&self, s: &mut State, id: PhoneId) -> Option<UserVerified> {
        let now = self.now_secs(s);
        let auth = &mut s.phones[id.index()].auth;
        let (uv, by_biometric) = auth.owner_verify(&self.phone_policy, now, self.bugs)?;
        if by_biometric {
            s.saw(Happened::Presentation {
                phone: id,
                matched: true,
            });
            s.saw(Happened::KeyGatedByBiometric { phone: id });
        } else {
            s.saw(Happened::OwnerPinFallback { phone: id });
            s.saw(Happened::PhonePin {
                phone: id,
                entry: Entry::Right,
            });
        }
        Some(uv)
    }

    /// The owner's steps offered in a state: every step of the scenario under its bound (the
    /// step's own precondition is checked when it is taken).
    pub(crate) fn owner_actions(&self, s: &State, out: &mut Vec<Action>) {
        for (i, (step, bound)) in s.scenario.owner_steps().iter().enumerate() {
            if s.user.count(i) < bound.saturating_add(self.owner_repeats) {
                out.push(Action::User(*step));
            }
        }
    }

    /// Take an owner's step, if it is the scenario's, under its bound, and its precondition
    /// holds.
    pub(crate) fn user_step(&self, s: &mut State, step: Step) -> Option<()> {
        let steps = s.scenario.owner_steps();
        let i = steps.iter().position(|(x, _)| *x == step)?;
        if s.user.count(i) >= steps[i].1.saturating_add(self.owner_repeats) {
            return None;
        }
        self.take_step(s, step)?;
        s.user.bump(i);
        Some(())
    }

    /// Has the owner taken `step` (one of the scenario's) in this run?
    fn taken(s: &State, step: Step) -> bool {
        s.scenario
            .owner_steps()
            .iter()
            .position(|(x, _)| *x == step)
            .is_some_and(|i| s.user.count(i) > 0)
    }

    fn take_step(&self, s: &mut State, step: Step) -> Option<()> {
        let now = self.now_secs(s);
        let rules = self.rules();
        match step {
            Step::StartLogin => {
                let i = s.server.open(SessionKind::Login, Party::User, rules).ok()?;
                s.user.login = Some(i);
            }
            Step::CardAuth => {
                let l = s.user.login.filter(|l| s.session_open(*l))?;
                if s.card.holder != Holder::Owner {
                    return None;
                }
                let nonce = s.nonce(l)?;
                let t = self.card_sign_right_pin(s, now, nonce)?;
                s.attacker.owner_sends(t);
            }
            Step::EnrolSe => {
                let l = s.user.login?;
                let person = s
                    .server
                    .enrol_se(l, Some(PhoneId::Old), Party::User, None, self.bugs)
                    .ok()?;
                s.saw(Happened::SeEnrolment {
                    session: l,
                    requester: Party::User,
                    person,
                });
                s.phone(PhoneId::Old).se.enrol_jpki();
            }
            Step::RequestRegister | Step::RequestRecover => {
                let parent = s.user.login?;
                let kind = if step == Step::RequestRegister {
                    SessionKind::Register { parent }
                } else {
                    SessionKind::Recover { parent }
                };
                let c = s.server.open(kind, Party::User, rules).ok()?;
                if step == Step::RequestRecover {
                    let account = s.session_account(c);
                    s.saw(Happened::Recovery {
                        parent,
                        account,
                        requester: Party::User,
                    });
                }
                s.user.child = Some(c);
            }
            Step::Attest(id) => {
                let c = s.user.child.filter(|c| s.session_open(*c))?;
                let nonce = s.nonce(c)?;
                let uv = self.owner_verify(s, id)?;
                let t = s.phone(id).se.make_credential(uv, nonce, Origin::Real);
                s.attacker.owner_sends(t);
            }
            Step::SeLogin | Step::FidoLogin(_) => {
                let l = s.user.login.filter(|l| s.session_open(*l))?;
                let nonce = s.nonce(l)?;
                let id = match step {
                    Step::FidoLogin(id) => id,
                    _ => PhoneId::Old,
                };
                let uv = self.owner_verify(s, id)?;
                let t = match step {
                    Step::SeLogin => {
                        let t = s.phone(id).se.jpki_sign(uv, nonce)?;
                        s.saw(Happened::OwnerJpkiSigned { phone: id });
                        t
                    }
                    _ => s.phone(id).se.get_assertion(uv, nonce, Origin::Real)?,
                };
                s.attacker.owner_sends(t);
            }
            Step::Pseudonym(svc) => {
                let l = s.user.login?;
                let value = s
                    .server
                    .issue_pseudonym(l, svc, Party::User, self.bugs)
                    .ok()?;
                s.saw(Happened::Pseudonym {
                    session: l,
                    service: svc,
                    value,
                    requester: Party::User,
                });
            }
            Step::Renew => {
                s.card.renew();
                s.server.renew(now, self.bugs);
                s.saw(Happened::Renewal);
            }
            // The owner, whose card a thief holds, gets a new card at the municipal office,
            // instead of reporting the loss, on the day the card went (the first clock point:
            // the new certificate's issue time would otherwise multiply the states by the
            // clock's length, and the old card's use after the reissue is what matters). J-LIS
            // issues the next certificate generation and revokes the old card's (a physical
            // event for the observer); the thief's card keeps the old generation.
            Step::Reissue => {
                if s.now != 0 || Config::taken(s, Step::ReportLoss) {
                    return None;
                }
                s.server.renew(now, self.bugs);
                s.saw(Happened::Renewal);
            }
            // Not a counted step (see `owner_unlocks`).
            Step::Unlock => return None,
            Step::MistypePin => {
                let l = s.user.login.filter(|l| s.session_open(*l))?;
                if s.card.holder != Holder::Owner {
                    return None;
                }
                let nonce = s.nonce(l)?;
                // The card's decision, whatever it is, is the observer's to judge.
                let accepted = match s
                    .card
                    .user_auth(&self.card_policy, now, Entry::Wrong, nonce)
                {
                    PinResult::Blocked => return None,
                    r => matches!(r, PinResult::Signed(_)),
                };
                s.saw(Happened::CardPin {
                    entry: Entry::Wrong,
                    accepted,
                });
            }
            // The office resets only a blocked PIN (the owner knows: the card said so).
            Step::InPersonReset => {
                if s.card.holder != Holder::Owner
                    || Card::open(&s.card.user_pin, &self.card_policy, now)
                {
                    return None;
                }
                s.card
                    .in_person_reset(self.bugs.has(Bug::ResetKeepsPinCounter));
                s.saw(Happened::InPersonReset);
            }
            // The owner holds the number's SIM until the carrier reassigns it (the server
            // refuses the code outside the baseline).
            Step::SmsLogin => {
                let l = s.user.login.filter(|l| s.session_open(*l))?;
                if s.attacker.has_number {
                    return None;
                }
                s.server.sms_login(l, Party::User, rules).ok()?;
                s.saw(Happened::SmsLogin {
                    session: l,
                    account: Person::A,
                });
            }
            Step::ScanKioskQr => {
                let k = s.kiosks[KioskId::Near.index()]
                    .showing
                    .filter(|k| s.session_open(*k))?;
                let t = self.answer_kiosk_qr(s, KioskId::Near, k)?;
                s.attacker.owner_sends(t);
            }
            Step::ShowPhoneQr => {
                let kind = SessionKind::PhoneQr {
                    kiosk: KioskId::Near,
                };
                let q = s.server.open(kind, Party::User, rules).ok()?;
                let nonce = s.nonce(q)?;
                let uv = self.owner_verify(s, PhoneId::Old)?;
                let t = s
                    .phone(PhoneId::Old)
                    .se
                    .get_assertion(uv, nonce, Origin::Real)?;
                s.user.qr = Some(t);
                s.attacker.learn(t);
            }
            Step::ReportLoss => {
                if Config::taken(s, Step::Reissue) {
                    return None;
                }
                if !self.bugs.has(Bug::ForgetLossReport) {
                    s.server.revoke(s.card.cert);
                }
                let cert = s.card.cert;
                s.saw(Happened::LossReported { cert });
            }
        }
        Some(())
    }

    /// The owner unlocks the old phone, as every day (`daily-use`, at any clock point): the
    /// biometric while it is open, else the lock-screen PIN.
    pub(crate) fn owner_unlocks(&self, s: &mut State) -> Option<()> {
        let before = s.phones[PhoneId::Old.index()].auth;
        self.owner_verify(s, PhoneId::Old)?;
        (s.phones[PhoneId::Old.index()].auth != before).then_some(())
    }

    /// The owner's phone answers a kiosk QR (after its proximity check).
    pub(crate) fn answer_kiosk_qr(
        &self,
        s: &mut State,
        kiosk: KioskId,
        session: u8,
    ) -> Option<Term> {
        if !kiosk::phone_accepts_qr(
            kiosk,
            self.bugs.has(Bug::SkipProximityCheck),
            s.attacker.relays_proximity,
            !self.bugs.has(Bug::ProximityNotDistanceBounding),
        ) {
            return None;
        }
        let nonce = s.nonce(session)?;
        let uv = self.owner_verify(s, PhoneId::Old)?;
        s.phone(PhoneId::Old)
            .se
            .get_assertion(uv, nonce, Origin::Real)
    }
}

/// `owner can recover` (issue 10), judged in every reachable state of the scenarios in
/// [`Scenario::OWNER_RECOVERS`] where the owner holds a card: the owner runs the recovery flow
/// from this state on an honest network (no one else acts) and the new phone then logs into the
/// owner's account; if the card's PIN is blocked, the flow fails as it stands and succeeds after
/// the in-person reset. The owner holds a card in `insider` and `renew` throughout (the thief in
/// `renew` has the phone), and in `stolen-card` from the reissue on: the new card the office
/// handed over, of the newest certificate generation (the thief keeps the old one). A card
/// whose certificate is no longer valid in truth (expired in `renew`'s five-year clock point,
/// or superseded) is renewed at the office first: a visit the owner can always make, and the
/// way back J-LIS offers (a renewal is ground truth for the observer, `Ghost::on_renewal`).
///
/// Why a reachability check from every state and not stateright's `eventually`: `eventually`
/// asks that every path reach the goal, but the owner may stop and the second person may act
/// forever, so it fails for reasons that are no defect; the property is "from every state some
/// path reaches it" (CTL AG EF), which stateright does not offer. The check exhibits one such
/// path, the owner's own flow, from each state: when it succeeds the goal is reachable (sound
/// for `holds`); a failure is reported as a counterexample ending in the state the flow could
/// not recover from.
pub fn owner_can_recover(c: &Config, s: &State) -> bool {
    if !Scenario::OWNER_RECOVERS.contains(&s.scenario) {
        return true;
    }
    // The flow's sessions lie beyond the exploration's session bound (a bound of the model).
    let mut free = c.clone();
    free.max_sessions = 32;
    let now = free.now_secs(s);
    // The newest certificate generation issued, in truth.
    let newest = s.ghost.cert_gens.max(1) - 1;
    let mut base = s.clone();
    if s.card.holder != Holder::Owner {
        if !(s.scenario == Scenario::StolenCard && Config::taken(s, Step::Reissue)) {
            return true;
        }
        base.card = Card::new(Holder::Owner);
        base.card.cert = newest;
    }
    if !base
        .ghost
        .cert_really_valid(base.card.cert, now, free.cert_validity_secs)
    {
        base.card.cert = newest;
        base.card.renew();
        base.server.renew(now, free.bugs);
        base.ghost
            .observe(Happened::Renewal, &free.at(now, s.scenario));
    }
    let mut t = base.clone();
    if Card::open(&base.card.user_pin, &free.card_policy, now) {
        return free.recovery_flow(&mut t).is_some();
    }
    if free.recovery_flow(&mut t).is_some() {
        return false;
    }
    let mut t = base;
    t.card
        .in_person_reset(free.bugs.has(Bug::ResetKeepsPinCounter));
    t.ghost
        .observe(Happened::InPersonReset, &free.at(now, s.scenario));
    free.recovery_flow(&mut t).is_some()
}

impl Config {
    /// The owner's recovery on the new phone (flow d), each message delivered as sent: a card
    /// login, a recovery under it, the new phone's attestation, a FIDO login with it. `Some`
    /// if the last login is authenticated by the new phone's key in the owner's account. If
    /// the new phone's credential is already live in the owner's account, the FIDO login alone.
    pub(crate) fn recovery_flow(&self, s: &mut State) -> Option<()> {
        let rules = self.rules();
        let now = self.now_secs(s);
        if s.server.account_of(Key::New, self.bugs) != Some(Person::A) {
            let l = s.server.open(SessionKind::Login, Party::User, rules).ok()?;
            let nonce = s.nonce(l)?;
            let sig = self.card_sign_right_pin(s, now, nonce)?;
            self.deliver(s, l, sig, Party::User).ok()?;
            let c = s
                .server
                .open(SessionKind::Recover { parent: l }, Party::User, rules)
                .ok()?;
            let nonce = s.nonce(c)?;
            let uv = self.owner_verify(s, PhoneId::New)?;
            let att = s
                .phone(PhoneId::New)
                .se
                .make_credential(uv, nonce, Origin::Real);
            self.deliver(s, c, att, Party::User).ok()?;
        }
        // A login refused for a stale counter is tried again: a clone of the key that signed
        // ahead of the phone (`Capability::KeyClone`) is passed by the phone's own counter, one
        // signature at a time (the server flags the key, WebAuthn L3 §6.1.1, and keeps it).
        let l = loop {
            let l = s.server.open(SessionKind::Login, Party::User, rules).ok()?;
            let nonce = s.nonce(l)?;
            let uv = self.owner_verify(s, PhoneId::New)?;
            let a = s
                .phone(PhoneId::New)
                .se
                .get_assertion(uv, nonce, Origin::Real)?;
            match self.deliver(s, l, a, Party::User) {
                Err(Reason::StaleCounter) => continue,
                r => r.ok()?,
            }
            break l;
        };
        let x = s.server.sessions.get(usize::from(l))?;
        (x.status
            == Status::Authenticated(Method::Fido {
                key: PhoneId::New.key(),
            })
            && x.account == Some(Person::A))
        .then_some(())
    }
}
