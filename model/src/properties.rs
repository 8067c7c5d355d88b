//! The property catalogue (DESIGN.md §3): every property with its English statement, its source
//! and its condition, in one table ([`CATALOGUE`]).
//!
//! Safety properties are `always` properties. Most are about histories (what the server
//! accepted, in which order, from whom), so the model carries a ghost record, [`Ghost`], that
//! the observers update from the physical events each step yields ([`Happened`], read by
//! [`Ghost::observe`] and nothing else: who really produced a term, which certificate was
//! really valid by the observer's own record of renewals and loss reports, whether the phone
//! was really near): each observer restates the property's wording and is independent of the
//! defence that a bug switch removes. The
//! `sometimes` properties show that every flow of DESIGN.md §1 can complete and that the attacks
//! reach the defences, so no safety verdict is vacuous.

use crate::card::Entry;
use crate::crypto::{Key, Nonce, Person, PhoneId, RespKind, Term};
use crate::events::Happened;
use crate::kiosk::KioskId;
use crate::policy::Gate;
use crate::server::{Party, SessionKind};
use crate::system::{Config, Scenario, State};

/// Property names, as printed by `model check`.
pub mod names {
    pub const BINDING: &str = "binding";
    pub const BIND_TO_IDENTITY: &str = "bind to identity";
    pub const CHALLENGE_FRESHNESS: &str = "challenge freshness";
    pub const CLONE_DETECTION: &str = "clone detection";
    pub const ORIGIN_BINDING: &str = "origin binding";
    pub const PIN_LOCKOUT: &str = "PIN lockout";
    pub const BIOMETRIC_LOCKOUT: &str = "biometric lockout";
    pub const PIN_FALLBACK_THROTTLE: &str = "PIN fallback throttle";
    pub const KIOSK_PROXIMITY: &str = "kiosk proximity";
    pub const RECOVERY: &str = "recovery";
    pub const PSEUDONYMS: &str = "pseudonyms";
    pub const SE_ENROLMENT: &str = "SE enrolment";
    pub const STRONG_BIOMETRIC_ONLY: &str = "strong biometric only";
    pub const OWNERS_BIOMETRIC_ONLY: &str = "owner's biometric only";
    pub const UNLINKABILITY: &str = "unlinkability";
    pub const ACCOUNT_ISOLATION: &str = "account isolation";
    pub const KNOWN_CREDENTIAL: &str = "known credential";
    pub const SESSION_INTEGRITY: &str = "session integrity";
    pub const OWNER_CAN_RECOVER: &str = "owner can recover";
    /// Exact-schedule witnesses (issue 9: a defence made stricter than its rule).
    pub const PIN_DELAYS_EXACT: &str = "lock-screen PIN delays exactly as specified";
    pub const BIO_LOCKOUTS_EXACT: &str = "biometric lockouts end exactly as specified";
    pub const PASSCODE_DELAYS_EXACT: &str = "passcode delays exactly as specified";
    pub const APPLE_MATCHES_EXACT: &str = "Apple's five matches exactly as specified";
    pub const APPLE_BIOMETRIC_OPEN_LATE: &str = "Apple's biometric open before its timeouts";
}

/// `always` or `sometimes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Always,
    Sometimes,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Always => "always",
            Kind::Sometimes => "sometimes",
        }
    }
}

/// One row of the catalogue.
pub struct PropertyRow {
    pub name: &'static str,
    pub kind: Kind,
    pub statement: &'static str,
    pub source: &'static str,
    pub condition: fn(&Config, &State) -> bool,
}

/// Safety facts the observers can refute, one per `always` property that needs history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    Binding,
    BindToIdentity,
    Freshness,
    Clone,
    Origin,
    PinLockout,
    BiometricLockout,
    PinThrottle,
    Kiosk,
    Recovery,
    SeEnrolment,
    Pseudonym,
    WeakGate,
    ForeignBiometric,
    AccountIsolation,
    KnownCredential,
    Unlinkability,
    SessionIntegrity,
}

/// Things that happened, for the `sometimes` properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    JpkiPhoneLogin,
    BoundRegistration,
    FidoLogin,
    RecoveryLogin,
    KioskQrLogin,
    PhoneQrLogin,
    LoginAfterRenewal,
    OwnerPinFallback,
    SeSignedAfterBiometric,
    SigningPasswordAccepted,
    PrimaryTimeoutAfterRegularUse,
    ThiefEnrolledBiometric,
    KnownCredentialTried,
    /// The server refused an assertion for a stale signature counter (a `Decided` event).
    StaleCounterRefused,
    /// A thief holding the card opened a recovery of its own (the server granted it).
    ThiefRecovery,
    /// The owner's card, blocked by wrong PINs, was reset in person (a physical event).
    PinReset,
    /// After that reset, the card took the owner's right PIN (the card's own check).
    PinRightAfterReset,
    /// A login the owner opened was accepted on that card's signature after the reset.
    LoginAfterPinReset,
    /// The SMS baseline: the owner logged in with the one-time code sent to the number.
    SmsOwnerLogin,
    /// The attacker showed the owner's phone the challenge of a phone-QR session of its own
    /// (an `OwnQrShown` event).
    AttackerPhoneQr,
}

/// The rules as their specifications state them, written down here for the observers and
/// independently of `policy.rs` (issue 9): an observer compares what a device did with these
/// tables, never with the automaton or the figures a defence uses, so a wrong figure in a policy
/// is a counterexample, not a silent agreement.
pub mod spec {
    use crate::policy::HOUR;

    /// J-LIS (JPKI user-authentication certificate): the 4-digit PIN blocks after 3 wrong tries
    /// in a row; only the in-person reset at the municipal office unblocks it. DESIGN.md §6.
    pub const CARD_PIN_TRIES: u8 = 3;
    /// J-LIS (JPKI signature certificate): the signing password blocks after 5 wrong tries.
    /// DESIGN.md §6.
    pub const SIGNING_PASSWORD_TRIES: u8 = 5;

    /// When a biometric presentation may be taken, as a specification states it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct BioRule {
        /// Failures after which the sensor is locked for `lockout_secs` (every multiple).
        pub fails_per_lockout: u64,
        pub lockout_secs: u64,
        /// Failures after which only the primary credential unlocks.
        pub closed_after: u64,
        /// No presentation once this long has passed since the last unlock of any kind.
        pub idle_secs: Option<u64>,
        /// No presentation once this long has passed since the last primary (PIN) unlock.
        pub primary_secs: Option<u64>,
        /// Apple's conditional rule: no presentation once the passcode has not been used for
        /// `.0` seconds *and* the biometric has not unlocked for `.1` seconds.
        pub passcode_and_biometric_idle: Option<(u64, u64)>,
    }

    /// Android CDD 7.3.10 (Android 14), class 3: at least a 30 s lockout after 5 failed tries
    /// (C-1-3), the primary credential after 4 h idle and at least every 72 h; AOSP
    /// `LockoutFrameworkImpl`: `MAX_FAILED_ATTEMPTS_LOCKOUT_TIMED = 5`,
    /// `FAIL_LOCKOUT_TIMEOUT_MS = 30 * 1000`, `MAX_FAILED_ATTEMPTS_LOCKOUT_PERMANENT = 20`.
    pub const ANDROID_CLASS3: BioRule = BioRule {
        fails_per_lockout: 5,
        lockout_secs: 30,
        closed_after: 20,
        idle_secs: Some(4 * HOUR),
        primary_secs: Some(72 * HOUR),
        passcode_and_biometric_idle: None,
    };

    /// Apple Platform Security (2024), "Face ID, Touch ID, passcodes and passwords": the
    /// passcode is required after five unsuccessful match attempts, when the device has not
    /// been unlocked for more than 48 hours, and when the passcode has not been used in the last
    /// 156 hours (six and a half days) and the biometric has not unlocked the device in the last
    /// 4 hours.
    pub const APPLE: BioRule = BioRule {
        fails_per_lockout: 5,
        lockout_secs: 0,
        closed_after: 5,
        idle_secs: Some(48 * HOUR),
        primary_secs: None,
        passcode_and_biometric_idle: Some((156 * HOUR, 4 * HOUR)),
    };

    /// The biometric rule of a built-in phone policy, by name (`None`: no table, so the
    /// observer refuses every presentation and the model must not be run with it).
    pub fn bio_rule(policy: &str) -> Option<BioRule> {
        match policy {
            "android-class3" => Some(ANDROID_CLASS3),
            "touch-id" | "face-id" => Some(APPLE),
            _ => None,
        }
    }

    /// AOSP `system/gatekeeper/gatekeeper.cpp` `ComputeRetryTimeout`, as a table: from the
    /// `n`-th consecutive failure on (first column) the next guess waits the second column's
    /// seconds, until the next row. 30 s after the 5th and the 10th failure, none after the
    /// others up to 10; 30 s after each of 11-29; `30 s << ((n - 30) / 10)` for 30-139; one day
    /// from 140 on.
    pub const GATEKEEPER: &[(u64, u64)] = &[
        (1, 0),
        (5, 30),
        (6, 0),
        (10, 30),
        (30, 30),
        (40, 60),
        (50, 120),
        (60, 240),
        (70, 480),
        (80, 960),
        (90, 1_920),
        (100, 3_840),
        (110, 7_680),
        (120, 15_360),
        (130, 30_720),
        (140, 24 * HOUR),
    ];

    /// Apple Platform Security, "Escalating time delays for passcode attempts": 1-4 none, 5: 1
    /// minute, 6: 5 minutes, 7-8: 15 minutes, 9 and later: 1 hour (the optional erase after 10
    /// is off).
    pub const APPLE_PASSCODE: &[(u64, u64)] = &[(1, 0), (5, 60), (6, 300), (7, 900), (9, HOUR)];

    /// The lock-screen PIN delay table of a built-in phone policy, by name.
    pub fn pin_delays(policy: &str) -> Option<&'static [(u64, u64)]> {
        match policy {
            "android-class3" => Some(GATEKEEPER),
            "touch-id" | "face-id" => Some(APPLE_PASSCODE),
            _ => None,
        }
    }

    /// The wait after the `n`-th consecutive failure in `table` (0 before the first).
    pub fn delay(table: &[(u64, u64)], n: u64) -> u64 {
        table
            .iter()
            .take_while(|(from, _)| *from <= n)
            .last()
            .map_or(0, |(_, d)| *d)
    }

    impl BioRule {
        /// The wait the rule imposes after the `n`-th failure since the last unlock (`n >= 1`)
        /// before the next presentation: `lockout_secs` after every `fails_per_lockout`-th,
        /// none after the others; `None` once `closed_after` failures have closed it.
        pub fn wait_after(&self, n: u64) -> Option<u64> {
            if n >= self.closed_after {
                None
            } else if n > 0 && n.is_multiple_of(self.fails_per_lockout) {
                Some(self.lockout_secs)
            } else {
                Some(0)
            }
        }
    }

    /// The exact schedule as far as a clock shows it: `(n, t)`, the number of failures a
    /// thief can make in a row, the first at 0 and each later one at the very instant the
    /// wait after the one before ends (`next_at(k, t)`: when the attempt after the `k`-th
    /// failure, made at `t`, is first allowed, `None` if never), while that instant is a
    /// point of `clock`, within `cap` attempts; and `t`, the time of the `n`-th. No run meets
    /// the `n`-th failure earlier than `t` without breaking the rule, and only a run that
    /// takes every attempt on time meets it at `t`: the witnesses `... exactly as specified`
    /// ask for a state with `n` failures, the last at `t`.
    pub fn on_time_run(
        clock: &[u64],
        cap: u64,
        next_at: impl Fn(u64, u64) -> Option<u64>,
    ) -> (u64, u64) {
        if cap == 0 || clock.first() != Some(&0) {
            return (0, 0);
        }
        let (mut n, mut t) = (1, 0);
        while n < cap {
            match next_at(n, t) {
                Some(next) if clock.contains(&next) => {
                    t = next;
                    n += 1;
                }
                _ => break,
            }
        }
        (n, t)
    }

    /// [`on_time_run`] of a lock-screen PIN delay table.
    pub fn pin_on_time_run(table: &[(u64, u64)], clock: &[u64], cap: u64) -> (u64, u64) {
        on_time_run(clock, cap, |n, t| t.checked_add(delay(table, n)))
    }

    /// [`on_time_run`] of a biometric rule: the wait after each failure, and the rule's
    /// timers must still allow the presentation then ([`super::BioSpec::allows`]).
    pub fn bio_on_time_run(rule: &BioRule, clock: &[u64], cap: u64) -> (u64, u64) {
        on_time_run(clock, cap, |n, t| {
            let next = t.checked_add(rule.wait_after(n)?)?;
            let history = super::BioSpec {
                fails: n,
                last_fail_at: t,
                ..super::BioSpec::default()
            };
            history.allows(rule, next).then_some(next)
        })
    }
}

/// The biometric rules restated for the observer: failures since the last unlock, the time of
/// the last failure, the last primary-credential unlock, the last unlock of any kind and the last
/// biometric unlock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BioSpec {
    pub fails: u64,
    pub last_fail_at: u64,
    pub last_primary_at: u64,
    pub last_unlock_at: u64,
    pub last_bio_at: u64,
}

impl BioSpec {
    /// May a presentation be taken at `now` under `rule`? Not after `closed_after` failures, not
    /// within `lockout_secs` of a failure that ended a round, not once a timeout has passed.
    pub fn allows(&self, rule: &spec::BioRule, now: u64) -> bool {
        let since = |t: u64| now.saturating_sub(t);
        let past = |t: u64, limit: Option<u64>| limit.is_some_and(|l| since(t) >= l);
        let in_timed_lockout = self.fails > 0
            && self.fails.is_multiple_of(rule.fails_per_lockout)
            && now < self.last_fail_at.saturating_add(rule.lockout_secs);
        let apple_idle = rule
            .passcode_and_biometric_idle
            .is_some_and(|(p, b)| since(self.last_primary_at) >= p && since(self.last_bio_at) >= b);
        self.fails < rule.closed_after
            && !in_timed_lockout
            && !past(self.last_primary_at, rule.primary_secs)
            && !past(self.last_unlock_at, rule.idle_secs)
            && !apple_idle
    }
}

/// The lock-screen PIN delay rule restated for the observer: consecutive failures and the time
/// of the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PinSpec {
    pub fails: u64,
    pub last_fail_at: u64,
}

impl PinSpec {
    /// May a guess be taken at `now` under the delay `table`?
    pub fn allows(&self, table: &[(u64, u64)], now: u64) -> bool {
        self.fails == 0
            || now
                >= self
                    .last_fail_at
                    .saturating_add(spec::delay(table, self.fails))
    }
}

/// A challenge as the observer saw it go out (issue 9: observers keep their own record of the
/// events, never the server's): the session's index, its kind, to whom it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Issued {
    pub kind: SessionKind,
    pub opener: Party,
    pub nonce: Nonce,
}

/// The ghost record (history variables) of a run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Ghost {
    violated: u32,
    reached: u32,
    /// Accepted (challenge, response kind) pairs.
    pub accepted: Vec<(Nonce, RespKind)>,
    /// Login sessions answered by a card signature (bitmask over session index).
    pub card_auth: u32,
    /// ... of those, by a certificate that was really valid and unrevoked at that moment.
    pub card_auth_valid: u32,
    /// Per person ([`Person::index`]): sessions that accepted a term made with one of that
    /// person's own credentials (the card, a phone's SE copy or FIDO key, whoever held the
    /// device; the attacker's own keys are `B`'s): authenticated as that person.
    pub as_person: [u32; 2],
    /// Login sessions whose card authentication was by the second person's card.
    pub card_by_b: u32,
    /// Credentials (bitmask over [`Key::bit`]) ever bound, in any account, live or retired.
    on_record: u8,
    /// Identifiers (bitmask over values) each person's sessions passed to each service:
    /// `ids[person][service]`, the person being the one the session was authenticated as.
    pub ids: [[u16; 2]; 2],
    /// The SMS baseline: the owner's cancelled phone number was reassigned to `B` (a physical
    /// event at the carrier).
    pub number_reassigned: bool,
    /// The scenario has a second person (`insider`), whose keys are the attacker's.
    second_person: bool,
    /// Phones (bitmask over [`PhoneId::index`]) whose biometric sensor is weaker than CDD class
    /// 3, from the hardware (set with the scenario), not from the authenticator's setting.
    weak_sensors: u8,
    /// Sessions (bitmask) that accepted a response or a one-time code (the `Decided` events).
    pub decided: u32,
    /// Login sessions whose card authentication has justified a binding.
    pub permits_spent: u32,
    /// Highest accepted signature counter per key.
    pub max_ctr: [u8; 5],
    /// Keys bound to the person and not retired by a recovery.
    live: u8,
    /// Keys retired by a recovery.
    pub retired: u8,
    /// The old phone's JPKI copy was retired by a recovery.
    pub old_se_retired: bool,
    /// Wrong card PINs / signing passwords since the last right one.
    pub card_wrong: u8,
    pub signing_wrong: u8,
    /// Per phone ([`PhoneId::index`]): the biometric and lock-screen PIN rules' history.
    pub bio: [BioSpec; 2],
    pub pin: [PinSpec; 2],
    /// Card certificate generations issued in truth (the first at the card's issue).
    pub cert_gens: u8,
    /// When each generation was issued (renewal at the municipal office), in truth.
    pub cert_issued_at: [u64; 4],
    /// Generations dead in truth (bitmask): superseded by a renewal, or the card reported lost.
    pub cert_dead: u8,
    /// Every challenge issued, by session index, as it went out (the `Opened` events of
    /// [`crate::events`]); the observers read this, not the server's session records.
    pub issued: Vec<Issued>,
    /// Phones (bitmask) on which someone other than the owner enrolled a biometric, set at the
    /// enrolment event (ground truth, not the authenticator's flag).
    pub foreign_enrolled: u8,
    /// Phones whose keys a fresh card authentication of the owner re-bound after the last
    /// enrolment of another person's biometric.
    pub rebound: u8,
    /// Phones whose sensor matched a presentation in the step being taken: an event of that
    /// step, cleared after it ([`Ghost::end_step`]), so it never tells two states apart.
    pub matched_in_step: u8,
}

fn bit32(s: u8) -> u32 {
    1u32 << (s % 32)
}

/// When and where a step's events happened: its time, the phone's built-in policy (whose
/// spec table judges the phone's events) and the validity of a user-auth certificate (JPKI:
/// 5 years), for the observer.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub now: u64,
    pub policy: &'a str,
    pub cert_validity_secs: u64,
}

impl Ghost {
    /// The observer's one entry: a physical event of the step being taken (issue 9's layout:
    /// actor -> events -> observer). Each arm restates a rule from the event and the ghost's own
    /// record, never from a device's or the server's state.
    pub fn observe(&mut self, e: Happened, at: &At) {
        let now = at.now;
        match e {
            Happened::BoundBefore { key } => {
                self.live |= key.bit();
                self.on_record |= key.bit();
            }
            Happened::WeakSensor { phone } => self.weak_sensors |= 1 << phone.index(),
            Happened::SecondPerson => self.second_person = true,
            Happened::Presentation { phone, matched } => {
                self.on_presentation(phone, at.policy, now, matched)
            }
            Happened::KeyGatedByBiometric { phone } => self.on_key_gated_by_biometric(phone),
            Happened::OwnerPinFallback { phone } => {
                self.on_owner_pin_fallback(phone, at.policy, now)
            }
            Happened::PhonePin { phone, entry } => self.on_phone_pin(phone, at.policy, now, entry),
            Happened::ForeignEnrolment { phone } => self.on_foreign_enrolment(phone),
            Happened::OwnerJpkiSigned { phone } => self.on_owner_jpki_signed(phone),
            Happened::SeSignedAfterMatch {
                phone,
                owner_enrolled,
            } => self.on_se_signed_after_match(phone, owner_enrolled),
            Happened::SeEnrolment {
                session,
                requester,
                person,
            } => self.on_se_enrolment(session, requester, person),
            Happened::Recovery {
                parent,
                account,
                requester,
            } => {
                self.on_recovery(parent, account);
                // A thief (not the second person, who has an account of its own) opened a
                // recovery that the server granted.
                if requester == Party::Attacker && !self.second_person {
                    self.reach(Milestone::ThiefRecovery);
                }
            }
            Happened::Pseudonym {
                session,
                service,
                value,
                requester,
            } => self.on_pseudonym(session, service, value, requester),
            Happened::Renewal => self.on_renewal(now),
            Happened::LossReported { cert } => self.on_loss_reported(cert),
            Happened::CardPin { entry, accepted } => self.on_card_pin(entry, accepted),
            Happened::InPersonReset => self.on_in_person_reset(),
            Happened::SigningPassword { entry, accepted } => {
                self.on_signing_password(entry, accepted)
            }
            Happened::NumberReassigned => self.number_reassigned = true,
            Happened::SmsLogin { session, account } => self.on_sms_login(session, account),
            Happened::Accepted {
                session,
                term,
                account,
            } => {
                // Ground truth from the observer's record of the physical world (renewals, loss
                // reports, issue times), never from J-LIS's: was the card certificate valid?
                let cert_valid = match term {
                    Term::CardSig { cert, .. } => {
                        self.cert_really_valid(cert, now, at.cert_validity_secs)
                    }
                    _ => true,
                };
                self.on_accept(session, term, cert_valid, account);
            }
            Happened::Refused { term, reason } => self.on_refused(term, reason),
            Happened::QrLogin { kiosk, producer } => self.on_qr_login(kiosk, producer),
            Happened::OwnQrShown => self.reach(Milestone::AttackerPhoneQr),
            Happened::Opened {
                kind,
                opener,
                nonce,
            } => self.on_opened(kind, opener, nonce),
        }
    }

    /// A step ended: its events are judged.
    pub fn end_step(&mut self) {
        self.matched_in_step = 0;
    }

    fn violate(&mut self, v: Violation) {
        self.violated |= 1 << (v as u32);
    }

    pub fn violated(&self, v: Violation) -> bool {
        self.violated & (1 << (v as u32)) != 0
    }

    fn reach(&mut self, m: Milestone) {
        self.reached |= 1 << (m as u32);
    }

    /// Forget `m` (for the tests that derive a state count: a state with the milestones a
    /// change added forgotten is a state of the model before the change).
    pub fn forget(&mut self, m: Milestone) {
        self.reached &= !(1 << (m as u32));
    }

    pub fn reached(&self, m: Milestone) -> bool {
        self.reached & (1 << (m as u32)) != 0
    }

    /// The card was renewed at the municipal office at `now` (a physical event): the
    /// generation on the chip is superseded and a new one issued.
    fn on_renewal(&mut self, now: u64) {
        let gens = self.cert_gens.max(1);
        self.cert_dead |= 1 << (gens - 1).min(7);
        if let Some(t) = self.cert_issued_at.get_mut(usize::from(gens)) {
            *t = now;
        }
        self.cert_gens = gens.saturating_add(1);
    }

    /// The owner reported the card lost while generation `cert` was on its chip.
    fn on_loss_reported(&mut self, cert: u8) {
        self.cert_dead |= 1 << cert.min(7);
    }

    /// Was certificate generation `cert` really valid at `now`: issued, neither superseded
    /// nor reported lost, and within `validity` seconds of its issue (JPKI: 5 years).
    pub fn cert_really_valid(&self, cert: u8, now: u64, validity: u64) -> bool {
        cert < self.cert_gens.max(1)
            && self.cert_dead & (1 << cert.min(7)) == 0
            && self
                .cert_issued_at
                .get(usize::from(cert))
                .is_some_and(|t| now < t.saturating_add(validity))
    }

    /// The card has been renewed at least once (in truth).
    pub fn renewed(&self) -> bool {
        self.cert_gens > 1
    }

    /// The server sent out a challenge: it opened a session of `kind` for `opener` (an
    /// `Opened` event, in the order the sessions were opened).
    fn on_opened(&mut self, kind: SessionKind, opener: Party, nonce: Nonce) {
        self.issued.push(Issued {
            kind,
            opener,
            nonce,
        });
    }

    /// The server answered `accepted` for `term` delivered to session `s` (a `Decided`
    /// event). The session's challenge, kind and opener come from the observer's own record
    /// of the challenges issued ([`Ghost::on_opened`]), not from the server.
    /// `cert_valid`: ground truth about the card certificate's validity at this moment;
    /// `account`: the account the server decided the session is logged in as, or binds into.
    fn on_accept(&mut self, s: u8, term: Term, cert_valid: bool, account: Option<Person>) {
        let Some(session) = self.issued.get(usize::from(s)).copied() else {
            // An acceptance for a session no challenge went out for: not fresh.
            self.violate(Violation::Freshness);
            return;
        };
        // challenge freshness: issued for this session, not accepted before.
        let entry = (term.nonce(), term.kind());
        if term.nonce() != session.nonce || self.accepted.contains(&entry) {
            self.violate(Violation::Freshness);
        }
        if let Err(i) = self.accepted.binary_search(&entry) {
            self.accepted.insert(i, entry);
        }
        self.on_decided(s);
        // origin binding.
        if term.origin() == Some(crate::crypto::Origin::Phish) {
            self.violate(Violation::Origin);
        }
        // Who made the term (ground truth: the card's person, the phone's owner, the key's
        // holder).
        let made_by = match term {
            Term::CardSig { person, .. } => person,
            Term::SeSig { .. } => Person::A,
            Term::Assertion { key, .. } | Term::Attestation { key, .. } => key.holder(),
        };
        // Account isolation wants the login's account to be the maker's. An attestation binds
        // into the account of its parent's card instead (`on_binding`): the card, not the
        // authenticator, says whose credential it becomes. The attacker's own keys are a
        // person's only in `insider` (the second person's); a thief or a network attacker
        // elsewhere has no account, and what it binds with the owner's card is the owner's.
        let producer = match term {
            Term::Attestation { .. } => None,
            Term::Assertion { .. } if made_by == Person::B && !self.second_person => None,
            _ => Some(made_by),
        };
        if producer.is_some_and(|p| account != Some(p)) {
            self.violate(Violation::AccountIsolation);
        }
        // session integrity: what the owner's own login, registration or recovery accepts was
        // made by the owner's card, SE copy or keys (who holds the key, not whose card bound it).
        if session.opener == Party::User
            && matches!(
                session.kind,
                SessionKind::Login | SessionKind::Register { .. } | SessionKind::Recover { .. }
            )
            && made_by != Person::A
        {
            self.violate(Violation::SessionIntegrity);
        }
        // Authenticated as a person: the producer's, or for the attacker's own key outside
        // `insider`, the account it logs into (whose card bound it).
        if let Some(p) = producer.or(match term {
            Term::Assertion { .. } => account,
            _ => None,
        }) {
            self.as_person[p.index()] |= bit32(s);
        }
        match term {
            Term::CardSig { person, .. } => {
                self.card_auth |= bit32(s);
                if person == Person::B {
                    self.card_by_b |= bit32(s);
                }
                if person == Person::A
                    && session.opener == Party::User
                    && session.kind == SessionKind::Login
                    && self.reached(Milestone::PinRightAfterReset)
                {
                    self.reach(Milestone::LoginAfterPinReset);
                }
                if cert_valid {
                    self.card_auth_valid |= bit32(s);
                }
            }
            Term::SeSig { phone, .. } => {
                if phone == PhoneId::Old && self.old_se_retired {
                    self.violate(Violation::Recovery);
                }
                if session.opener == Party::User && self.reached(Milestone::SeSignedAfterBiometric)
                {
                    self.reach(Milestone::JpkiPhoneLogin);
                }
            }
            Term::Assertion { key, ctr, .. } => self.on_assertion(&session, key, ctr),
            Term::Attestation { key, .. } => {
                if let SessionKind::Register { parent } | SessionKind::Recover { parent } =
                    session.kind
                {
                    self.on_binding(parent, key, account);
                }
                // known credential: never bound again, in any account, live or retired.
                if self.on_record & key.bit() != 0 {
                    self.violate(Violation::KnownCredential);
                }
                self.on_record |= key.bit();
                if session.opener == Party::User {
                    self.reach(Milestone::BoundRegistration);
                }
            }
        }
    }

    fn on_assertion(&mut self, session: &Issued, key: Key, ctr: u8) {
        let i = key.index();
        if ctr <= self.max_ctr[i] {
            self.violate(Violation::Clone);
        }
        self.max_ctr[i] = self.max_ctr[i].max(ctr);
        if self.retired & key.bit() != 0 {
            self.violate(Violation::Recovery);
        }
        match session.kind {
            SessionKind::Kiosk { kiosk } => {
                self.on_kiosk_login(kiosk, key.holder(), Milestone::KioskQrLogin)
            }
            SessionKind::Login if session.opener == Party::User => {
                self.reach(match key {
                    Key::New => Milestone::RecoveryLogin,
                    _ => Milestone::FidoLogin,
                });
            }
            _ => {}
        }
        if key == Key::Old && self.renewed() {
            self.reach(Milestone::LoginAfterRenewal);
        }
    }

    /// A kiosk logged in with a credential of `producer` (ground truth: whose key made the
    /// assertion), by its own QR (`witness`: [`Milestone::KioskQrLogin`]) or the phone's
    /// ([`Ghost::on_qr_login`]): the owner's phone must have been near (kiosk proximity), and
    /// the person who stands at the kiosk and uses the session must be that person (account
    /// isolation).
    fn on_kiosk_login(&mut self, kiosk: KioskId, producer: Person, witness: Milestone) {
        if !kiosk.owner_is_near() {
            self.violate(Violation::Kiosk);
        }
        if kiosk.user() != producer {
            self.violate(Violation::AccountIsolation);
        }
        if kiosk == KioskId::Near {
            self.reach(witness);
        }
    }

    /// A kiosk logged in through the phone's QR, which carries an assertion of `producer`'s
    /// credential.
    fn on_qr_login(&mut self, kiosk: KioskId, producer: Person) {
        self.on_kiosk_login(kiosk, producer, Milestone::PhoneQrLogin);
    }

    /// A credential was bound in a session whose parent login session is `parent`: a card must
    /// have signed in that session (binding), its authentication must justify one binding only
    /// (binding, injective), and its certificate must have been valid (bind to identity).
    fn on_binding(&mut self, parent: u8, key: Key, account: Option<Person>) {
        let p = bit32(parent);
        if account != Some(self.card_person(parent)) && self.card_auth & p != 0 {
            self.violate(Violation::AccountIsolation);
        }
        if self.card_auth & p == 0 || self.permits_spent & p != 0 {
            self.violate(Violation::Binding);
        }
        if self.card_auth & p != 0 && self.card_auth_valid & p == 0 {
            self.violate(Violation::BindToIdentity);
        }
        self.permits_spent |= p;
        // The credential becomes the person's whose authentication justified it (the
        // observer's record), whatever account the server bound it in.
        if self.session_person(parent).or(account) == Some(Person::A) {
            self.live |= key.bit();
        }
    }

    /// Whose login session `s` is, in truth: the person whose card signed in it, or else the
    /// person whose credential it accepted (the observer's records); `None` if neither.
    fn session_person(&self, s: u8) -> Option<Person> {
        if self.card_auth & bit32(s) != 0 {
            return Some(self.card_person(s));
        }
        Person::ALL
            .into_iter()
            .find(|p| self.as_person[p.index()] & bit32(s) != 0)
    }

    /// Whose card authenticated login session `parent` (the owner's unless `B`'s card signed).
    fn card_person(&self, parent: u8) -> Person {
        if self.card_by_b & bit32(parent) != 0 {
            Person::B
        } else {
            Person::A
        }
    }

    /// The SMS baseline: a one-time code sent to the owner's phone number was typed into
    /// session `s`, which the server logged in as `account`; whoever holds the number's SIM
    /// (ground truth: the owner, or `B` after the reassignment) produced it. The owner's own
    /// SMS login into a session the owner opened is the baseline's flow (its witness).
    fn on_sms_login(&mut self, s: u8, account: Person) {
        let producer = if self.number_reassigned {
            Person::B
        } else {
            Person::A
        };
        if account != producer {
            self.violate(Violation::AccountIsolation);
        }
        if producer == Person::A && self.opened_by(s, Party::User) {
            self.reach(Milestone::SmsOwnerLogin);
        }
        self.on_decided(s);
        self.as_person[producer.index()] |= bit32(s);
    }

    /// The server accepted something for session `s` (a response or a one-time code): a
    /// session's challenge is answered once, so a session already decided accepts nothing
    /// more (challenge freshness).
    fn on_decided(&mut self, s: u8) {
        if self.decided & bit32(s) != 0 {
            self.violate(Violation::Freshness);
        }
        self.decided |= bit32(s);
    }

    /// J-LIS issued a JPKI copy of `person` to a phone's SE in session `s` at the request of
    /// `requester` (ground truth: the actor who took the step). That session must have been
    /// authenticated by that person's card, and the request must come over the session's own
    /// channel: from the party the challenge went out to (the observer's record
    /// [`Ghost::on_opened`]), or the card authenticated someone else's phone (SE enrolment). A
    /// copy of one person issued on the other person's card signature is that card acting for
    /// the other (account isolation as well).
    fn on_se_enrolment(&mut self, s: u8, requester: Party, person: Person) {
        let carded = self.card_auth & bit32(s) != 0;
        let other = carded && self.card_person(s) != person;
        if !carded || other || !self.opened_by(s, requester) {
            self.violate(Violation::SeEnrolment);
        }
        if other {
            self.violate(Violation::AccountIsolation);
        }
    }

    /// The server refused `term` for `reason` (a `Decided` event):
    /// - `KnownCredential`: the §7.1 refusal reached, a witness that the attack is tried;
    /// - `StaleCounter`: the clone-detection witness;
    /// - `UnknownCredential` for an assertion of a live key (bound to its person by an accepted
    ///   attestation and not retired by a recovery: the observer's own record): the server has
    ///   lost a binding that should follow the person (bind to identity: renewal keeps
    ///   bindings).
    ///
    /// A refusal that changes neither the server nor this record is no step (`next_state`).
    fn on_refused(&mut self, term: Term, reason: crate::server::Reason) {
        use crate::server::Reason;
        match (reason, term) {
            (Reason::KnownCredential, _) => self.reach(Milestone::KnownCredentialTried),
            (Reason::StaleCounter, _) => self.reach(Milestone::StaleCounterRefused),
            (Reason::UnknownCredential, Term::Assertion { key, .. })
                if self.live & key.bit() != 0 =>
            {
                self.violate(Violation::BindToIdentity);
            }
            _ => {}
        }
    }

    /// The challenge of session `s` went out to `party` (the observer's own record).
    fn opened_by(&self, s: u8, party: Party) -> bool {
        self.issued
            .get(usize::from(s))
            .is_some_and(|i| i.opener == party)
    }

    /// One of phone `id`'s SE keys was used after a biometric verification: the sensor must be
    /// class 3 (strong biometric only).
    fn on_key_gated_by_biometric(&mut self, id: PhoneId) {
        if self.weak_sensors & (1 << id.index()) != 0 {
            self.violate(Violation::WeakGate);
        }
    }

    /// Someone other than the owner enrolled a biometric on phone `id` (a physical event).
    fn on_foreign_enrolment(&mut self, id: PhoneId) {
        self.foreign_enrolled |= 1 << id.index();
        self.rebound &= !(1 << id.index());
        self.reach(Milestone::ThiefEnrolledBiometric);
    }

    /// The owner's phone `id` asked for the lock-screen PIN instead of the biometric at `now`
    /// (before the entry is recorded). If the observer's own record shows a biometric match
    /// within the rule's idle timeout and no PIN within its primary timer, what closed the
    /// biometric was the primary timer alone, run from the last PIN whatever the biometric did.
    fn on_owner_pin_fallback(&mut self, id: PhoneId, policy: &str, now: u64) {
        self.reach(Milestone::OwnerPinFallback);
        let bio = self.bio[id.index()];
        let within = |t: u64, limit: Option<u64>| limit.is_some_and(|l| now.saturating_sub(t) < l);
        if let Some(rule) = spec::bio_rule(policy)
            && within(bio.last_bio_at, rule.idle_secs)
            && !within(bio.last_primary_at, rule.primary_secs)
        {
            self.reach(Milestone::PrimaryTimeoutAfterRegularUse);
        }
    }

    /// The owner's JPKI copy in phone `id`'s SE signed: after a biometric match if the sensor
    /// matched in this step (the witness of flow a is judged here, from the presentation event,
    /// not by the step that asked for the signature).
    fn on_owner_jpki_signed(&mut self, id: PhoneId) {
        if self.matched_in_step & (1 << id.index()) != 0 {
            self.reach(Milestone::SeSignedAfterBiometric);
        }
    }

    /// Phone `id`'s SE signed with the JPKI copy or a FIDO key after a match of a biometric
    /// that `owner_enrolled` says (ground truth: whose finger or face matched) the owner
    /// enrolled or not: a biometric the owner did not enrol may gate the keys only after a
    /// re-binding by a fresh card authentication of the owner (owner's biometric only).
    fn on_se_signed_after_match(&mut self, id: PhoneId, owner_enrolled: bool) {
        if !owner_enrolled && self.rebound & (1 << id.index()) == 0 {
            self.violate(Violation::ForeignBiometric);
        }
    }

    /// Session `s` passed identifier `value` to service `svc` (an event): the session must have
    /// been authenticated as a person (pseudonyms), and the identifier is recorded as that
    /// person's at that service (unlinkability: never another person's).
    fn on_pseudonym(&mut self, s: u8, svc: crate::server::Service, value: u8, requester: Party) {
        if !self.opened_by(s, requester) {
            // The identifier went to someone other than the session's opener.
            self.violate(Violation::Pseudonym);
        }
        let Some(person) = Person::ALL
            .into_iter()
            .find(|p| self.as_person[p.index()] & bit32(s) != 0)
        else {
            self.violate(Violation::Pseudonym);
            return;
        };
        let bit = 1u16 << (value % 16);
        let other = match person {
            Person::A => Person::B,
            Person::B => Person::A,
        };
        if self.ids[other.index()][svc as usize] & bit != 0 {
            self.violate(Violation::Unlinkability);
        }
        self.ids[person.index()][svc as usize] |= bit;
    }

    /// A recovery was opened under login session `parent`, revoking in `account` (the server's
    /// answer): it needs a fresh card authentication (recovery), and the account must be that
    /// card's person's (account isolation). Whose recovery it is in truth is the observer's
    /// own record: the person whose card signed in `parent`, or, where no card did (a removed
    /// defence), the person the session was authenticated as; only the server's answer if
    /// neither. A recovery of the owner retires the owner's credentials and JPKI copy, in the
    /// observer's record, whatever the server did with them.
    fn on_recovery(&mut self, parent: u8, account: Option<Person>) {
        let carded = self.card_auth & bit32(parent) != 0;
        if !carded {
            self.violate(Violation::Recovery);
        }
        if carded && account != Some(self.card_person(parent)) {
            self.violate(Violation::AccountIsolation);
        }
        if self.session_person(parent).or(account) == Some(Person::A) {
            self.retired |= self.live;
            self.live = 0;
            self.old_se_retired = true;
        }
    }

    /// A user-auth PIN entry reached the card's check. Once [`spec::CARD_PIN_TRIES`] wrong
    /// entries in a row have blocked the card, it takes nothing, right or wrong, until the
    /// in-person reset (the owner's, in `insider`). `accepted`: the card's decision, judged
    /// against what was typed (ground truth): a wrong PIN is never accepted.
    fn on_card_pin(&mut self, entry: Entry, accepted: bool) {
        if self.card_wrong >= spec::CARD_PIN_TRIES || (accepted && entry == Entry::Wrong) {
            self.violate(Violation::PinLockout);
        }
        if entry == Entry::Right && self.reached(Milestone::PinReset) {
            self.reach(Milestone::PinRightAfterReset);
        }
        self.card_wrong = count(self.card_wrong, entry);
    }

    /// The owner's blocked PIN was reset in person at the municipal office (a physical event):
    /// the count of wrong entries starts again. The reset of a card that was blocked in truth
    /// is the first step of the witness `login after the in-person reset`.
    fn on_in_person_reset(&mut self) {
        if self.card_wrong >= spec::CARD_PIN_TRIES {
            self.reach(Milestone::PinReset);
        }
        self.card_wrong = 0;
    }

    /// A signing-password entry reached the card's check. As [`Ghost::on_card_pin`], with
    /// [`spec::SIGNING_PASSWORD_TRIES`]: a blocked signing password takes nothing, right or
    /// wrong, and a wrong one is never accepted; the witness is a right one accepted.
    fn on_signing_password(&mut self, entry: Entry, accepted: bool) {
        if self.signing_wrong >= spec::SIGNING_PASSWORD_TRIES || (accepted && entry == Entry::Wrong)
        {
            self.violate(Violation::PinLockout);
        }
        if accepted && entry == Entry::Right {
            self.reach(Milestone::SigningPasswordAccepted);
        }
        self.signing_wrong = count(self.signing_wrong, entry);
    }

    /// The sensor of a phone with the built-in policy `policy` took a presentation at `now`
    /// with this outcome; judged by the policy's table in [`spec`].
    /// The primary-credential timer runs from `last_primary_at`, which only a right PIN moves:
    /// a biometric match moves the idle timer, never the primary one.
    fn on_presentation(&mut self, phone: PhoneId, policy: &str, now: u64, matched: bool) {
        let bio = &mut self.bio[phone.index()];
        let allowed = spec::bio_rule(policy).is_some_and(|r| bio.allows(&r, now));
        if matched {
            bio.fails = 0;
            bio.last_unlock_at = now;
            bio.last_bio_at = now;
            self.matched_in_step |= 1 << phone.index();
        } else {
            bio.fails += 1;
            bio.last_fail_at = now;
        }
        if !allowed {
            self.violate(Violation::BiometricLockout);
        }
    }

    /// A lock-screen PIN entry was taken at `now` on a phone with the built-in policy `policy`;
    /// judged by the policy's delay table in [`spec`].
    fn on_phone_pin(&mut self, phone: PhoneId, policy: &str, now: u64, entry: Entry) {
        let i = phone.index();
        if !spec::pin_delays(policy).is_some_and(|t| self.pin[i].allows(t, now)) {
            self.violate(Violation::PinThrottle);
        }
        match entry {
            Entry::Right => {
                self.pin[i] = PinSpec::default();
                self.bio[i] = BioSpec {
                    last_primary_at: now,
                    last_unlock_at: now,
                    last_bio_at: self.bio[i].last_bio_at,
                    ..BioSpec::default()
                };
            }
            Entry::Wrong => {
                self.pin[i].fails += 1;
                self.pin[i].last_fail_at = now;
            }
        }
    }
}

fn count(n: u8, entry: Entry) -> u8 {
    match entry {
        Entry::Right => 0,
        Entry::Wrong => n.saturating_add(1).min(15),
    }
}

fn ok(s: &State, v: Violation) -> bool {
    !s.ghost.violated(v)
}

/// No binding came from a revoked or expired certificate, and no assertion of a live
/// credential was refused as unknown (renewal keeps bindings). Both from events
/// ([`Ghost::on_accept`], [`Ghost::on_refused`]), never from the server's bindings.
fn bind_to_identity(_: &Config, s: &State) -> bool {
    ok(s, Violation::BindToIdentity)
}

/// For each person: each service holds at most one identifier of theirs, no identifier of
/// theirs is at both, and every identifier went to a session authenticated as a person. Read
/// from the observer's record of the identifiers issued ([`Ghost::ids`]), not the services'.
fn pseudonyms(_: &Config, s: &State) -> bool {
    s.ghost
        .ids
        .iter()
        .all(|[a, b]| a & b == 0 && a.count_ones() <= 1 && b.count_ones() <= 1)
        && ok(s, Violation::Pseudonym)
}

/// No person's identifiers match across the two services, and no identifier issued to one
/// person's session at a service was ever issued to another person's session there.
fn unlinkability(_: &Config, s: &State) -> bool {
    s.ghost.ids.iter().all(|[a, b]| a & b == 0) && ok(s, Violation::Unlinkability)
}

/// In `scenario`, the stolen phone's thief has made exactly as many wrong lock-screen PINs as
/// the spec's delay table lets fall on the scenario's clock, the last at the time the table
/// gives ([`spec::pin_on_time_run`]): every delay was offered exactly, none longer than the
/// table's. (None shorter either, or `PIN fallback throttle` fails.) From the observer's own
/// record (`Ghost::pin`), never from the lockout automaton.
fn pin_on_schedule(c: &Config, s: &State, scenario: Scenario) -> bool {
    let pin = s.ghost.pin[PhoneId::Old.index()];
    s.scenario == scenario
        && spec::pin_delays(&c.phone_policy_in(scenario).name).is_some_and(|t| {
            let cap = u64::from(c.attempt_cap);
            (pin.fails, pin.last_fail_at) == spec::pin_on_time_run(t, c.clock(scenario), cap)
        })
}

/// As [`pin_on_schedule`], for the biometric failures and the spec's biometric rule
/// ([`spec::bio_on_time_run`]; the observer's record `Ghost::bio`).
fn bio_on_schedule(c: &Config, s: &State, scenario: Scenario) -> bool {
    let bio = s.ghost.bio[PhoneId::Old.index()];
    s.scenario == scenario
        && spec::bio_rule(&c.phone_policy_in(scenario).name).is_some_and(|r| {
            let cap = u64::from(c.attempt_cap);
            (bio.fails, bio.last_fail_at) == spec::bio_on_time_run(&r, c.clock(scenario), cap)
        })
}

/// `stolen-iphone`: a presentation was taken at the latest clock point before the 4 h of
/// Apple's biometric rule (`spec::APPLE`: the passcode is required after 48 h without an
/// unlock, or 156 h without the passcode and 4 h without a biometric unlock; the owner last
/// unlocked with the passcode at 0 s, so the biometric is open until then).
fn apple_presentation_late(c: &Config, s: &State) -> bool {
    if s.scenario != Scenario::StolenIphone {
        return false;
    }
    let bio = s.ghost.bio[PhoneId::Old.index()];
    let four_hours = spec::APPLE
        .passcode_and_biometric_idle
        .map_or(0, |(_, bio_idle)| bio_idle);
    let latest = c
        .clock(Scenario::StolenIphone)
        .iter()
        .copied()
        .filter(|t| *t < four_hours)
        .max()
        .unwrap_or(0);
    latest > 0 && (bio.last_fail_at == latest || bio.last_bio_at == latest)
}

fn phone_gate(c: &Config, s: &State) -> Gate {
    s.phones[PhoneId::Old.index()]
        .auth
        .lockout
        .gate(&c.phone_policy, c.now_secs(s))
}

/// The catalogue: DESIGN.md §3's properties, then the reachability witnesses.
pub const CATALOGUE: &[PropertyRow] = &[
    PropertyRow {
        name: names::BINDING,
        kind: Kind::Always,
        statement: "a credential is bound to the person only if, in the same registration \
                    session, the person's card signed the server's challenge; one card \
                    authentication justifies one binding (certificate validity: `bind to identity`)",
        source: "seed §2-3; FIDO2Verif (Guan et al., ESORICS 2022) registration agreement",
        condition: |_, s| ok(s, Violation::Binding),
    },
    PropertyRow {
        name: names::BIND_TO_IDENTITY,
        kind: Kind::Always,
        statement: "bindings follow the person, not a certificate serial: renewal keeps them, \
                    and a revoked or expired certificate cannot create one",
        source: "JPKI certificate life (J-LIS); seed §3",
        condition: bind_to_identity,
    },
    PropertyRow {
        name: names::CHALLENGE_FRESHNESS,
        kind: Kind::Always,
        statement: "every accepted response answers the challenge the server issued for that \
                    session, no challenge is accepted twice for the same kind of response, and a \
                    session, once it has accepted a response (or, in the SMS baseline, a \
                    one-time code), accepts nothing more",
        source: "WebAuthn L3 §7, §13.4.3 (a challenge is used once); UAFVerif (Feng et al., \
                 NDSS 2021)",
        condition: |_, s| ok(s, Violation::Freshness),
    },
    PropertyRow {
        name: names::CLONE_DETECTION,
        kind: Kind::Always,
        statement: "an assertion whose signature counter does not exceed the stored one is \
                    rejected (and the key flagged)",
        source: "WebAuthn L3 §6.1.1",
        condition: |_, s| ok(s, Violation::Clone),
    },
    PropertyRow {
        name: names::ORIGIN_BINDING,
        kind: Kind::Always,
        statement: "a response produced for a phishing origin is never accepted by the real server",
        source: "WebAuthn L3 rpIdHash/origin; Jacomme-Kremer CSF 2018",
        condition: |_, s| ok(s, Violation::Origin),
    },
    PropertyRow {
        name: names::PIN_LOCKOUT,
        kind: Kind::Always,
        statement: "the card takes at most 3 wrong user-auth PINs and 5 wrong signing passwords \
                    in a row and accepts no wrong PIN or signing password; once blocked it \
                    takes nothing, right or wrong, and neither power loss nor time resets the counters \
                    (only the in-person reset, which a thief cannot get)",
        source: "JPKI rules (J-LIS)",
        condition: |_, s| ok(s, Violation::PinLockout),
    },
    PropertyRow {
        name: names::BIOMETRIC_LOCKOUT,
        kind: Kind::Always,
        statement: "a presentation is taken only outside the 30 s lockout after each 5 failures, \
                    before the failure limit, and within 4 h idle / 72 h since the last primary \
                    (PIN) unlock, whatever the biometric did since; on every phone, the owner's \
                    presentations as well as a thief's",
        source: "Android CDD 7.3.10 C-1-3, C-1-7, C-1-8, C-3-4; Apple Platform Security",
        condition: |_, s| ok(s, Violation::BiometricLockout),
    },
    PropertyRow {
        name: names::PIN_FALLBACK_THROTTLE,
        kind: Kind::Always,
        statement: "lock-screen PIN guesses follow the policy's delay schedule",
        source: "AOSP gatekeeper ComputeRetryTimeout; Apple Platform Security",
        condition: |_, s| ok(s, Violation::PinThrottle),
    },
    PropertyRow {
        name: names::KIOSK_PROXIMITY,
        kind: Kind::Always,
        statement: "a kiosk session logs the person in only if the person's phone was near that \
                    kiosk (no relay)",
        source: "seed §3 (QR flows, proximity)",
        condition: |_, s| ok(s, Violation::Kiosk),
    },
    PropertyRow {
        name: names::RECOVERY,
        kind: Kind::Always,
        statement: "after recovery on a new phone no credential or JPKI copy of the old phone is \
                    accepted, however many it holds (in `renew` it holds two credentials), and \
                    recovery needed a fresh card authentication",
        source: "seed §2",
        condition: |_, s| ok(s, Violation::Recovery),
    },
    PropertyRow {
        name: names::PSEUDONYMS,
        kind: Kind::Always,
        statement: "two services never receive the same identifier for the person; each service \
                    always receives the same one; an identifier goes only to a session \
                    authenticated as that person (by the person's card, SE copy or FIDO key)",
        source: "seed §2, §2-1; NIST SP 800-63-3 pseudonymous identity",
        condition: pseudonyms,
    },
    PropertyRow {
        name: names::SE_ENROLMENT,
        kind: Kind::Always,
        statement: "the JPKI copy in a phone's SE is issued only in a session that the same \
                    person's card authenticated",
        source: "seed §1 (the copy on the phone's FeliCa SE, issued from the card's user \
                 authentication); DESIGN.md §3",
        condition: |_, s| ok(s, Violation::SeEnrolment),
    },
    PropertyRow {
        name: names::STRONG_BIOMETRIC_ONLY,
        kind: Kind::Always,
        statement: "the SE's keys (the JPKI copy, the FIDO credentials) are used after a biometric \
                    verification only on a phone whose sensor is class 3 (strong); a weaker one \
                    (the new phone in `renew` has a class 2 sensor) falls back to the lock-screen \
                    PIN",
        source: "seed, CDD table (Android 10 CDD 7.3.10): weak and convenience biometrics \
                 cannot be used through the FIDO2 API",
        condition: |_, s| ok(s, Violation::WeakGate),
    },
    PropertyRow {
        name: names::OWNERS_BIOMETRIC_ONLY,
        kind: Kind::Always,
        statement: "the SE signs with the JPKI copy or a FIDO key after a biometric match only if \
                    the owner enrolled the matched biometric, or a fresh card authentication of \
                    the owner re-bound the keys after the other enrolment (in \
                    `stolen-phone-pin-known` the thief, who saw the lock-screen PIN, enrols its \
                    own finger)",
        source: "issue 16; Android Keystore setInvalidatedByBiometricEnrollment, Apple \
                 kSecAccessControlBiometryCurrentSet",
        condition: |_, s| ok(s, Violation::ForeignBiometric),
    },
    PropertyRow {
        name: names::UNLINKABILITY,
        kind: Kind::Always,
        statement: "no two services can match one person's identifiers, and no identifier of a \
                    person at a service is ever issued to another person's session (in `insider` \
                    both persons get identifiers at both services)",
        source: "NIST SP 800-63-3 §6.3 (pseudonymous identifiers, pairwise per relying party); \
                 seed §2-1",
        condition: unlinkability,
    },
    PropertyRow {
        name: names::ACCOUNT_ISOLATION,
        kind: Kind::Always,
        statement: "no assertion, card signature or attestation of person A authenticates, binds, \
                    recovers or revokes anything of person B: every accepted term logs in, or \
                    binds into, the account of the person whose card, SE copy or key made it; a \
                    registration, recovery or SE enrolment acts on the account (or issues the \
                    JPKI copy) of the card that authenticated its parent login; a kiosk logs in \
                    the person who stands at it (in the SMS baseline the reassigned number \
                    breaks it)",
        source: "issue 10; seed §2-1 (phone-number identity fails on reassignment); WebAuthn L3 \
                 §7.2 (the credential's user handle names the account)",
        condition: |_, s| ok(s, Violation::AccountIsolation),
    },
    PropertyRow {
        name: names::KNOWN_CREDENTIAL,
        kind: Kind::Always,
        statement: "a credential already on record, for anyone, live or revoked, is never bound \
                    again",
        source: "WebAuthn L3 §7.1 registration step \"Verify that the credentialId is not yet \
                 registered for any user\"",
        condition: |_, s| ok(s, Violation::KnownCredential),
    },
    PropertyRow {
        name: names::SESSION_INTEGRITY,
        kind: Kind::Always,
        statement: "a login, registration or recovery the owner opened accepts only what the \
                    owner's own card, SE copy or FIDO keys made (ground truth: who holds the \
                    key): it binds no one else's credential and is logged in as no one else",
        source: "seed §3 sequence 2-3 (the credential registered in the card-authenticated \
                 session is the owner's); RFC 8446 and RFC 6265 (the session's channel); Barth, \
                 Jackson and Mitchell, CCS 2008 §2.2 (login CSRF)",
        condition: |_, s| ok(s, Violation::SessionIntegrity),
    },
    PropertyRow {
        name: names::OWNER_CAN_RECOVER,
        kind: Kind::Always,
        statement: "from every reachable state of `insider`, `renew` and `stolen-card` (from the \
                    reissue on) where the owner holds a card, the owner can reach a state where \
                    the owner's new phone logs into the owner's account: by the recovery flow \
                    (after renewing a card whose certificate is no longer valid) if the PIN is not \
                    blocked, and if it is, only after the in-person reset (without it the flow \
                    fails)",
        source: "issue 10 (availability); seed §2 (recovery with the card); JPKI rules (the \
                 blocked PIN is reset in person)",
        condition: crate::owner::owner_can_recover,
    },
    PropertyRow {
        name: "JPKI login on the phone with biometric",
        kind: Kind::Sometimes,
        statement: "the SE's JPKI copy, enrolled with a card authentication, logs the owner in \
                    after a biometric match (flow a)",
        source: "seed §1",
        condition: |_, s| s.ghost.reached(Milestone::JpkiPhoneLogin),
    },
    PropertyRow {
        name: "bound FIDO registration",
        kind: Kind::Sometimes,
        statement: "a FIDO credential is bound after a card authentication (flow b)",
        source: "seed §3 sequence 1-4",
        condition: |_, s| s.ghost.reached(Milestone::BoundRegistration),
    },
    PropertyRow {
        name: "FIDO login",
        kind: Kind::Sometimes,
        statement: "the owner logs in with the FIDO credential (flow c)",
        source: "seed §3 sequence 5",
        condition: |_, s| s.ghost.reached(Milestone::FidoLogin),
    },
    PropertyRow {
        name: "recovery on a new phone",
        kind: Kind::Sometimes,
        statement: "after recovery the new phone's credential logs the owner in (flow d)",
        source: "seed §2",
        condition: |_, s| s.ghost.reached(Milestone::RecoveryLogin),
    },
    PropertyRow {
        name: "pseudonyms at two services",
        kind: Kind::Sometimes,
        statement: "both services receive an identifier for the owner (flow e)",
        source: "seed §2",
        // The observer's record of the identifiers issued to the owner's sessions.
        condition: |_, s| s.ghost.ids[Person::A.index()].iter().all(|r| *r != 0),
    },
    PropertyRow {
        name: "second person's identifiers",
        kind: Kind::Sometimes,
        statement: "in `insider` both persons hold an identifier at a service (the two-person \
                    clause of `unlinkability` is exercised)",
        source: "issue 10",
        condition: |_, s| s.ghost.ids[0][0] != 0 && s.ghost.ids[1][0] != 0,
    },
    PropertyRow {
        name: "known credential refused",
        kind: Kind::Sometimes,
        statement: "in `insider` the second person's registration of the owner's credential \
                    reaches the portal (and is refused)",
        source: "WebAuthn L3 §7.1",
        condition: |_, s| s.ghost.reached(Milestone::KnownCredentialTried),
    },
    PropertyRow {
        name: "SMS takeover tried",
        kind: Kind::Sometimes,
        statement: "in `insider` the owner's number is reassigned to the second person (the \
                    attack the SMS baseline fails is tried; the card-bound design offers no SMS \
                    login)",
        source: "seed §2-1",
        condition: |_, s| s.ghost.number_reassigned,
    },
    PropertyRow {
        name: "kiosk login by the kiosk's QR",
        kind: Kind::Sometimes,
        statement: "the near kiosk logs the owner in after the phone answers its QR (flow f)",
        source: "seed §3",
        condition: |_, s| s.ghost.reached(Milestone::KioskQrLogin),
    },
    PropertyRow {
        name: "kiosk login by the phone's QR",
        kind: Kind::Sometimes,
        statement: "the near kiosk logs the owner in after scanning the phone's QR (flow f)",
        source: "seed §3",
        condition: |_, s| s.ghost.reached(Milestone::PhoneQrLogin),
    },
    PropertyRow {
        name: "FIDO login after card renewal",
        kind: Kind::Sometimes,
        statement: "a credential bound before a renewal is still accepted after it",
        source: "JPKI certificate life",
        condition: |_, s| s.ghost.reached(Milestone::LoginAfterRenewal),
    },
    PropertyRow {
        name: "owner falls back to the lock-screen PIN",
        kind: Kind::Sometimes,
        statement: "past the idle or primary timeout the owner verifies with the lock-screen PIN",
        source: "Android CDD 7.3.10 C-1-7 / C-3-4",
        condition: |_, s| s.ghost.reached(Milestone::OwnerPinFallback),
    },
    PropertyRow {
        name: "primary timeout despite regular biometric use",
        kind: Kind::Sometimes,
        statement: "in `daily-use` the owner, who unlocked with the biometric less than 4 h \
                    before, must use the lock-screen PIN once 72 h have passed since the last PIN",
        source: "Android CDD 7.3.10 (class 3: primary authentication at least every 72 h)",
        condition: |_, s| s.ghost.reached(Milestone::PrimaryTimeoutAfterRegularUse),
    },
    PropertyRow {
        name: "thief enrols a biometric",
        kind: Kind::Sometimes,
        statement: "in `stolen-phone-pin-known` the thief enrols its own biometric with the \
                    lock-screen PIN (the attack on `owner's biometric only` is tried)",
        source: "issue 16",
        condition: |_, s| s.ghost.reached(Milestone::ThiefEnrolledBiometric),
    },
    PropertyRow {
        name: "cloned key flagged",
        kind: Kind::Sometimes,
        statement: "a stale signature counter is refused and flags the key",
        source: "WebAuthn L3 §6.1.1",
        condition: |_, s| s.ghost.reached(Milestone::StaleCounterRefused),
    },
    PropertyRow {
        name: "stolen card blocked",
        kind: Kind::Sometimes,
        statement: "wrong PIN guesses block the stolen card",
        source: "JPKI rules",
        condition: |c, s| {
            s.scenario == Scenario::StolenCard
                && s.card.user_pin.pin_gate(&c.card_policy, c.now_secs(s)) == Gate::Locked
        },
    },
    PropertyRow {
        name: "signing password accepted",
        kind: Kind::Sometimes,
        statement: "the card accepts a right signing password (the stage the 5-try limit guards \
                    is reachable)",
        source: "JPKI rules (J-LIS)",
        condition: |_, s| s.ghost.reached(Milestone::SigningPasswordAccepted),
    },
    PropertyRow {
        name: "signing password blocked",
        kind: Kind::Sometimes,
        statement: "wrong signing passwords block the stolen card's signature key",
        source: "JPKI rules (J-LIS)",
        condition: |c, s| {
            s.scenario == Scenario::StolenCard
                && s.card.signing.pin_gate(&c.signing_policy, c.now_secs(s)) == Gate::Locked
        },
    },
    PropertyRow {
        name: "biometric closed until the PIN",
        kind: Kind::Sometimes,
        statement: "a thief's failures close the biometric for good: only the PIN is left",
        source: "Android CDD 7.3.10",
        condition: |c, s| {
            s.scenario == Scenario::StolenPhone
                && s.phones[PhoneId::Old.index()].auth.lockout.bio_failures > 0
                && matches!(phone_gate(c, s), Gate::Pin | Gate::PinUntil(_))
        },
    },
    PropertyRow {
        name: "lock-screen PIN throttled",
        kind: Kind::Sometimes,
        statement: "a thief's wrong PINs make the phone wait",
        source: "AOSP gatekeeper",
        condition: |c, s| {
            s.scenario == Scenario::StolenPhone
                && matches!(
                    s.phones[PhoneId::Old.index()]
                        .auth
                        .lockout
                        .pin_gate(&c.phone_policy, c.now_secs(s)),
                    Gate::PinUntil(_)
                )
        },
    },
    PropertyRow {
        name: names::PIN_DELAYS_EXACT,
        kind: Kind::Sometimes,
        statement: "in `stolen-phone` the thief's wrong lock-screen PINs can each follow the one \
                    before exactly when gatekeeper's delay ends, as far as the clock shows it \
                    (1-5 at 0, 6-10 at 30 s, the 11th at 60 s, the 12th at 90 s, the 13th at \
                    120 s): no delay is longer than the table's",
        source: "AOSP gatekeeper ComputeRetryTimeout (properties::spec::GATEKEEPER)",
        condition: |c, s| pin_on_schedule(c, s, Scenario::StolenPhone),
    },
    PropertyRow {
        name: names::BIO_LOCKOUTS_EXACT,
        kind: Kind::Sometimes,
        statement: "in `stolen-phone` the thief's failed presentations can each follow the one \
                    before as soon as the rule allows (1-5 at 0, 6-10 at 30 s, 11-15 at 60 s, \
                    16-20 at 90 s): the biometric is usable again right after each 30 s lockout",
        source: "Android CDD 7.3.10 C-1-3; AOSP LockoutFrameworkImpl (properties::spec::\
                 ANDROID_CLASS3)",
        condition: |c, s| bio_on_schedule(c, s, Scenario::StolenPhone),
    },
    PropertyRow {
        name: names::PASSCODE_DELAYS_EXACT,
        kind: Kind::Sometimes,
        statement: "in `stolen-iphone` the thief's wrong passcodes can each follow the one \
                    before exactly when Apple's delay ends (1-5 at 0, then 60, 360, 1,260, \
                    2,160 and 5,760 s: 1, 5, 15, 15 and 60 min): no delay is longer than the \
                    guide's",
        source: "Apple Platform Security, escalating time delays for passcode attempts \
                 (properties::spec::APPLE_PASSCODE)",
        condition: |c, s| pin_on_schedule(c, s, Scenario::StolenIphone),
    },
    PropertyRow {
        name: names::APPLE_MATCHES_EXACT,
        kind: Kind::Sometimes,
        statement: "in `stolen-iphone` the thief can make the five failed match attempts Apple \
                    allows before the passcode is required, one after the other at 0 s",
        source: "Apple Platform Security, Face ID and Touch ID (properties::spec::APPLE)",
        condition: |c, s| bio_on_schedule(c, s, Scenario::StolenIphone),
    },
    PropertyRow {
        name: names::APPLE_BIOMETRIC_OPEN_LATE,
        kind: Kind::Sometimes,
        statement: "in `stolen-iphone` the thief's presentation is taken at 5,760 s (1 h 36 min \
                    after the last passcode unlock, the clock's latest point before 4 h): \
                    Apple requires the passcode only after 48 h without an unlock, or 156 h \
                    without the passcode and 4 h without a biometric unlock",
        source: "Apple Platform Security, Face ID and Touch ID (properties::spec::APPLE)",
        condition: apple_presentation_late,
    },
    PropertyRow {
        name: "attacker's own phone-QR session",
        kind: Kind::Sometimes,
        statement: "in `kiosk` the attacker opens a phone-QR session of its own and shows its \
                    challenge to the owner's phone as the remote kiosk's QR (the attack on \
                    `kiosk proximity` through a session the server cannot tell from the owner's \
                    is tried; the owner's phone refuses the relay)",
        source: "seed §3 (kiosk login by QR); issue 9 (every session kind the server offers)",
        condition: |_, s| s.ghost.reached(Milestone::AttackerPhoneQr),
    },
    PropertyRow {
        name: "thief recovers with the stolen card",
        kind: Kind::Sometimes,
        statement: "in `stolen-card` or `stolen-both` a thief who guessed the card's PIN logs in \
                    with the card and opens a recovery of the owner's account: the PIN is the \
                    only barrier (3 guesses in 10,000; the residual risk that the simulator \
                    quantifies)",
        source: "J-LIS (3 tries); seed §2 (recovery with the card)",
        condition: |_, s| s.ghost.reached(Milestone::ThiefRecovery),
    },
    PropertyRow {
        name: "login after the in-person reset",
        kind: Kind::Sometimes,
        statement: "in `insider` the owner blocks the card with 3 wrong PINs, has it reset in \
                    person at the municipal office, and the card then takes the right PIN and \
                    signs a login of the owner's that the server accepts (the reset, and only \
                    it, unblocks the card)",
        source: "J-LIS rules (3 tries; the blocked PIN is reset in person); DESIGN.md §6",
        condition: |_, s| s.ghost.reached(Milestone::LoginAfterPinReset),
    },
    PropertyRow {
        name: "owner logs in by SMS in the baseline",
        kind: Kind::Sometimes,
        statement: "with `--sms-baseline` (seed §2-1's account keyed by a phone number), the \
                    owner types the one-time code sent to the owner's number into a login the \
                    owner opened, and the server logs it in: the baseline's own flow works, so \
                    its takeover is not an artefact of a baseline that logs no one in. Without \
                    `--sms-baseline` there is no such flow and the row is witnessed by the \
                    initial state",
        source: "seed §2-1 (the SMS-based account of today)",
        condition: |c, s| !c.sms_baseline || s.ghost.reached(Milestone::SmsOwnerLogin),
    },
    PropertyRow {
        name: "thief unlocks a stolen phone",
        kind: Kind::Sometimes,
        statement: "an impostor match or a right PIN guess unlocks a stolen phone (the residual \
                    risk that the simulator quantifies)",
        source: "Android CDD 7.3.10 FAR/SAR",
        condition: |_, s| {
            s.scenario == Scenario::StolenPhone
                && s.phones[PhoneId::Old.index()].auth.unlocked_by_thief
        },
    },
];

/// The catalogue row of a property.
pub fn entry(name: &str) -> Option<&'static PropertyRow> {
    CATALOGUE.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The observer's certificate validity comes from the physical events: issue at 0, a
    /// renewal at 100 s supersedes generation 0, a loss report kills generation 1, and 5 years
    /// (here `validity` = 1000 s) end a generation. Controls: each generation is valid before
    /// its event, so the rule is not a blanket refusal.
    #[test]
    fn certificate_validity_follows_the_physical_events() {
        let mut g = Ghost::default();
        assert!(g.cert_really_valid(0, 0, 1000));
        assert!(g.cert_really_valid(0, 999, 1000));
        assert!(
            !g.cert_really_valid(0, 1000, 1000),
            "expired at issue + validity"
        );
        assert!(!g.cert_really_valid(1, 0, 1000), "not issued yet");
        g.on_renewal(100);
        assert!(g.renewed());
        assert!(
            !g.cert_really_valid(0, 100, 1000),
            "superseded by the renewal"
        );
        assert!(
            g.cert_really_valid(1, 1099, 1000),
            "issued at 100, valid to 1100"
        );
        assert!(!g.cert_really_valid(1, 1100, 1000));
        g.on_loss_reported(1);
        assert!(!g.cert_really_valid(1, 200, 1000), "reported lost");
    }

    /// The observers' delay tables and `policy.rs`'s schedules are two independent readings of
    /// AOSP gatekeeper and Apple's passcode delays: they agree on every failure count up to 200
    /// (past gatekeeper's last step). Control: a table one failure late disagrees.
    #[test]
    fn delay_tables_agree_with_the_policies() {
        use crate::policy::Throttle;
        for n in 0..200 {
            assert_eq!(
                spec::delay(spec::GATEKEEPER, n),
                Throttle::Gatekeeper.delay_after(n),
                "gatekeeper {n}"
            );
            assert_eq!(
                spec::delay(spec::APPLE_PASSCODE, n),
                Throttle::Apple.delay_after(n),
                "apple {n}"
            );
        }
        assert_ne!(
            spec::delay(spec::GATEKEEPER, 5),
            Throttle::Gatekeeper.delay_after(4)
        );
    }

    /// The exact schedules the witnesses `... exactly as specified` ask for, derived by hand
    /// from the spec tables and the clocks of `Config::new` (attempt cap 24):
    /// - gatekeeper on the thefts' clock (0, 30, 60, 90, 120 s, 5 h, ...): failures 1-5 at 0
    ///   (no delay after 1-4), 6-10 at 30 (30 s after the 5th, none after 6-9), the 11th at 60
    ///   (30 s after the 10th), the 12th at 90 and the 13th at 120 (30 s after each of 11-29);
    ///   the 14th would be at 150 s, not a point: (13, 120);
    /// - CDD class 3: 5 at 0, a 30 s lockout, 5 at 30, 5 at 60, 5 at 90; closed at 20: (20, 90);
    /// - Apple's passcode on `stolen-iphone`'s clock: 5 at 0, then 60, 360 (60 + 5 min), 1,260
    ///   (+ 15 min), 2,160 (+ 15 min), 5,760 (+ 1 h); the 11th would be at 9,360: (10, 5,760);
    /// - Apple's matches: 5 at 0, then the passcode: (5, 0).
    ///
    /// Controls: a clock without the 90 s point stops gatekeeper at the 11th, and a cap of 3
    /// stops every walk at 3.
    #[test]
    fn exact_schedules_by_hand() {
        let c = Config::new().expect("default");
        let theft = c.clock(Scenario::StolenPhone);
        let apple = c.clock(Scenario::StolenIphone);
        assert_eq!(
            spec::pin_on_time_run(spec::GATEKEEPER, theft, 24),
            (13, 120)
        );
        assert_eq!(
            spec::bio_on_time_run(&spec::ANDROID_CLASS3, theft, 24),
            (20, 90)
        );
        assert_eq!(
            spec::pin_on_time_run(spec::APPLE_PASSCODE, apple, 24),
            (10, 5_760)
        );
        assert_eq!(spec::bio_on_time_run(&spec::APPLE, apple, 24), (5, 0));
        assert_eq!(
            spec::pin_on_time_run(spec::GATEKEEPER, &[0, 30, 60, 120], 24),
            (11, 60)
        );
        assert_eq!(spec::pin_on_time_run(spec::GATEKEEPER, theft, 3), (3, 0));
        assert_eq!(
            spec::bio_on_time_run(&spec::ANDROID_CLASS3, theft, 3),
            (3, 0)
        );
        assert_eq!(spec::ANDROID_CLASS3.wait_after(5), Some(30));
        assert_eq!(spec::ANDROID_CLASS3.wait_after(4), Some(0));
        assert_eq!(spec::ANDROID_CLASS3.wait_after(20), None);
    }

    /// A blocked secret takes nothing: after 3 wrong card PINs even the right one is a
    /// violation. Control: 2 wrong and then the right one is not, and the right one resets the
    /// count.
    #[test]
    fn a_blocked_card_takes_nothing_not_even_the_right_pin() {
        let mut g = Ghost::default();
        for _ in 0..2 {
            g.on_card_pin(Entry::Wrong, false);
        }
        g.on_card_pin(Entry::Right, true);
        assert!(!g.violated(Violation::PinLockout));
        for _ in 0..3 {
            g.on_card_pin(Entry::Wrong, false);
        }
        assert!(!g.violated(Violation::PinLockout));
        g.on_card_pin(Entry::Right, true);
        assert!(g.violated(Violation::PinLockout));
        let mut g = Ghost::default();
        for _ in 0..5 {
            g.on_signing_password(Entry::Wrong, false);
        }
        assert!(!g.violated(Violation::PinLockout));
        g.on_signing_password(Entry::Right, true);
        assert!(g.violated(Violation::PinLockout));
        // A wrong password accepted breaks the rule at once; a right one accepted is the
        // witness and breaks nothing.
        let mut g = Ghost::default();
        g.on_signing_password(Entry::Right, true);
        assert!(!g.violated(Violation::PinLockout));
        assert!(g.reached(Milestone::SigningPasswordAccepted));
        g.on_signing_password(Entry::Wrong, true);
        assert!(g.violated(Violation::PinLockout));
        let mut g = Ghost::default();
        g.on_signing_password(Entry::Wrong, false);
        assert!(!g.reached(Milestone::SigningPasswordAccepted));
        let mut g = Ghost::default();
        g.on_card_pin(Entry::Wrong, true);
        assert!(g.violated(Violation::PinLockout));
    }

    /// Session integrity from ground truth (who holds the key, whose card signed): the owner's
    /// registration that accepts the attacker's attestation, or the owner's login that accepts
    /// the second person's card signature, breaks it; the same terms in the attacker's own
    /// sessions, and the owner's own terms in the owner's sessions, do not (controls).
    #[test]
    fn owners_sessions_accept_only_the_owners_terms() {
        use crate::crypto::Origin;
        let open = |g: &mut Ghost, kind, opener, nonce| {
            g.observe(
                Happened::Opened {
                    kind,
                    opener,
                    nonce,
                },
                &At {
                    now: 0,
                    policy: "",
                    cert_validity_secs: 1000,
                },
            )
        };
        let att = |key, nonce| Term::Attestation {
            key,
            nonce,
            origin: Origin::Real,
        };
        let card = |person, nonce| Term::CardSig {
            person,
            cert: 0,
            nonce,
        };
        for opener in [Party::User, Party::Attacker] {
            for (term, theirs) in [
                (att(Key::Attacker, 1), true),
                (att(Key::Attacker2, 1), true),
                (att(Key::Old, 1), false),
                (card(Person::B, 0), true),
                (card(Person::A, 0), false),
            ] {
                let mut g = Ghost::default();
                open(&mut g, SessionKind::Login, opener, 0);
                open(&mut g, SessionKind::Register { parent: 0 }, opener, 1);
                let s = u8::from(term.nonce() == 1);
                g.on_accept(s, term, true, Some(Person::A));
                assert_eq!(
                    g.violated(Violation::SessionIntegrity),
                    theirs && opener == Party::User,
                    "{term} accepted in a session of {opener:?}"
                );
            }
        }
    }
}
