//! The physical events of one step, for sequence charts and traces: who acted, which sessions
//! the server opened, what the server decided about a session (its status before and after),
//! which terms the attacker read off the network, and where the clock moved.
//!
//! [`Config::events`] runs the step and compares the state before and after, so it reports
//! what happened, not what an actor meant to do. It is a view for readers of a trace (the
//! reviewer's page draws its charts from it); the observers in [`crate::properties`] do not
//! read it yet (issue 9's "actor -> events -> observer" layout is not finished, see
//! `model/README.md`).

use crate::crypto::Term;
use crate::server::{Party, SessionKind, Status};
use crate::system::{Action, Config, State, describe};
use std::fmt;

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
