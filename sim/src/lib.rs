//! Risk simulator: how likely an attacker holding a lost or stolen phone (or card) gets in within
//! a time window, under each biometric unlock policy, next to the My Number Card's 4-digit PIN.
//!
//! DESIGN.md §4 (the simulator) and §6 (the reference figures). The pieces:
//! - [`scenario`]: TOML scenario files mapped onto [`model::policy::Policy`]; attempt counts come
//!   from the policy's lockout automaton ([`model::policy::budget`]) unless fixed.
//! - [`pins`]: PIN-guessing models (uniform, DataGenetics 2012 human PINs, Bonneau et al. 2012
//!   birthday attacker).
//! - [`estimate`]: exact probabilities, the per-trial experiment with importance sampling, Wilson
//!   intervals.
//! - [`exact_sum`]: exact accumulation, so threads and shards give identical bytes.
//! - [`national`]: `sim national`, the population-scale yearly risk with heterogeneity and
//!   parameter uncertainty (issue 11).
//! - [`run`]: rows, parallel blocks, shards, merge; [`output`] and [`plot`]: the report files.

pub mod estimate;
pub mod exact_sum;
pub mod national;
pub mod output;
pub mod pins;
pub mod plot;
pub mod run;
pub mod scenario;
