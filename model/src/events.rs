//! The physical events of a step, in two forms.
//!
//! - [`Happened`]: what the actors report as it happens, the only input of the observers
//!   (issue 9's layout: actor -> events -> observer). A step's actors push them onto the
//!   state's [`Pending`] list as they act (who typed which secret into which card or phone,
//!   whose finger matched, what a term was delivered to and what the server answered, which
//!   session passed an identifier, what the office or the carrier did); when the step ends,
//!   [`Config`]'s `next_state` hands them, in order, to [`crate::properties::Ghost::observe`]
//!   with the step's time and the phone's policy name, then the challenges that went out
//!   (`Opened`). No actor reads the ghost, and the ghost reads nothing but these events and its
//!   own record.
//! - [`Event`], for sequence charts and traces: who acted, which sessions the server opened,
//!   what the server decided about a session (its status before and after), which terms the
//!   attacker read off the network, and where the clock moved. [`Config::events`] runs the
//!   step and compares the state before and after, so it reports what happened, not what an
//!   actor meant to do (the reviewer's page draws its charts from it).

use crate::card::Entry;
use crate::crypto::{Key, Nonce, Person, PhoneId, Term};
use crate::kiosk::KioskId;
use crate::server::{Party, Reason, Service, SessionKind, Status};
use crate::system::{Action, Config, State, describe};
use std::fmt;
use std::hash::{Hash, Hasher};

/// A physical event, as the actor that took the step reports it to the observer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happened {
    /// A starting condition of the scenario: a credential of the owner's was bound before it
    /// (on the server's record and, in truth, live).
    BoundBefore { key: Key },
    /// A starting condition: the phone's biometric sensor is weaker than CDD class 3 (the
    /// hardware, not the authenticator's setting).
    WeakSensor { phone: PhoneId },
    /// A starting condition: a second person, with an account and keys of its own, is in
    /// the scenario (`insider`); the attacker's keys are that person's.
    SecondPerson,
    /// A phone's sensor took a presentation and matched it or not (whoever presented).
    Presentation { phone: PhoneId, matched: bool },
    /// One of the phone's SE keys was used on the strength of a biometric match.
    KeyGatedByBiometric { phone: PhoneId },
    /// The owner's phone asked the owner for the lock-screen PIN instead of the biometric.
    OwnerPinFallback { phone: PhoneId },
    /// A lock-screen PIN entry was taken by the phone.
    PhonePin { phone: PhoneId, entry: Entry },
    /// Someone other than the owner enrolled a biometric on the phone.
    ForeignEnrolment { phone: PhoneId },
    /// The owner's JPKI copy in the phone's SE signed for the owner.
    OwnerJpkiSigned { phone: PhoneId },
    /// The phone's SE signed after a biometric match; `owner_enrolled`: whose biometric
    /// matched (ground truth) is one the owner enrolled.
    SeSignedAfterMatch {
        phone: PhoneId,
        owner_enrolled: bool,
    },
    /// J-LIS issued a JPKI copy of `person` in `session` at `requester`'s request.
    SeEnrolment {
        session: u8,
        requester: Party,
        person: Person,
    },
    /// The server opened a recovery under login `parent` at `requester`'s request, revoking
    /// in `account` (its answer).
    Recovery {
        parent: u8,
        account: Option<Person>,
        requester: Party,
    },
    /// Session `session` passed identifier `value` to `service` at `requester`'s request.
    Pseudonym {
        session: u8,
        service: Service,
        value: u8,
        requester: Party,
    },
    /// The card was renewed at the municipal office (or reissued).
    Renewal,
    /// The owner reported the card lost while generation `cert` was on its chip.
    LossReported { cert: u8 },
    /// A user-auth PIN entry reached the card's check; `accepted`: the card took it as right.
    CardPin { entry: Entry, accepted: bool },
    /// The owner's card PIN was reset in person at the municipal office.
    InPersonReset,
    /// A signing-password entry reached the card's check; `accepted`: the card took it.
    SigningPassword { entry: Entry, accepted: bool },
    /// The carrier reassigned the owner's cancelled phone number to the second person.
    NumberReassigned,
    /// The SMS baseline: a one-time code was typed into `session`, logged in as `account`.
    SmsLogin { session: u8, account: Person },
    /// The server accepted `term` for `session` and decided its account (`account`).
    Accepted {
        session: u8,
        term: Term,
        account: Option<Person>,
    },
    /// The server refused `term` for `reason`.
    Refused { term: Term, reason: Reason },
    /// A kiosk logged in through the phone's QR, which carries a credential of `producer`.
    QrLogin { kiosk: KioskId, producer: Person },
    /// The attacker showed the owner's phone, as the remote kiosk's QR, the challenge of a
    /// phone-QR session of its own (whatever the phone then did with it).
    OwnQrShown,
    /// A challenge went out: the server opened a session of `kind` for `opener`.
    Opened {
        kind: SessionKind,
        opener: Party,
        nonce: Nonce,
    },
}

/// The events of the step being taken, in order. Empty between steps (`next_state` hands them
/// to the observer and clears the list), so it never tells two states apart: equal and of one
/// hash whatever it holds.
#[derive(Debug, Clone, Default)]
pub struct Pending(pub Vec<Happened>);

impl PartialEq for Pending {
    fn eq(&self, _: &Pending) -> bool {
        true
    }
}

impl Eq for Pending {}

impl Hash for Pending {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

/// One physical event of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An actor took a step (the trace's `{actor, action, message}`).
    Acted {
        actor: String,
        action: String,
        message: String,
    },
    /// The server opened session `session` of `kind` for `by`.
    Opened {
        session: u8,
        kind: SessionKind,
        by: Party,
    },
    /// The server moved session `session` from one status to another (a decision it made on
    /// what was delivered or scanned).
    Decided {
        session: u8,
        from: Status,
        to: Status,
    },
    /// The attacker read a term it did not know.
    Learned { term: Term },
    /// The clock moved to `secs` seconds.
    Clock { secs: u64 },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Acted {
                actor,
                action,
                message,
            } if message.is_empty() => write!(f, "{actor}: {action}"),
            Event::Acted {
                actor,
                action,
                message,
            } => write!(f, "{actor}: {action} ({message})"),
            Event::Opened { session, kind, by } => {
                write!(f, "server opens session {session} ({kind:?}) for {by:?}")
            }
            Event::Decided { session, from, to } => {
                write!(f, "server moves session {session}: {from:?} -> {to:?}")
            }
            Event::Learned { term } => write!(f, "attacker learns {term}"),
            Event::Clock { secs } => write!(f, "clock at {secs} s"),
        }
    }
}

impl Config {
    /// The events of taking `action` in `last`; `None` if the action is not enabled there
    /// (the step changes nothing).
    pub fn events(&self, last: &State, action: &Action) -> Option<Vec<Event>> {
        use stateright::Model;
        let next = self.next_state(last, *action)?;
        let (actor, act, message) = describe(action);
        let mut out = vec![Event::Acted {
            actor,
            action: act,
            message,
        }];
        for (i, s) in (0u8..).zip(&next.server.sessions) {
            match last.server.sessions.get(usize::from(i)) {
                None => out.push(Event::Opened {
                    session: i,
                    kind: s.kind,
                    by: s.opener,
                }),
                Some(b) if b.status != s.status => out.push(Event::Decided {
                    session: i,
                    from: b.status,
                    to: s.status,
                }),
                Some(_) => {}
            }
        }
        for t in &next.attacker.knows {
            if last.attacker.knows.binary_search(t).is_err() {
                out.push(Event::Learned { term: *t });
            }
        }
        if next.now != last.now {
            out.push(Event::Clock {
                secs: self.now_secs(&next),
            });
        }
        Some(out)
    }
}
