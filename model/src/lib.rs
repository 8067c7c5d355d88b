//! The My Number Card / FIDO proposal (FIDO Alliance / NTT docomo, 2020-12-04, DESIGN.md §1) as
//! a stateright model, checked exhaustively.
//!
//! One module per actor ([`card`], [`secure_element`], [`biometric`], [`authenticator`],
//! [`server`], [`kiosk`], [`owner`], [`attacker`]; the owner's and the attacker's verbs in
//! their own files), the composition in [`system`], the properties with
//! their statements and sources in [`properties`], the unlock policies and their lockout
//! automaton in [`policy`], symbolic terms in [`crypto`], bug switches in [`bugs`], the
//! negative controls of the exact-schedule witnesses in [`controls`], and the checker driver
//! behind the `model` binary in [`check`].

pub mod attacker;
pub mod authenticator;
pub mod biometric;
pub mod bugs;
pub mod card;
pub mod chart;
pub mod check;
pub mod controls;
pub mod crypto;
pub mod events;
pub mod explore;
pub mod kiosk;
pub mod owner;
pub mod policy;
pub mod properties;
pub mod report;
pub mod secure_element;
pub mod server;
pub mod system;
