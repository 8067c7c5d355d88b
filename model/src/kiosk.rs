//! Kiosks (shop terminals) and login by QR, in both directions (seed §3, supplement 2).
//!
//! - The kiosk shows a QR (its session and challenge); the phone scans it, checks that this
//!   kiosk is near (a proximity channel such as BLE, as in CTAP 2.2 hybrid transport), and
//!   answers with an assertion for the kiosk's session.
//! - The phone shows a QR: the phone opens a session bound to the kiosk it found near by
//!   proximity, and displays its assertion; a kiosk scans it and presents it with its own
//!   identity; the server logs in only the kiosk that the session is bound to.
//!
//! The seed's argument is that proximity stops the well-known QR relay (man-in-the-middle):
//! the `kiosk proximity` property checks it, and the bug switches remove either check.
//!
//! The person at the remote kiosk is a second person (ground truth, [`KioskId::user`]): a
//! relayed login there is the owner's phone completing a kiosk session, or a phone-QR login,
//! for another person, which `account isolation` judges as well (issue 10).
//!
//! A relay that stands near (issue 16): an attacker device near the victim's phone relays the
//! remote kiosk's QR and its proximity channel, as relay attacks on short-range radio do (the
//! phone hears the remote kiosk's advert through the relay). A proximity check that is only
//! presence on the channel then passes for the remote kiosk
//! (`proximity-not-distance-bounding`); the defence is distance bounding (a round-trip time
//! bound that a relay's added delay exceeds), which the relay cannot make look near.

use crate::crypto::Person;
use serde::Serialize;

/// A kiosk: the one the owner stands at, and a remote one operated by the attacker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum KioskId {
    Near,
    Remote,
}

impl KioskId {
    pub const ALL: [KioskId; 2] = [KioskId::Near, KioskId::Remote];

    /// Ground truth: is the owner's phone physically near this kiosk? The owner stands at the
    /// near kiosk; the remote kiosk is elsewhere (the attacker relays to it).
    pub fn owner_is_near(self) -> bool {
        self == KioskId::Near
    }

    /// Ground truth: the person who stands at this kiosk and uses the session it logs in: the
    /// owner at the near kiosk, a second person at the remote one (the one the relay serves).
    /// A login there with the owner's credential is one person's phone completing a kiosk
    /// session for the other (issue 10, account isolation).
    pub fn user(self) -> Person {
        match self {
            KioskId::Near => Person::A,
            KioskId::Remote => Person::B,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A kiosk's state: the session whose QR it shows, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Kiosk {
    pub showing: Option<u8>,
}

/// The phone's proximity check before it answers a kiosk's QR: the kiosk must be near (the
/// `skip-proximity-check` bug answers any QR). `relayed`: an attacker's relay near the phone
/// forwards the remote kiosk's proximity channel; `distance_bounding`: the check bounds the
/// round-trip time, so a relayed kiosk is not near.
pub fn phone_accepts_qr(
    kiosk: KioskId,
    skip_check: bool,
    relayed: bool,
    distance_bounding: bool,
) -> bool {
    skip_check
        || kiosk.owner_is_near()
        || (kiosk == KioskId::Remote && relayed && !distance_bounding)
}
