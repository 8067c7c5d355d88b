//! The whole system as one stateright [`Model`]: the configuration ([`Config`]), the state of
//! every actor ([`State`]) and the actions, each an actor and a verb ([`Action`]). The owner's
//! verbs are in [`crate::owner`], the attacker's in [`crate::attacker`]; this module composes
//! them with the network's deliveries, the kiosks and the clock.
//!
//! The owner takes the steps of the scenario's flows (DESIGN.md §1) in any order, each up to a
//! bound ([`Scenario::owner_steps`]); the network, the kiosks and the attacker act at any time.
//! Each scenario is one initial state:
//! - `enrol`: card login, SE enrolment (flow a), FIDO registration (b), JPKI login on the phone
//!   with the biometric (a), FIDO login (c), pseudonyms at two services (e); against a network
//!   attacker with its own sessions, a phishing origin and a clone of the phone's key.
//! - `renew`: card renewal, pseudonym after renewal, recovery on a new phone (d), login with
//!   it; the thief holds the old phone, unlocked.
//! - `kiosk`: login at a kiosk by QR in both directions (f); the attacker runs a remote kiosk and
//!   relays QRs.
//! - `stolen-phone`: a thief presents biometrics and guesses the lock-screen PIN over time.
//! - `stolen-phone-pin-known`: a thief who saw the lock-screen PIN typed holds the registered
//!   phone, enrols its own biometric and tries the SE's keys with it (issue 16).
//! - `insider` (issue 10): a second person `B`, with a valid card, an authenticator and an
//!   account of their own, attacks the enrolled owner `A`'s account: registers `A`'s credential
//!   (its ID and public key, which are public) to `B`'s account, names `A`'s account in a
//!   registration or recovery authenticated by `B`'s card, asks for identifiers at both
//!   services; the owner logs in, asks for an identifier, mistypes the card PIN and has it reset
//!   in person. In the SMS baseline (`Config::sms_baseline`) the owner's cancelled phone number
//!   is reassigned to `B`. `owner can recover` is judged in every state of it.
//! - `stolen-iphone`: `stolen-phone` on a phone with Apple's policy (`touch-id`: 5 failed
//!   matches, then the passcode; escalating passcode delays), on a clock of its own
//!   ([`Config::apple_clock_secs`]), so that Apple's rows are judged as well (issue 9).
//! - `stolen-card`: a thief guesses the card's PIN and signing password, power-cycles the card,
//!   and uses it if a guess is right; the owner reports the loss; the certificate expires.
//!
//! Time is an abstract clock: `Tick` moves to the next entry of the scenario's clock
//! ([`Config::clock_secs`] for the thefts, [`Config::owner_clock_secs`] for the owner's
//! scenarios), and the lockout automata, timers and certificate validity compare those seconds.

use crate::attacker::Attacker;
use crate::authenticator::Authenticator;
use crate::biometric::Outcome;
use crate::bugs::{Bug, Bugs};
use crate::card::{Card, Entry, Holder, PinResult};
use crate::crypto::{Key, PhoneId, Term};
use crate::events::{Happened, Pending};
use crate::kiosk::{Kiosk, KioskId};
pub use crate::owner::{Owner, Step};
use crate::policy::{HOUR, Policy, Throttle, builtin_named};
use crate::properties::{At, CATALOGUE, Ghost, Kind};
use crate::secure_element::SecureElement;
use crate::server::{Binding, Party, Reason, Rules, Server, Service, SessionKind, Status};
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
    DailyUse,
    StolenPhonePinKnown,
    Insider,
    StolenIphone,
    StolenBoth,
}

impl Scenario {
    /// The scenarios where `owner can recover` is judged (issue 10): a second person who may
    /// start a recovery (`insider`), a stolen phone with the card still in the owner's hands
    /// (`renew`), and a stolen card that the owner replaces (`stolen-card`, from the reissue on).
    pub const OWNER_RECOVERS: [Scenario; 3] =
        [Scenario::Insider, Scenario::Renew, Scenario::StolenCard];

    pub const ALL: [Scenario; 10] = [
        Scenario::Enrol,
        Scenario::Renew,
        Scenario::Kiosk,
        Scenario::StolenPhone,
        Scenario::StolenCard,
        Scenario::DailyUse,
        Scenario::StolenPhonePinKnown,
        Scenario::Insider,
        Scenario::StolenIphone,
        Scenario::StolenBoth,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Enrol => "enrol",
            Scenario::Renew => "renew",
            Scenario::Kiosk => "kiosk",
            Scenario::StolenPhone => "stolen-phone",
            Scenario::StolenCard => "stolen-card",
            Scenario::DailyUse => "daily-use",
            Scenario::StolenPhonePinKnown => "stolen-phone-pin-known",
            Scenario::Insider => "insider",
            Scenario::StolenIphone => "stolen-iphone",
            Scenario::StolenBoth => "stolen-both",
        }
    }

    /// The phone the owner uses: in `renew` the new one (the thief holds the old).
    pub fn owner_phone(self) -> PhoneId {
        if self == Scenario::Renew {
            PhoneId::New
        } else {
            PhoneId::Old
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
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
    RequestRegister {
        parent: u8,
    },
    /// A recovery session of the attacker's own under session `parent` (the server checks the
    /// parent's opener, kind and card authentication).
    RequestRecover {
        parent: u8,
    },
    Phish {
        session: u8,
    },
    CloneKey,
    CloneAssert {
        session: u8,
    },
    StolenPhoneAssert {
        session: u8,
    },
    /// The stolen phone's second credential ([`crate::crypto::Key::Old2`], `renew`).
    StolenPhoneAssertSecond {
        session: u8,
    },
    StolenPhoneSeSign {
        session: u8,
    },
    RelayKioskQr,
    /// `kiosk`: a phone-QR session of the attacker's own, bound to a kiosk (the server cannot
    /// tell who opens one: the session is an unauthenticated request naming a kiosk).
    OpenPhoneQr {
        kiosk: KioskId,
    },
    /// `kiosk`: the remote kiosk's screen shows the challenge of the attacker's own phone-QR
    /// session `session`, relayed to the owner as the remote kiosk's QR.
    RelayOwnQr {
        session: u8,
    },
    /// A relay device near the owner's phone forwards the remote kiosk's proximity channel.
    RelayProximity,
    /// The thief enrols its own biometric on the stolen phone with the lock-screen PIN.
    EnrolBiometric,
    PresentBiometric(Outcome),
    GuessPhonePin(Entry),
    GuessCardPin(Entry),
    GuessSigningPassword(Entry),
    PowerCycleCard,
    CardSign {
        session: u8,
    },
    /// Ask J-LIS for a JPKI copy on the phone the attacker holds, in a session.
    EnrolSe {
        session: u8,
    },
    /// Ask that a session pass the person's identifier to a service.
    RequestPseudonym {
        session: u8,
        service: Service,
    },
    /// `insider`: the second person's own card signs the challenge of a login session it
    /// opened (its own PIN, typed at its own reader).
    InsiderCardSign {
        session: u8,
    },
    /// `insider`: ask for a registration under login `parent`, naming the owner's account.
    RegisterForOwner {
        parent: u8,
    },
    /// `insider`: ask for a recovery under login `parent`, naming the owner's account.
    RecoverForOwner {
        parent: u8,
    },
    /// `insider`: ask J-LIS, in session `session`, for a JPKI copy of the owner onto the second
    /// person's own phone (outside the model).
    EnrolSeForOwner {
        session: u8,
    },
    /// `insider`: the carrier reassigns the owner's cancelled phone number to the second person
    /// (a physical event).
    GetReassignedNumber,
    /// The SMS baseline: type the one-time code the number's SIM received into a login session.
    SmsLogin {
        session: u8,
    },
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

/// The state of the whole system.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct State {
    pub scenario: Scenario,
    /// Index into [`Config::clock_secs`].
    pub now: u8,
    pub user: Owner,
    pub card: Card,
    pub phones: [Phone; 2],
    pub server: Server,
    pub kiosks: [Kiosk; 2],
    pub attacker: Attacker,
    pub ghost: Ghost,
    /// The physical events of the step being taken, for the observer (empty between steps).
    pub events: Pending,
}

/// The model: which scenarios, which policies, which bugs, and the bounds.
#[derive(Debug, Clone)]
pub struct Config {
    pub scenarios: Vec<Scenario>,
    pub bugs: Bugs,
    /// The phone's unlock policy (biometric + lock-screen PIN).
    pub phone_policy: Policy,
    /// The stolen phone's policy in `stolen-iphone` (`touch-id`; `face-id` differs from it
    /// only in its FAR, a probability the model does not see: a match is nondeterministic).
    pub apple_phone_policy: Policy,
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
    /// The clock of `daily-use`: the owner may unlock at every point (see [`Config::new`]).
    pub daily_clock_secs: Vec<u64>,
    /// The clock of `stolen-iphone` (see [`Config::new`]).
    pub apple_clock_secs: Vec<u64>,
    /// Validity of a user-auth certificate.
    pub cert_validity_secs: u64,
    /// Sessions the attacker may open.
    pub attacker_sessions: u8,
    /// Sessions the server opens in one run (a bound that only matters under bug switches).
    pub max_sessions: u8,
    /// Attempts a thief may make at a stolen device (only binds when a bug breaks a lockout).
    pub attempt_cap: u8,
    /// Times the owner may take each step beyond what its flows need (0 in the default;
    /// `check --deep` raises it).
    pub owner_repeats: u8,
    /// Every attacker capability wherever its precondition holds, combined
    /// (`model check --every-capability`; [`crate::attacker::Capability`]), not only the
    /// default's cells.
    pub every_capability: bool,
    /// The seed's SMS baseline (§2-1): accounts keyed by a phone number, logged in by a
    /// one-time code sent to it (`model check --sms-baseline`; the checker must find the
    /// takeover after the number is reassigned).
    pub sms_baseline: bool,
}

/// A configuration that cannot be checked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("unknown built-in policy `{0}`")]
    UnknownPolicy(String),
    #[error("the clock must start at 0, increase strictly and have at most 32 points: {0:?}")]
    Clock(Vec<u64>),
    #[error("max_sessions = {0} is outside 1..=32")]
    Sessions(u8),
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
}

/// The gap between the points of `daily-use`'s clock: 3.9 h, under the 4 h idle timeout.
pub const DAILY_GAP_SECS: u64 = 39 * HOUR / 10;

/// Five years, the validity of a JPKI certificate (to the 5th birthday after issue; 5 * 365 days
/// here).
pub const FIVE_YEARS: u64 = 5 * 365 * 24 * HOUR;

impl Config {
    /// The default configuration: every scenario, Android class 3 on the phone, the JPKI card.
    /// The clock has the points where some timer changes its verdict: 0, 30 s, 60 s and 90 s
    /// (each 30 s biometric lockout ends, so all 3 timed lockouts and the 20-failure limit are
    /// reachable), 120 s (the 30 s lockout after the 20th failure ends before the 4 h idle
    /// timeout: only the 20-failure limit still refuses a 21st presentation, so a limit off by
    /// one shows; found by `model/mutants.sh`, `<` -> `<=` in `Lockout::biometric_open`), 5 h (past the 4 h idle timeout), 73 h (past the 72 h primary timeout) and
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
            apple_phone_policy: named("touch-id")?,
            card_policy: named("card-pin")?,
            signing_policy: named("jpki-signing")?,
            clock_secs: vec![
                0,
                30,
                60,
                90,
                120,
                5 * HOUR,
                73 * HOUR,
                FIVE_YEARS + 24 * HOUR,
            ],
            owner_clock_secs: vec![0, 5 * HOUR, 73 * HOUR, FIVE_YEARS + 24 * HOUR],
            // Regular use: a point every 3.9 h (each gap under the 4 h idle timeout, so the
            // biometric never idles out), 19 gaps in all: 18 reach 70.2 h (< 72 h, the biometric
            // still open), the 19th 74.1 h (past the 72 h primary timer counted from the PIN at
            // 0, although the biometric unlocked 3.9 h before).
            daily_clock_secs: (0..20).map(|k| k * DAILY_GAP_SECS).collect(),
            // Apple's passcode delays (Platform Security; `properties::spec::APPLE_PASSCODE`):
            // a greedy thief guesses 1-5 at 0 and the 6th-10th at 60, 360, 1,260, 2,160 and
            // 5,760 s (delays of 1, 5, 15, 15 and 60 min): each of these points lets a guess
            // fall exactly when its delay ends, so a delay made longer than the guide's loses
            // the witness `passcode delays exactly as specified`. Between each two of them a
            // point inside the delay (30, 210, 810, 1,710, 3,960 s), where the on-schedule
            // thief's next guess must be refused, so a delay made shorter breaks `PIN fallback
            // throttle`. 5 h: past the policy's 4 h idle timeout. The 5 failed matches Apple
            // allows are all at 0 s.
            apple_clock_secs: vec![
                0,
                30,
                60,
                210,
                360,
                810,
                1_260,
                1_710,
                2_160,
                3_960,
                5_760,
                5 * HOUR,
            ],
            cert_validity_secs: FIVE_YEARS,
            attacker_sessions: 1,
            max_sessions: 8,
            attempt_cap: 24,
            owner_repeats: 0,
            every_capability: false,
            sms_baseline: false,
        };
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        for c in [
            &self.clock_secs,
            &self.owner_clock_secs,
            &self.daily_clock_secs,
            &self.apple_clock_secs,
        ] {
            if c.first() != Some(&0) || c.windows(2).any(|w| w[0] >= w[1]) || c.len() > 32 {
                return Err(ConfigError::Clock(c.clone()));
            }
        }
        if !(1..=32).contains(&self.max_sessions) {
            return Err(ConfigError::Sessions(self.max_sessions));
        }
        for p in [
            &self.phone_policy,
            &self.apple_phone_policy,
            &self.card_policy,
            &self.signing_policy,
        ] {
            p.validate()?;
        }
        Ok(())
    }

    /// The larger bounds of `model check --deep` (not in CI): each owner step once more than
    /// its flows need, two attacker logins, up to 10 server sessions, every attacker capability.
    pub fn deep(mut self) -> Config {
        self.every_capability = true;
        self.owner_repeats = 1;
        self.attacker_sessions = 2;
        self.max_sessions = 10;
        self
    }

    pub fn with_bug(mut self, bug: Bug) -> Config {
        self.bugs = self.bugs.with(bug);
        self.misconfigure(bug);
        self
    }

    /// The switches that put a wrong figure into a policy's data rather than into an actor's
    /// code: only the observers' own tables (`properties::spec`) can tell them.
    fn misconfigure(&mut self, bug: Bug) {
        match bug {
            Bug::CardPinFourTries => {
                if let Some(p) = self.card_policy.pin.as_mut() {
                    p.max_tries = Some(4);
                }
            }
            Bug::BiometricSixTries => {
                if let Some(b) = self.phone_policy.biometric.as_mut() {
                    b.tries_per_round = 6;
                }
            }
            Bug::GatekeeperOffByOne => {
                if let Some(p) = self.phone_policy.pin.as_mut() {
                    // The delay after failure n is the schedule's delay after failure n - 1.
                    let late = |n: u64| p.throttle.delay_after(n.saturating_sub(1));
                    let delays_secs = (1..=30).map(late).collect();
                    p.throttle = Throttle::Table { delays_secs };
                }
            }
            _ => {}
        }
    }

    /// The seed's SMS baseline (§2-1), in `insider` only.
    pub fn sms_baseline(mut self) -> Config {
        self.sms_baseline = true;
        self.scenarios = vec![Scenario::Insider];
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
            Scenario::DailyUse => &self.daily_clock_secs,
            // No rule the second person attacks depends on time (the card PIN's block has no
            // timer; the certificate and biometric timers are the other scenarios'): one point.
            Scenario::Insider => &self.owner_clock_secs[..1],
            Scenario::StolenIphone => &self.apple_clock_secs,
            // The thief's combination, not its timers (each lockout's timers are judged in
            // `stolen-phone`, `stolen-iphone` and `stolen-card`): one point, 0 s, where the
            // automata still allow 5 failed matches, 5 lock-screen PINs (gatekeeper's first
            // delay comes after the 5th), 3 card PINs and 5 signing passwords.
            Scenario::StolenBoth => &self.clock_secs[..1],
            _ => &self.owner_clock_secs,
        }
    }

    /// The policy of the phone in a scenario: Apple's in `stolen-iphone`, else
    /// [`Config::phone_policy`].
    pub fn phone_policy_in(&self, scenario: Scenario) -> &Policy {
        match scenario {
            Scenario::StolenIphone => &self.apple_phone_policy,
            _ => &self.phone_policy,
        }
    }

    /// The circumstances of a step at `now` in `scenario`, for the observer.
    pub(crate) fn at(&self, now: u64, scenario: Scenario) -> At<'_> {
        At {
            now,
            policy: &self.phone_policy_in(scenario).name,
            cert_validity_secs: self.cert_validity_secs,
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

    pub(crate) fn rules(&self) -> Rules {
        Rules {
            bugs: self.bugs,
            cert_validity_secs: self.cert_validity_secs,
            max_sessions: self.max_sessions,
            sms_baseline: self.sms_baseline,
        }
    }

    pub(crate) fn limit(policy: &Policy) -> u64 {
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
            user: Owner::default(),
            card: Card {
                right_pin_when_blocked: self.bugs.has(Bug::BlockedCardTakesRightPin),
                ..Card::new(Holder::Owner)
            },
            phones: [phone(PhoneId::Old), phone(PhoneId::New)],
            server: Server::new(),
            kiosks: [Kiosk::default(); 2],
            attacker: Attacker::default(),
            ghost: Ghost::default(),
            events: Pending::default(),
        };
        // A credential of the owner's bound before the scenario: on the server's record and,
        // in truth, live.
        let bound = |s: &mut State, key: Key| {
            s.server.bindings.push(Binding {
                key,
                account: crate::crypto::Person::A,
                cert: 0,
                live: true,
            });
            s.saw(Happened::BoundBefore { key });
        };
        let registered = |s: &mut State| {
            let old = &mut s.phones[PhoneId::Old.index()].se;
            old.jpki = true;
            old.credential = Some(PhoneId::Old.key());
            s.server.se_valid[PhoneId::Old.index()] = true;
            bound(s, PhoneId::Old.key());
        };
        match scenario {
            Scenario::Enrol => {}
            Scenario::Renew => {
                registered(&mut s);
                s.phones[PhoneId::Old.index()].auth.unlocked_by_thief = true;
                // The new phone has a class 2 (weak) fingerprint sensor: it unlocks the screen
                // but may not gate the SE's keys (CDD 7.3.10), so the owner's PIN does.
                s.phones[PhoneId::New.index()].auth.strong_sensor = false;
                s.saw(Happened::WeakSensor {
                    phone: PhoneId::New,
                });
                // The old phone holds a second credential of the owner's (issue 9: recovery
                // retires every credential of the person, however many), bound like the first.
                s.phones[PhoneId::Old.index()].se.second = Some(0);
                bound(&mut s, Key::Old2);
            }
            Scenario::Kiosk
            | Scenario::DailyUse
            | Scenario::StolenPhonePinKnown
            | Scenario::Insider => registered(&mut s),
            Scenario::StolenPhone | Scenario::StolenIphone => {}
            Scenario::StolenCard => s.card.holder = Holder::Attacker,
            // The thief holds the enrolled phone (locked) and the card, and controls the
            // network (issue 9: "a thief who holds the phone and the card").
            Scenario::StolenBoth => {
                registered(&mut s);
                s.card.holder = Holder::Attacker;
            }
        }
        if scenario == Scenario::Insider {
            s.saw(Happened::SecondPerson);
        }
        // The observer learns the starting conditions as it learns every step: from the
        // events (the physical set-up), never by being written into.
        let at = self.at(0, scenario);
        for e in std::mem::take(&mut s.events.0) {
            s.ghost.observe(e, &at);
        }
        s.ghost.end_step();
        s
    }
}

impl State {
    /// An actor reports a physical event of the step it is taking (the observer reads it when
    /// the step ends).
    pub(crate) fn saw(&mut self, e: Happened) {
        self.events.0.push(e);
    }

    /// The account the server decided session `s` is logged in as, or binds into (its
    /// decision, reported to the observer as such).
    pub(crate) fn session_account(&self, s: u8) -> Option<crate::crypto::Person> {
        self.server
            .sessions
            .get(usize::from(s))
            .and_then(|x| x.account)
    }

    pub(crate) fn session_open(&self, s: u8) -> bool {
        self.server
            .sessions
            .get(usize::from(s))
            .is_some_and(|x| x.status == Status::Open)
    }

    /// The channel the network delivers `term` to session `session` on: the owner's client's,
    /// if that client sent the term and opened the session; the attacker's own otherwise. The
    /// network may carry the owner's terms on either channel, but the server compares the
    /// channel only with the session's opener ([`Server::receive`]), so delivering on the
    /// opener's channel whenever the attacker can is every behaviour of the other choice and
    /// more: one action per term and session suffices.
    pub fn channel(&self, session: u8, term: Term) -> Party {
        let owners = self
            .server
            .sessions
            .get(usize::from(session))
            .is_some_and(|x| x.opener == Party::User);
        if owners && self.attacker.owner_sent.binary_search(&term).is_ok() {
            Party::User
        } else {
            Party::Attacker
        }
    }

    pub(crate) fn nonce(&self, s: u8) -> Option<u8> {
        self.server.sessions.get(usize::from(s)).map(|x| x.nonce)
    }

    /// Open login sessions of a party.
    pub(crate) fn open_logins(&self, party: Party) -> impl Iterator<Item = u8> + '_ {
        (0u8..)
            .zip(&self.server.sessions)
            .filter_map(move |(i, x)| {
                (x.opener == party && x.kind == SessionKind::Login && x.status == Status::Open)
                    .then_some(i)
            })
    }

    pub(crate) fn phone(&mut self, id: PhoneId) -> &mut Phone {
        &mut self.phones[id.index()]
    }
}

impl Config {
    /// The card signs challenge `nonce` after the right PIN (the owner's, or a thief's who knows
    /// it); records the PIN entry. `None` if the card refuses (blocked, or no such challenge).
    pub(crate) fn card_sign_right_pin(&self, s: &mut State, now: u64, nonce: u8) -> Option<Term> {
        let PinResult::Signed(t) = s
            .card
            .user_auth(&self.card_policy, now, Entry::Right, nonce)
        else {
            return None;
        };
        s.saw(Happened::CardPin {
            entry: Entry::Right,
            accepted: true,
        });
        Some(t)
    }

    /// The network delivers `term` to session `session`; the server's answer is an event for
    /// the observer (a refusal that changes nothing is no step, see `next_state`).
    pub(crate) fn deliver(
        &self,
        s: &mut State,
        session: u8,
        term: Term,
        from: Party,
    ) -> Result<(), Reason> {
        let now = self.now_secs(s);
        match s.server.receive(session, term, from, now, self.rules()) {
            Ok(()) => {
                let account = s.session_account(session);
                s.saw(Happened::Accepted {
                    session,
                    term,
                    account,
                });
                Ok(())
            }
            Err(reason) => {
                s.saw(Happened::Refused { term, reason });
                Err(reason)
            }
        }
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
            KioskVerb::ScanQr(t) => match s.server.present_qr(kiosk, t, self.rules()) {
                Ok(q) => {
                    let account = s.session_account(q);
                    s.saw(Happened::Accepted {
                        session: q,
                        term: t,
                        account,
                    });
                    if let Term::Assertion { key, .. } = t {
                        s.saw(Happened::QrLogin {
                            kiosk,
                            producer: key.holder(),
                        });
                    }
                }
                Err(reason) => s.saw(Happened::Refused { term: t, reason }),
            },
        }
        Some(())
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
        self.owner_actions(s, out);
        if s.scenario == Scenario::DailyUse {
            out.push(Action::User(Step::Unlock));
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
        let sendable = s
            .attacker
            .sendable(&s.server, s.scenario == Scenario::Insider);
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
        for (session, term) in Attacker::substitutions(&s.server) {
            out.push(Action::Deliver { session, term });
        }
        self.attacker_actions(s, out);
        if usize::from(s.now) + 1 < self.clock(s.scenario).len() {
            out.push(Action::Tick);
        }
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let mut s = last.clone();
        match action {
            Action::User(Step::Unlock) => self.owner_unlocks(&mut s)?,
            Action::User(step) => self.user_step(&mut s, step)?,
            Action::Kiosk(k, verb) => self.kiosk_step(&mut s, k, verb)?,
            // Refused or not, the step's events decide (below) whether it is one.
            Action::Deliver { session, term } => {
                let from = s.channel(session, term);
                let _ = self.deliver(&mut s, session, term, from);
            }
            Action::Attacker(verb) => self.attacker_step(&mut s, verb)?,
            Action::Tick => {
                s.now += 1;
                s.card.time_passes(self.bugs.has(Bug::CardUnblocksOverTime));
            }
        }
        // The observer reads the step's events, then the challenges that went out in it (the
        // `Opened` events), and nothing else.
        let at = self.at(self.now_secs(&s), s.scenario);
        let opened = s
            .server
            .sessions
            .iter()
            .skip(last.server.sessions.len())
            .map(|x| Happened::Opened {
                kind: x.kind,
                opener: x.opener,
                nonce: x.nonce,
            });
        let happened: Vec<Happened> = std::mem::take(&mut s.events.0)
            .into_iter()
            .chain(opened)
            .collect();
        for e in happened {
            s.ghost.observe(e, &at);
        }
        s.ghost.end_step();
        // A step that changes nothing, not even the observer's record (a refusal it has seen
        // before), is no step.
        (s != *last).then_some(s)
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

    /// The Explorer's picture of a path: its chart, titled with the scenario.
    fn as_svg(&self, path: stateright::Path<State, Action>) -> Option<String> {
        crate::chart::explorer_svg(self, &path.into_vec())
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
