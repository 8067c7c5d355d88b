//! Symbolic cryptography: the finitely many keys, nonces and signed terms of the model.
//!
//! Keys are names and a signature is a term naming its key and what it signs; nobody produces a
//! term of a key it does not hold (the Dolev-Yao assumption: perfect cryptography). The terms
//! follow the messages of DESIGN.md §1:
//! - the JPKI user-authentication signature of the card over a server challenge (J-LIS; the seed
//!   §3 sequence, step 1);
//! - the same signature made by the phone secure element's JPKI copy (seed §1);
//! - a WebAuthn attestation (registration) and assertion (login) of a FIDO credential key, over
//!   the challenge, with the origin the client saw (W3C WebAuthn L3 §5.8.1 `CollectedClientData`,
//!   `origin`) and, for assertions, the signature counter (WebAuthn L3 §6.1.1).

use serde::Serialize;
use std::fmt;

/// A challenge. Challenge `i` is the `i`-th one the server issued (the server's `next_nonce`).
pub type Nonce = u8;

/// A person with a card, a phone and an account at the portal. `A` is the owner of every
/// scenario; `B` exists only in `insider` (issue 10): a second person with a valid card and an
/// account of their own, who attacks `A`'s account. In the one-person scenarios every card
/// signature is `A`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Person {
    A,
    B,
}

impl Person {
    pub const ALL: [Person; 2] = [Person::A, Person::B];

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A phone of the owner. The old one may be stolen; the new one is set up by recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum PhoneId {
    Old,
    New,
}

impl PhoneId {
    pub const ALL: [PhoneId; 2] = [PhoneId::Old, PhoneId::New];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The FIDO credential key that this phone's secure element creates.
    pub fn key(self) -> Key {
        match self {
            PhoneId::Old => Key::Old,
            PhoneId::New => Key::New,
        }
    }
}

/// A FIDO credential key: one per phone secure element, and two of the attacker's own
/// authenticator. An authenticator makes a new credential for every registration (WebAuthn L3
/// §6.1), and the server refuses a credential it already knows (§7.1), so the attacker's two
/// registrations (the most the model allows, `system.rs`) use one key each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Key {
    Old,
    New,
    Attacker,
    /// The attacker's second credential: its second registration session attests this one.
    Attacker2,
    /// The old phone's second credential for the same relying party, in `renew` (issue 9: a
    /// recovery must retire every credential of the person, however many). The owner
    /// registered the phone twice before the scenario (a relying party may hold several
    /// credentials of one authenticator, WebAuthn L3 §6.1: each `create()` makes a new one).
    Old2,
}

impl Key {
    pub const ALL: [Key; 5] = [Key::Old, Key::New, Key::Attacker, Key::Attacker2, Key::Old2];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn bit(self) -> u8 {
        1 << self.index()
    }

    /// Whose authenticator holds the private key (ground truth): the phones' keys are the
    /// owner's (`A`); the attacker's keys are its own authenticator's, which in `insider` is the
    /// second person `B`.
    pub fn holder(self) -> Person {
        match self {
            Key::Old | Key::New | Key::Old2 => Person::A,
            Key::Attacker | Key::Attacker2 => Person::B,
        }
    }
}

/// The origin the client saw when it produced a WebAuthn response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Origin {
    /// The real relying party (Myna Portal / J-LIS).
    Real,
    /// The attacker's look-alike site.
    Phish,
}

/// What kind of response a term is; freshness is per challenge and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum RespKind {
    CardSig,
    SeSig,
    Attestation,
    Assertion,
}

/// A signed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Term {
    /// `Sig(card user-auth key of certificate generation cert, nonce)`, made by `person`'s card.
    CardSig {
        person: Person,
        cert: u8,
        nonce: Nonce,
    },
    /// `Sig(JPKI key in the phone's secure element, nonce)`.
    SeSig { phone: PhoneId, nonce: Nonce },
    /// `Sig(key, (nonce, origin, public key))`: a WebAuthn attestation.
    Attestation {
        key: Key,
        nonce: Nonce,
        origin: Origin,
    },
    /// `Sig(key, (nonce, origin, counter))`: a WebAuthn assertion.
    Assertion {
        key: Key,
        nonce: Nonce,
        origin: Origin,
        ctr: u8,
    },
}

impl Term {
    pub fn nonce(&self) -> Nonce {
        match *self {
            Term::CardSig { nonce, .. }
            | Term::SeSig { nonce, .. }
            | Term::Attestation { nonce, .. }
            | Term::Assertion { nonce, .. } => nonce,
        }
    }

    pub fn kind(&self) -> RespKind {
        match self {
            Term::CardSig { .. } => RespKind::CardSig,
            Term::SeSig { .. } => RespKind::SeSig,
            Term::Attestation { .. } => RespKind::Attestation,
            Term::Assertion { .. } => RespKind::Assertion,
        }
    }

    /// The origin of a WebAuthn response; card and SE signatures carry none.
    pub fn origin(&self) -> Option<Origin> {
        match *self {
            Term::Attestation { origin, .. } | Term::Assertion { origin, .. } => Some(origin),
            _ => None,
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Term::CardSig {
                person: Person::A,
                cert,
                nonce,
            } => write!(f, "CardSig(cert#{cert}, n{nonce})"),
            Term::CardSig { cert, nonce, .. } => {
                write!(f, "CardSig(B's card, cert#{cert}, n{nonce})")
            }
            Term::SeSig { phone, nonce } => write!(f, "SeSig({phone:?} phone, n{nonce})"),
            Term::Attestation { key, nonce, origin } => {
                write!(f, "Attestation(key {key:?}, n{nonce}, {origin:?})")
            }
            Term::Assertion {
                key,
                nonce,
                origin,
                ctr,
            } => write!(f, "Assertion(key {key:?}, n{nonce}, {origin:?}, ctr {ctr})"),
        }
    }
}
