//! The whole system as one stateright [`Model`]: the configuration ([`Config`]), the state of
//! every actor ([`State`]) and the actions, each an actor and a verb ([`Action`]).
//!
//! The owner follows a script per scenario (the flows of DESIGN.md §1, in the seed's order);
//! the network, the kiosks and the attacker act at any time. Each scenario is one initial state:
//! - `enrol`: card login, SE enrolment (flow a), FIDO registration (b), JPKI login on the phone
//!   with the biometric (a), FIDO login (c), pseudonyms at two services (e); against a network
//!   attacker with its own sessions, a phishing origin and a clone of the phone's key.
//! - `renew`: card renewal, pseudonym after renewal, recovery on a new phone (d), login with
//!   it; the thief holds the old phone, unlocked.
//! - `kiosk`: login at a kiosk by QR in both directions (f); the attacker runs a remote kiosk and
//!   relays QRs.
//! - `stolen-phone`: a thief presents biometrics and guesses the lock-screen PIN over time.
//! - `stolen-card`: a thief guesses the card's PIN and signing password, power-cycles the card,
//!   and uses it if a guess is right; the owner reports the loss; the certificate expires.
//!
//! Time is an abstract clock: `Tick` moves to the next entry of the scenario's clock
//! ([`Config::clock_secs`] for the thefts, [`Config::owner_clock_secs`] for the owner's
//! scenarios), and the lockout automata, timers and certificate validity compare those seconds.

use crate::attacker::Attacker;
use crate::authenticator::{Authenticator, UserVerified};
use crate::biometric::{self, Outcome};
use crate::bugs::{Bug, Bugs};
use crate::card::{Card, Entry, Holder, PinResult};
use crate::crypto::{Origin, PhoneId, Term};
use crate::kiosk::{self, Kiosk, KioskId};
use crate::policy::{HOUR, Policy, builtin_named};
use crate::properties::{CATALOGUE, Ghost, Kind, Milestone};
use crate::secure_element::SecureElement;
use crate::server::{Binding, Party, Rules, Server, Service, SessionKind, Status};
use serde::Serialize;
use stateright::{Model, Property};
use std::fmt;

/// A scenario: who the attacker is and what the owner does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Scenario {
    Enrol,
    Renew,
    Kiosk,
    StolenPhone,
    StolenCard,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [
        Scenario::Enrol,
        Scenario::Renew,
        Scenario::Kiosk,
        Scenario::StolenPhone,
        Scenario::StolenCard,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Enrol => "enrol",
            Scenario::Renew => "renew",
            Scenario::Kiosk => "kiosk",
            Scenario::StolenPhone => "stolen-phone",
            Scenario::StolenCard => "stolen-card",
        }
    }

    /// The owner's script.
    pub fn script(self) -> &'static [Step] {
        use Step::*;
        match self {
            Scenario::Enrol => &[
                StartLogin,
                CardAuth,
                EnrolSe,
                RequestRegister,
                Attest(PhoneId::Old),
                StartLogin,
                SeLogin,
                StartLogin,
                FidoLogin(PhoneId::Old),
                Pseudonym(Service::A),
                Pseudonym(Service::B),
            ],
            Scenario::Renew => &[
                StartLogin,
                CardAuth,
                Pseudonym(Service::A),
                Renew,
                StartLogin,
                CardAuth,
                Pseudonym(Service::A),
                RequestRecover,
                Attest(PhoneId::New),
                StartLogin,
                FidoLogin(PhoneId::New),
            ],
            Scenario::Kiosk => &[ScanKioskQr, ShowPhoneQr],
            Scenario::StolenPhone => &[],
            Scenario::StolenCard => &[ReportLoss],
        }
    }

    /// Does the attacker open sessions of its own at the server?
    fn attacker_sessions(self) -> bool {
        matches!(
            self,
            Scenario::Enrol | Scenario::Renew | Scenario::StolenCard
        )
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One step of the owner's script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    /// Open a login session at the portal.
    StartLogin,
    /// Hold the card to the phone (NFC), type the PIN: the card signs the session's challenge.
    CardAuth,
    /// Have the SE's JPKI copy issued (needs the card-authenticated session).
    EnrolSe,
    /// Ask to register a FIDO credential in the card-authenticated session.
    RequestRegister,
    /// The phone creates its credential and attests it (after user verification).
    Attest(PhoneId),
    /// The SE's JPKI copy signs the login challenge (after user verification).
    SeLogin,
    /// The phone asserts the login challenge (after user verification).
    FidoLogin(PhoneId),
    /// The logged-in session passes the person's identifier to a service.
    Pseudonym(Service),
    /// Renew the card at the municipal office.
    Renew,
    /// Ask to recover in the card-authenticated session (revokes the old phone).
    RequestRecover,
    /// Scan the near kiosk's QR and answer it.
    ScanKioskQr,
    /// Show a QR for the near kiosk.
    ShowPhoneQr,
    /// Report the card lost: its certificate is revoked.
    ReportLoss,
}

/// What a kiosk does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum KioskVerb {
    /// Open a session and show its QR.
    ShowQr,
    /// Scan a phone's QR and present it.
    ScanQr(Term),
}

/// What the attacker does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum AttackerVerb {
    OpenLogin,
    RequestRegister { parent: u8 },
    Phish { session: u8 },
    CloneKey,
    CloneAssert { session: u8 },
    StolenPhoneAssert { session: u8 },
    StolenPhoneSeSign { session: u8 },
    RelayKioskQr,
    PresentBiometric(Outcome),
    GuessPhonePin(Entry),
    GuessCardPin(Entry),
    GuessSigningPassword(Entry),
    PowerCycleCard,
    CardSign { session: u8 },
}

/// An action: an actor and a verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Action {
    User(Step),
    Kiosk(KioskId, KioskVerb),
    /// The network delivers a term to a session.
    Deliver {
        session: u8,
        term: Term,
    },
    Attacker(AttackerVerb),
    Tick,
}

/// A phone: its secure element and its authenticator (with the biometric sensor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Phone {
    pub se: SecureElement,
    pub auth: Authenticator,
}

/// The owner's progress through the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct User {
    pub pc: u8,
    /// The current login session.
    pub login: Option<u8>,
    /// The current registration/recovery session.
    pub child: Option<u8>,
    /// The session whose answer the owner waits for before the next step.
    pub awaiting: Option<u8>,
    /// The QR the phone shows.
    pub qr: Option<Term>,
}

/// The state of the whole system.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct State {
    pub scenario: Scenario,
    /// Index into [`Config::clock_secs`].
    pub now: u8,
    pub user: User,
    pub card: Card,
    pub phones: [Phone; 2],
    pub server: Server,
    pub kiosks: [Kiosk; 2],
    pub attacker: Attacker,
    pub ghost: Ghost,
}

/// The model: which scenarios, which policies, which bugs, and the bounds.
#[derive(Debug, Clone)]
pub struct Config {
    pub scenarios: Vec<Scenario>,
    pub bugs: Bugs,
    /// The phone's unlock policy (biometric + lock-screen PIN).
    pub phone_policy: Policy,
    /// The card's user-auth PIN policy.
    pub card_policy: Policy,
    /// The card's signing-password policy.
    pub signing_policy: Policy,
    /// The abstract clock of the theft scenarios: tick `i` is `clock_secs[i]` seconds; strictly
    /// increasing from 0.
    pub clock_secs: Vec<u64>,
    /// The clock of the owner's scenarios (`enrol`, `renew`, `kiosk`), where the 30 s lockouts
    /// play no part: only the points past the idle, primary and certificate timers.
    pub owner_clock_secs: Vec<u64>,
    /// Validity of a user-auth certificate.
    pub cert_validity_secs: u64,
    /// Sessions the attacker may open.
    pub attacker_sessions: u8,
    /// Sessions the server opens in one run (a bound that only matters under bug switches).
    pub max_sessions: u8,
    /// Attempts a thief may make at a stolen device (only binds when a bug breaks a lockout).
    pub attempt_cap: u8,
}

/// A configuration that cannot be checked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("unknown built-in policy `{0}`")]
    UnknownPolicy(String),
    #[error("the clock must start at 0, increase strictly and have at most 16 points: {0:?}")]
    Clock(Vec<u64>),
    #[error("max_sessions = {0} is outside 1..=32")]
    Sessions(u8),
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
}

/// Five years, the validity of a JPKI certificate (to the 5th birthday after issue; 5 * 365 days
/// here).
pub const FIVE_YEARS: u64 = 5 * 365 * 24 * HOUR;

impl Config {
    /// The default configuration: every scenario, Android class 3 on the phone, the JPKI card.
    /// The clock has the points where some timer changes its verdict: 0, 30 s, 60 s and 90 s
    /// (each 30 s biometric lockout ends, so all 3 timed lockouts and the 20-failure limit are
    /// reachable), 5 h (past the 4 h idle timeout), 73 h (past the 72 h primary timeout) and
    /// five years and a day (past certificate expiry).
    pub fn new() -> Result<Config, ConfigError> {
        Config::with_phone_policy("android-class3")
    }

    /// The default with another built-in phone policy.
    pub fn with_phone_policy(name: &str) -> Result<Config, ConfigError> {
        let named = |n: &str| builtin_named(n).ok_or_else(|| ConfigError::UnknownPolicy(n.into()));
        let config = Config {
            scenarios: Scenario::ALL.to_vec(),
            bugs: Bugs::NONE,
            phone_policy: named(name)?,
            card_policy: named("card-pin")?,
            signing_policy: named("jpki-signing")?,
            clock_secs: vec![0, 30, 60, 90, 5 * HOUR, 73 * HOUR, FIVE_YEARS + 24 * HOUR],
            owner_clock_secs: vec![0, 5 * HOUR, 73 * HOUR, FIVE_YEARS + 24 * HOUR],
            cert_validity_secs: FIVE_YEARS,
            attacker_sessions: 1,
            max_sessions: 8,
            attempt_cap: 24,
        };
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        for c in [&self.clock_secs, &self.owner_clock_secs] {
            if c.first() != Some(&0) || c.windows(2).any(|w| w[0] >= w[1]) || c.len() > 16 {
                return Err(ConfigError::Clock(c.clone()));
            }
        }
        if !(1..=32).contains(&self.max_sessions) {
            return Err(ConfigError::Sessions(self.max_sessions));
        }
        for p in [&self.phone_policy, &self.card_policy, &self.signing_policy] {
            p.validate()?;
        }
        Ok(())
    }

    pub fn with_bug(mut self, bug: Bug) -> Config {
        self.bugs = self.bugs.with(bug);
        self
    }

    /// Only these scenarios.
    pub fn only(mut self, scenarios: &[Scenario]) -> Config {
        self.scenarios = scenarios.to_vec();
        self
    }

    /// The clock of a scenario.
    pub fn clock(&self, scenario: Scenario) -> &[u64] {
        match scenario {
            Scenario::StolenPhone | Scenario::StolenCard => &self.clock_secs,
            _ => &self.owner_clock_secs,
        }
    }

    /// The time of a state in seconds.
    pub fn now_secs(&self, s: &State) -> u64 {
        self.clock(s.scenario)
            .get(usize::from(s.now))
            .copied()
            .unwrap_or(u64::MAX)
    }

    /// The server's rules (bugs, certificate validity), for replaying a trace.
    pub fn rules_for_trace(&self) -> Rules {
        self.rules()
    }

    fn rules(&self) -> Rules {
        Rules {
            bugs: self.bugs,
            cert_validity_secs: self.cert_validity_secs,
            max_sessions: self.max_sessions,
        }
    }

    fn limit(policy: &Policy) -> u64 {
        policy
            .pin
            .as_ref()
            .and_then(|p| p.max_tries)
            .map_or(u64::MAX, u64::from)
    }

    /// The initial state of a scenario.
    pub fn init(&self, scenario: Scenario) -> State {
        let phone = |id| Phone {
            se: SecureElement::new(id),
            auth: Authenticator::new(),
        };
        let mut s = State {
            scenario,
            now: 0,
            user: User::default(),
            card: Card {
                right_pin_when_blocked: self.bugs.has(Bug::BlockedCardTakesRightPin),
                ..Card::new(Holder::Owner)
            },
            phones: [phone(PhoneId::Old), phone(PhoneId::New)],
            server: Server::new(),
            kiosks: [Kiosk::default(); 2],
            attacker: Attacker::default(),
            ghost: Ghost::default(),
        };
        let registered = |s: &mut State| {
            let old = &mut s.phones[PhoneId::Old.index()].se;
            old.jpki = true;
            old.credential = Some(PhoneId::Old.key());
            s.server.se_valid[PhoneId::Old.index()] = true;
            s.server.bindings.push(Binding {
                key: PhoneId::Old.key(),
                cert: 0,
                live: true,
            });
            s.ghost.live = PhoneId::Old.key().bit();
        };
        match scenario {
            Scenario::Enrol => {}
            Scenario::Renew => {
                registered(&mut s);
                s.phones[PhoneId::Old.index()].auth.unlocked_by_thief = true;
            }
            Scenario::Kiosk => registered(&mut s),
            Scenario::StolenPhone => {}
            Scenario::StolenCard => s.card.holder = Holder::Attacker,
        }
        s
    }
}

impl State {
    fn session_open(&self, s: u8) -> bool {
        self.server
            .sessions
            .get(usize::from(s))
            .is_some_and(|x| x.status == Status::Open)
    }

    fn nonce(&self, s: u8) -> Option<u8> {
        self.server.sessions.get(usize::from(s)).map(|x| x.nonce)
    }

    /// Open login sessions of a party.
    fn open_logins(&self, party: Party) -> impl Iterator<Item = u8> + '_ {
        (0u8..)
            .zip(&self.server.sessions)
            .filter_map(move |(i, x)| {
                (x.opener == party && x.kind == SessionKind::Login && x.status == Status::Open)
                    .then_some(i)
            })
    }

    fn phone(&mut self, id: PhoneId) -> &mut Phone {
        &mut self.phones[id.index()]
    }
}

impl Config {
    /// The owner verifies on a phone: biometric or lock-screen PIN per the phone's automaton.
    /// `Some((token, by_pin))`: verified, by the lock-screen PIN rather than the biometric.
    fn owner_verify_how(&self, s: &mut State, id: PhoneId) -> Option<(UserVerified, bool)> {
        let now = self.now_secs(s);
        let auth = &mut s.phones[id.index()].auth;
        let by_pin =
            !biometric::takes_presentation(&auth.lockout, &self.phone_policy, now, Bugs::NONE);
        let uv = auth.owner_verify(&self.phone_policy, now)?;
        if by_pin {
            s.ghost.reach(Milestone::OwnerPinFallback);
        }
        Some((uv, by_pin))
    }

    fn owner_verify(&self, s: &mut State, id: PhoneId) -> Option<UserVerified> {
        self.owner_verify_how(s, id).map(|(uv, _)| uv)
    }

    /// Run the owner's next step, if its precondition holds.
    /// Whoever holds the card enters the right PIN and the card signs `nonce`; the observer
    /// records the PIN entry. `None` if the card refuses (blocked, or no such challenge).
    fn card_sign_right_pin(&self, s: &mut State, now: u64, nonce: u8) -> Option<Term> {
        let PinResult::Signed(t) = s
            .card
            .user_auth(&self.card_policy, now, Entry::Right, nonce)
        else {
            return None;
        };
        s.ghost
            .on_card_pin(Entry::Right, Config::limit(&self.card_policy));
        Some(t)
    }

    fn user_step(&self, s: &mut State, step: Step) -> Option<()> {
        if let Some(a) = s.user.awaiting
            && s.session_open(a)
        {
            return None;
        }
        s.user.awaiting = None;
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
                s.attacker.learn(t);
                s.user.awaiting = Some(l);
            }
            Step::EnrolSe => {
                let l = s.user.login?;
                s.server.enrol_se(l, PhoneId::Old).ok()?;
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
                    s.ghost.on_recovery(parent);
                }
                s.user.child = Some(c);
            }
            Step::Attest(id) => {
                let c = s.user.child.filter(|c| s.session_open(*c))?;
                let nonce = s.nonce(c)?;
                let uv = self.owner_verify(s, id)?;
                let t = s.phone(id).se.make_credential(uv, nonce, Origin::Real);
                s.attacker.learn(t);
                s.user.awaiting = Some(c);
            }
            Step::SeLogin | Step::FidoLogin(_) => {
                let l = s.user.login.filter(|l| s.session_open(*l))?;
                let nonce = s.nonce(l)?;
                let id = match step {
                    Step::FidoLogin(id) => id,
                    _ => PhoneId::Old,
                };
                let (uv, by_pin) = self.owner_verify_how(s, id)?;
                let t = match step {
                    Step::SeLogin if !by_pin => {
                        s.ghost.reach(Milestone::SeSignedAfterBiometric);
                        s.phone(id).se.jpki_sign(uv, nonce)?
                    }
                    Step::SeLogin => s.phone(id).se.jpki_sign(uv, nonce)?,
                    _ => s.phone(id).se.get_assertion(uv, nonce, Origin::Real)?,
                };
                s.attacker.learn(t);
                s.user.awaiting = Some(l);
            }
            Step::Pseudonym(svc) => {
                let l = s.user.login?;
                s.server.issue_pseudonym(l, svc, self.bugs).ok()?;
            }
            Step::Renew => {
                s.ghost.on_renewal(now);
                s.card.renew();
                s.server.renew(now);
            }
            Step::ScanKioskQr => {
                let k = s.kiosks[KioskId::Near.index()]
                    .showing
                    .filter(|k| s.session_open(*k))?;
                let t = self.answer_kiosk_qr(s, KioskId::Near, k)?;
                s.attacker.learn(t);
                s.user.awaiting = Some(k);
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
                s.user.awaiting = Some(q);
            }
            Step::ReportLoss => {
                s.ghost.on_loss_reported(s.card.cert);
                s.server.revoke_current();
            }
        }
        s.user.pc += 1;
        Some(())
    }

    /// The owner's phone answers a kiosk QR (after its proximity check).
    fn answer_kiosk_qr(&self, s: &mut State, kiosk: KioskId, session: u8) -> Option<Term> {
        if !kiosk::phone_accepts_qr(kiosk, self.bugs.has(Bug::SkipProximityCheck)) {
            return None;
        }
        let nonce = s.nonce(session)?;
        let uv = self.owner_verify(s, PhoneId::Old)?;
        s.phone(PhoneId::Old)
            .se
            .get_assertion(uv, nonce, Origin::Real)
    }

    /// The network delivers `term` to session `session`.
    fn deliver(&self, s: &mut State, session: u8, term: Term) -> Option<()> {
        let now = self.now_secs(s);
        let before = s.server.clone();
        // Ground truth for the observer, from the physical world (renewals, loss reports, the
        // issue times), never from J-LIS's records: was the card certificate really valid?
        let cert_valid = match term {
            Term::CardSig { cert, .. } => {
                s.ghost
                    .cert_really_valid(cert, now, self.cert_validity_secs)
            }
            _ => true,
        };
        match s.server.receive(session, term, now, self.rules()) {
            Ok(()) => {
                s.ghost.on_accept(&before, session, term, cert_valid);
                Some(())
            }
            // A refusal that flagged a key still changes the state.
            Err(_) => (s.server != before).then_some(()),
        }
    }

    fn attacker_step(&self, s: &mut State, verb: AttackerVerb) -> Option<()> {
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
            AttackerVerb::Phish { session } => {
                let nonce = s.nonce(session)?;
                let uv = self.owner_verify(s, PhoneId::Old)?;
                let t = s
                    .phone(PhoneId::Old)
                    .se
                    .get_assertion(uv, nonce, Origin::Phish)?;
                s.attacker.learn(t);
                s.attacker.phished = true;
            }
            AttackerVerb::CloneKey => {
                let se = s.phones[PhoneId::Old.index()].se;
                se.credential?;
                s.attacker.clone_ctr = Some(se.ctr);
            }
            AttackerVerb::CloneAssert { session } => {
                let nonce = s.nonce(session)?;
                let ctr = s.attacker.clone_ctr?.saturating_add(1);
                s.attacker.clone_ctr = Some(ctr);
                s.attacker.mark_answered(session);
                s.attacker.learn(Term::Assertion {
                    key: PhoneId::Old.key(),
                    nonce,
                    origin: Origin::Real,
                    ctr,
                });
            }
            AttackerVerb::StolenPhoneAssert { session }
            | AttackerVerb::StolenPhoneSeSign { session } => {
                let nonce = s.nonce(session)?;
                let uv = s.phones[PhoneId::Old.index()].auth.thief_verify()?;
                let se = &mut s.phone(PhoneId::Old).se;
                let t = match verb {
                    AttackerVerb::StolenPhoneAssert { .. } => {
                        se.get_assertion(uv, nonce, Origin::Real)?
                    }
                    _ => se.jpki_sign(uv, nonce)?,
                };
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
            AttackerVerb::PresentBiometric(outcome) => {
                let auth = s.phones[PhoneId::Old.index()].auth;
                if cap(0, None)
                    || !biometric::takes_presentation(
                        &auth.lockout,
                        &self.phone_policy,
                        now,
                        self.bugs,
                    )
                {
                    return None;
                }
                s.ghost.on_presentation(
                    self.phone_policy.biometric.as_ref(),
                    now,
                    outcome == Outcome::Match,
                );
                let a = &mut s.phone(PhoneId::Old).auth;
                if a.present(&self.phone_policy, now, outcome).is_some() {
                    a.unlocked_by_thief = true;
                }
                s.attacker.attempts[0] += 1;
            }
            AttackerVerb::GuessPhonePin(entry) => {
                let auth = s.phones[PhoneId::Old.index()].auth;
                if cap(1, None) || !auth.pin_open(&self.phone_policy, now, self.bugs) {
                    return None;
                }
                let throttle = self.phone_policy.pin.as_ref().map(|p| &p.throttle);
                s.ghost.on_phone_pin(throttle, now, entry);
                let a = &mut s.phone(PhoneId::Old).auth;
                if a.enter_pin(&self.phone_policy, now, entry).is_some() {
                    a.unlocked_by_thief = true;
                }
                s.attacker.attempts[1] += 1;
            }
            AttackerVerb::GuessCardPin(entry) => {
                if cap(0, Some(&self.card_policy)) {
                    return None;
                }
                match s.card.verify_user_pin(&self.card_policy, now, entry) {
                    PinResult::Blocked => return None,
                    PinResult::Accepted => s.attacker.knows_card_pin = true,
                    _ => {}
                }
                s.ghost.on_card_pin(entry, Config::limit(&self.card_policy));
                s.attacker.attempts[0] += 1;
            }
            AttackerVerb::GuessSigningPassword(entry) => {
                let unlimited = self.bugs.has(Bug::UnlimitedSigningPassword);
                if cap(1, Some(&self.signing_policy)) {
                    return None;
                }
                match s
                    .card
                    .signing_password(&self.signing_policy, now, entry, unlimited)
                {
                    PinResult::Blocked => return None,
                    PinResult::Accepted => s.ghost.reach(Milestone::SigningPasswordAccepted),
                    _ => {}
                }
                s.ghost
                    .on_signing_password(entry, Config::limit(&self.signing_policy));
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
            AttackerVerb::CardSign { session } => {
                let nonce = s.nonce(session)?;
                let t = self.card_sign_right_pin(s, now, nonce)?;
                s.attacker.mark_answered(session);
                s.attacker.learn(t);
            }
        }
        Some(())
    }

    fn kiosk_step(&self, s: &mut State, kiosk: KioskId, verb: KioskVerb) -> Option<()> {
        match verb {
            KioskVerb::ShowQr => {
                let k = s
                    .server
                    .open(
                        SessionKind::Kiosk { kiosk },
                        Party::Kiosk(kiosk),
                        self.rules(),
                    )
                    .ok()?;
                s.kiosks[kiosk.index()].showing = Some(k);
            }
            KioskVerb::ScanQr(t) => {
                let before = s.server.clone();
                match s.server.present_qr(kiosk, t, self.rules()) {
                    Ok(q) => {
                        s.ghost.on_accept(&before, q, t, true);
                        s.ghost.on_qr_login(kiosk);
                    }
                    Err(_) if s.server != before => {}
                    Err(_) => return None,
                }
            }
        }
        Some(())
    }

    /// The attacker's verbs enabled in a state.
    fn attacker_actions(&self, s: &State, out: &mut Vec<Action>) {
        let a = &s.attacker;
        let mut push = |v| out.push(Action::Attacker(v));
        let sc = s.scenario;
        if sc.attacker_sessions() && a.sessions_opened < self.attacker_sessions {
            push(AttackerVerb::OpenLogin);
        }
        // Two registrations are enough to show a card authentication used twice.
        let registrations = s
            .server
            .sessions
            .iter()
            .filter(|x| {
                x.opener == Party::Attacker && matches!(x.kind, SessionKind::Register { .. })
            })
            .count();
        // Any session may be named as the parent; the server checks opener, kind and status.
        if sc.attacker_sessions() && registrations < 2 {
            for p in (0u8..).take(s.server.sessions.len()) {
                push(AttackerVerb::RequestRegister { parent: p });
            }
        }
        let old = &s.phones[PhoneId::Old.index()];
        match sc {
            Scenario::Enrol => {
                let has_cred = old.se.credential.is_some();
                for l in s.open_logins(Party::Attacker) {
                    if has_cred && !a.phished {
                        push(AttackerVerb::Phish { session: l });
                    }
                    if a.clone_ctr.is_some() && !a.answered(l) {
                        push(AttackerVerb::CloneAssert { session: l });
                    }
                }
                if has_cred && a.clone_ctr.is_none() {
                    push(AttackerVerb::CloneKey);
                }
            }
            Scenario::Renew => {
                for l in s.open_logins(Party::Attacker) {
                    if !a.answered(l) {
                        push(AttackerVerb::StolenPhoneAssert { session: l });
                        push(AttackerVerb::StolenPhoneSeSign { session: l });
                    }
                }
            }
            Scenario::Kiosk => {
                if !a.relayed_qr && s.kiosks[KioskId::Remote.index()].showing.is_some() {
                    push(AttackerVerb::RelayKioskQr);
                }
            }
            Scenario::StolenPhone => {
                if !old.auth.unlocked_by_thief {
                    push(AttackerVerb::PresentBiometric(Outcome::NoMatch));
                    push(AttackerVerb::PresentBiometric(Outcome::Match));
                    push(AttackerVerb::GuessPhonePin(Entry::Wrong));
                    push(AttackerVerb::GuessPhonePin(Entry::Right));
                }
            }
            Scenario::StolenCard => {
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
    }
}

impl Default for Config {
    /// The default configuration ([`Config::new`]); the built-in policies it names exist.
    fn default() -> Self {
        match Config::new() {
            Ok(c) => c,
            Err(e) => panic!("built-in configuration is invalid: {e}"),
        }
    }
}

impl Model for Config {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        self.scenarios.iter().map(|sc| self.init(*sc)).collect()
    }

    fn actions(&self, s: &State, out: &mut Vec<Action>) {
        if let Some(step) = s.scenario.script().get(usize::from(s.user.pc)) {
            out.push(Action::User(*step));
        }
        if s.scenario == Scenario::Kiosk {
            for k in KioskId::ALL {
                if s.kiosks[k.index()].showing.is_none() {
                    out.push(Action::Kiosk(k, KioskVerb::ShowQr));
                }
            }
            if let Some(t) = s.user.qr {
                out.push(Action::Kiosk(KioskId::Near, KioskVerb::ScanQr(t)));
            }
            // The attacker may show the remote kiosk any term it knows; the server decides.
            for t in &s.attacker.knows {
                out.push(Action::Kiosk(KioskId::Remote, KioskVerb::ScanQr(*t)));
            }
        }
        let sendable = s.attacker.sendable(&s.server);
        // Any term to any session, in any status and of any kind: only the server's checks
        // refuse (a refused delivery that changes nothing is not a step).
        for i in (0u8..).take(s.server.sessions.len()) {
            for t in &sendable {
                out.push(Action::Deliver {
                    session: i,
                    term: *t,
                });
            }
        }
        self.attacker_actions(s, out);
        if usize::from(s.now) + 1 < self.clock(s.scenario).len() {
            out.push(Action::Tick);
        }
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let mut s = last.clone();
        match action {
            Action::User(step) => self.user_step(&mut s, step)?,
            Action::Kiosk(k, verb) => self.kiosk_step(&mut s, k, verb)?,
            Action::Deliver { session, term } => self.deliver(&mut s, session, term)?,
            Action::Attacker(verb) => self.attacker_step(&mut s, verb)?,
            Action::Tick => {
                s.now += 1;
                s.card.time_passes(self.bugs.has(Bug::CardUnblocksOverTime));
            }
        }
        Some(s)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        CATALOGUE
            .iter()
            .map(|p| match p.kind {
                Kind::Always => Property::always(p.name, p.condition),
                Kind::Sometimes => Property::sometimes(p.name, p.condition),
            })
            .collect()
    }

    fn format_action(&self, action: &Action) -> String {
        let (actor, verb, message) = describe(action);
        if message.is_empty() {
            format!("{actor}: {verb}")
        } else {
            format!("{actor}: {verb} {message}")
        }
    }
}

/// An action as (actor, action, message) for traces.
pub fn describe(action: &Action) -> (String, String, String) {
    let s = |x: &str| x.to_string();
    match *action {
        Action::User(step) => (s("owner"), format!("{step:?}"), String::new()),
        Action::Kiosk(k, KioskVerb::ShowQr) => (format!("kiosk {k:?}"), s("ShowQr"), String::new()),
        Action::Kiosk(k, KioskVerb::ScanQr(t)) => {
            (format!("kiosk {k:?}"), s("ScanQr"), t.to_string())
        }
        Action::Deliver { session, term } => (
            s("network"),
            format!("Deliver to session {session}"),
            term.to_string(),
        ),
        Action::Attacker(v) => (s("attacker"), format!("{v:?}"), String::new()),
        Action::Tick => (s("clock"), s("Tick"), String::new()),
    }
}
