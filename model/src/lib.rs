//! The My Number Card / FIDO protocol as a stateright model (work in progress).

pub mod policy;
