//! `sim national`: how many of about 100 million holders are compromised per year under each
//! unlock policy, which holders carry that risk, and how sure we can be (issue 11).
//!
//! The model. Each holder loses the phone or the card `loss_rate_per_year` times a year on average
//! (a Poisson rate, so expected counts add). Who gets it is drawn from the attacker mix; the owner
//! reports the loss after a delay (fixed, or drawn from a table), which ends the attacker's window
//! (revocation and remote lock). Within the window the attacker makes the presentations and
//! guesses the policy's lockout automaton allows ([`model::policy::budget`] at that window), as in
//! `sim run`. The yearly expected number of compromised holders of row (policy, attacker) is
//!
//! `holders x share(policy) x loss_rate x share(attacker) x E_holders E_delay P(in | holder, delay)`
//!
//! with `P = 1 - (1 - p_bio)(1 - p_pin)` as in `sim run` (for an attacker with `pin_observed = o`,
//! the shoulder surfer of issue 16, on a lock screen: `1 - (1 - o)(1 - p_bio)(1 - p_pin)`), and
//! - zero-effort attacker: the holder's FAR is lognormal around the policy's figure,
//!   `FAR_u = far exp(far_sigma Z - far_sigma^2/2)` (mean preserved), capped at 1, with `Z`
//!   standard normal; with `templates` enrolled templates a presentation matches if any does,
//!   `q = 1 - (1 - FAR_u)^templates`; `p_bio = 1 - (1 - q)^b`.
//! - spoofer: the artefact's SAR is drawn once per attack, `S ~ Beta(c sar, c (1 - sar))` with
//!   concentration `c = sar_concentration` (mean `sar`), so a good artefact keeps working:
//!   `p_bio = 1 - E[(1 - S)^b] = 1 - prod_{i<b} (c(1-sar) + i) / (c + i)` (the Beta-binomial
//!   probability of no accept). Without `sar_concentration` every try is independent at `sar`.
//! - PIN stage: the 4-digit human and birthday tables of [`crate::pins`] (DataGenetics; Bonneau
//!   et al.), and for 6-digit passcodes, blocklisted PINs and the signing password the guessing
//!   curves [`crate::pins::GuessCurve`] (Markert et al. 2020 guess counts; assumptions flagged).
//!
//! Parameter uncertainty: a policy entry with `far_comparisons = n` treats the claimed FAR as the
//! result of an evaluation of `n` impostor comparisons with `k = far n` false accepts, and draws
//! the FAR of each outer draw from the Jeffreys posterior `Beta(k + 1/2, n - k + 1/2)`; the same
//! for SAR with `sar_presentations`. The outer loop has `trials` draws; a row's
//! `expected_per_year` is the mean over the draws and `ci_low`/`ci_high` are the 2.5% and 97.5%
//! quantiles of the draws, i.e. a 95% interval that includes the parameter uncertainty; the
//! Monte-Carlo error of the mean is reported separately (`mc_rel_error`, the 95% half-width over
//! the mean). Without `far_comparisons` / `sar_presentations` the figures are taken as exact.
//!
//! Not one trial per holder: the expectation over holders is a stratified sample over the
//! quantile of `Z`, with strata that get geometrically finer towards the upper tail (stratum `k`
//! holds the holders whose tail probability lies in `[2^{-40(k+1)/S}, 2^{-40k/S})`, plus a last
//! stratum for the top `2^-40`), one draw per stratum and draw: the easy-to-impersonate holders
//! who carry the risk are where the samples are (importance by allocation). The expectation over
//! the delay is an exact sum over the table; the spoof artefact's is in closed form.
//!
//! Reproducible: outer draw `j` has its own ChaCha8 stream (key: seed and a tag; stream `j`), so a
//! shard `I/N` computes draws `[I*T/N, (I+1)*T/N)` and the merge concatenates them: any thread
//! count and any shard split give the same bytes.
//!
//! Per-holder percentiles use the posterior like the totals. The holder at upper-tail
//! probability `v` of `Z` has, in draw `j`, the yearly risk `risk(z_v, theta_j)`; the risk is
//! non-decreasing in `z` for every `theta`, so the `v`-quantile over holders of the expected risk
//! `E_theta risk(z, theta)` is `E_theta risk(z_v, theta)`: the mean over the outer draws of the
//! risk at `z_v`, whose figures the report recomputes from each draw's stream (nothing extra is
//! stored in a shard). Its 2.5%/97.5% quantiles over the draws are the interval. The CCDF is
//! the same expectation at 61 tail levels. The one-at-a-time sensitivity analysis evaluates the
//! posterior-mean total over the first [`SENSITIVITY_DRAWS`] draws for each parameter value, with
//! the same draws for every value (a FAR or SAR varied is fixed at its posterior 2.5% / 97.5%
//! quantile while the others keep their posteriors).

use std::collections::BTreeMap;

use model::policy;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::beta::beta_reg;

use crate::estimate::{combine, exact_bio};
use crate::pins::{self, GuessCurve, PinModel};
pub use crate::run::Shard;
use crate::scenario::{BioAttack, InputError, PinAttack, Scenario};

pub mod output;
pub mod plot;

/// The built-in national scenario (`--scenario builtin:national`, the default).
pub const BUILTIN_NATIONAL: &str = include_str!("../scenarios/national.toml");

/// Output file names.
pub const CSV: &str = "national.csv";
pub const JSON: &str = "national.json";
pub const SVG: &str = "national.svg";
pub const SENSITIVITY_SVG: &str = "sensitivity.svg";
pub const STATE: &str = "national.state.json";
/// The state file's format tag.
pub const STATE_FORMAT: &str = "mynafido-sim-national-shard-v1";

/// Domain tag of the outer draws' ChaCha key.
const KEY_TAG: &[u8; 24] = b"mynafido-sim-national-v1";
/// Tail depth of the strata: the last stratum holds the top 2^-40 of holders.
const TAIL_BITS: f64 = 40.0;
/// Default number of strata.
pub const DEFAULT_STRATA: u32 = 64;
/// Most strata accepted.
pub const MAX_STRATA: u32 = 4096;
/// Most outer draws accepted (each keeps one number per row in memory).
pub const MAX_DRAWS: u64 = 1 << 22;

/// `[population]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PopulationEntry {
    holders: u64,
    loss_rate_per_year: f64,
    report_delay_hours: DelayEntry,
    #[serde(default)]
    far_sigma: f64,
    #[serde(default)]
    sar_concentration: Option<f64>,
    #[serde(default)]
    strata: Option<u32>,
    #[serde(default)]
    baselines: Option<Vec<String>>,
    #[serde(default)]
    pin_curve_scale: Option<f64>,
    #[serde(default)]
    policy: Vec<PopPolicyEntry>,
    #[serde(default)]
    attacker: Vec<PopAttackerEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum DelayEntry {
    Fixed(f64),
    Table(Vec<(f64, f64)>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PopPolicyEntry {
    policy: String,
    share: f64,
    #[serde(default)]
    templates: Option<u32>,
    #[serde(default)]
    far_comparisons: Option<f64>,
    #[serde(default)]
    sar_presentations: Option<f64>,
    #[serde(default)]
    blocklist: Option<bool>,
    #[serde(default)]
    secret: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PopAttackerEntry {
    attacker: String,
    share: f64,
}

/// Only the `population` key of a scenario file (the rest is [`Scenario`]'s).
#[derive(Debug, Clone, Deserialize)]
struct NationalFile {
    #[serde(default)]
    population: Option<PopulationEntry>,
}

/// What kind of secret the PIN stage protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Secret {
    /// A numeric PIN of the policy's length.
    Pin,
    /// The JPKI signing password (human-chosen alphanumerics).
    Password,
}

/// One policy of the population after validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopPolicy {
    /// Index into the scenario's policies.
    pub index: usize,
    pub name: String,
    pub share: f64,
    pub templates: u32,
    pub far_comparisons: Option<f64>,
    pub sar_presentations: Option<f64>,
    pub blocklist: bool,
    pub secret: Secret,
}

/// One attacker of the population after validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopAttacker {
    pub index: usize,
    pub name: String,
    pub share: f64,
}

/// A validated national model: the scenario (policies, attackers) and its population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct National {
    pub scenario: Scenario,
    pub holders: u64,
    pub loss_rate_per_year: f64,
    /// `(hours, probability)`, probabilities summing to 1.
    pub delays: Vec<(f64, f64)>,
    pub far_sigma: f64,
    pub sar_concentration: Option<f64>,
    pub strata: u32,
    pub policies: Vec<PopPolicy>,
    pub attackers: Vec<PopAttacker>,
    /// Baseline policies (names of `policies` entries): rows as if every holder used them.
    pub baselines: Vec<String>,
    /// Factor on the shares of the assumed PIN guessing curves (`[population] pin_curve_scale`,
    /// default 1; the sensitivity analysis varies it).
    #[serde(default = "one")]
    pub pin_curve_scale: f64,
}

fn one() -> f64 {
    1.0
}

fn bad(file: &str, table: &str, key: &str, value: String, reason: &str) -> InputError {
    InputError::Value {
        file: file.into(),
        table: table.into(),
        key: key.into(),
        value,
        reason: reason.into(),
    }
}

fn probability(x: f64) -> bool {
    x.is_finite() && (0.0..=1.0).contains(&x)
}

impl National {
    /// The built-in national scenario.
    pub fn builtin() -> Result<National, InputError> {
        National::from_toml("<builtin:national>", BUILTIN_NATIONAL)
    }

    /// Read and validate a scenario file with a `[population]` section.
    pub fn from_path(path: &std::path::Path) -> Result<National, InputError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| InputError::Read {
            file: file.clone(),
            source,
        })?;
        National::from_toml(&file, &text)
    }

    /// Parse and validate; `file` names the text in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<National, InputError> {
        let scenario = Scenario::from_toml(file, text)?;
        let raw: NationalFile = toml::from_str(text).map_err(|e| InputError::Parse {
            file: file.into(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let Some(pop) = raw.population else {
            return Err(InputError::Other {
                file: file.into(),
                message: "no [population] table: `sim national` needs one (holders, \
                          loss_rate_per_year, report_delay_hours, [[population.policy]], \
                          [[population.attacker]])"
                    .into(),
            });
        };
        resolve(file, scenario, pop)
    }

    /// Draws in the outer loop.
    pub fn draws(&self) -> u64 {
        self.scenario.trials
    }
}

fn resolve(
    file: &str,
    mut scenario: Scenario,
    pop: PopulationEntry,
) -> Result<National, InputError> {
    let t = "population";
    if pop.holders == 0 {
        return Err(bad(file, t, "holders", "0".into(), "must be at least 1"));
    }
    if !(pop.loss_rate_per_year.is_finite() && pop.loss_rate_per_year >= 0.0) {
        return Err(bad(
            file,
            t,
            "loss_rate_per_year",
            pop.loss_rate_per_year.to_string(),
            "must be a rate >= 0 (expected events per holder per year)",
        ));
    }
    let delays = match &pop.report_delay_hours {
        DelayEntry::Fixed(h) => vec![(*h, 1.0)],
        DelayEntry::Table(t) => t.clone(),
    };
    if delays.is_empty() {
        return Err(bad(
            file,
            t,
            "report_delay_hours",
            "[]".into(),
            "needs at least one [hours, probability] pair",
        ));
    }
    for (h, p) in &delays {
        if !(h.is_finite() && *h > 0.0 && *h <= crate::scenario::MAX_WINDOW_HOURS) {
            return Err(bad(
                file,
                t,
                "report_delay_hours",
                h.to_string(),
                "hours must be in (0, 1000000]",
            ));
        }
        if !probability(*p) {
            return Err(bad(
                file,
                t,
                "report_delay_hours",
                p.to_string(),
                "not a probability in [0, 1]",
            ));
        }
    }
    let total: f64 = delays.iter().map(|(_, p)| p).sum();
    if (total - 1.0).abs() > 1e-9 {
        return Err(bad(
            file,
            t,
            "report_delay_hours",
            total.to_string(),
            "the probabilities must sum to 1",
        ));
    }
    if !(pop.far_sigma.is_finite() && (0.0..=10.0).contains(&pop.far_sigma)) {
        return Err(bad(
            file,
            t,
            "far_sigma",
            pop.far_sigma.to_string(),
            "must be in [0, 10]",
        ));
    }
    if let Some(c) = pop.sar_concentration
        && !(c.is_finite() && c > 0.0)
    {
        return Err(bad(
            file,
            t,
            "sar_concentration",
            c.to_string(),
            "must be > 0",
        ));
    }
    let pin_curve_scale = pop.pin_curve_scale.unwrap_or(1.0);
    if !(pin_curve_scale.is_finite() && pin_curve_scale > 0.0 && pin_curve_scale <= 100.0) {
        return Err(bad(
            file,
            t,
            "pin_curve_scale",
            pin_curve_scale.to_string(),
            "must be in (0, 100]",
        ));
    }
    let strata = pop.strata.unwrap_or(DEFAULT_STRATA);
    if !(1..=MAX_STRATA).contains(&strata) {
        return Err(bad(
            file,
            t,
            "strata",
            strata.to_string(),
            &format!("must be in 1..={MAX_STRATA}"),
        ));
    }
    if scenario.trials > MAX_DRAWS {
        return Err(bad(
            file,
            "scenario",
            "trials",
            scenario.trials.to_string(),
            &format!("national outer draws must be in 1..={MAX_DRAWS}"),
        ));
    }
    if pop.policy.is_empty() {
        return Err(InputError::Other {
            file: file.into(),
            message: "no [[population.policy]] table: the policy mix needs at least one".into(),
        });
    }
    if pop.attacker.is_empty() {
        return Err(InputError::Other {
            file: file.into(),
            message: "no [[population.attacker]] table: the attacker mix needs at least one".into(),
        });
    }
    let mut policies: Vec<PopPolicy> = Vec::new();
    for e in &pop.policy {
        let table = format!("population.policy `{}`", e.policy);
        let index = policy_index(&mut scenario, &e.policy).ok_or_else(|| {
            bad(
                file,
                &table,
                "policy",
                format!("{:?}", e.policy),
                "names neither a [[policy]] of the file nor a built-in policy (see `sim list`)",
            )
        })?;
        if policies.iter().any(|p| p.name == e.policy) {
            return Err(bad(
                file,
                &table,
                "policy",
                format!("{:?}", e.policy),
                "duplicate policy in the mix",
            ));
        }
        if !probability(e.share) {
            return Err(bad(
                file,
                &table,
                "share",
                e.share.to_string(),
                "not a share in [0, 1]",
            ));
        }
        let templates = e.templates.unwrap_or(1);
        if !(1..=20).contains(&templates) {
            return Err(bad(
                file,
                &table,
                "templates",
                templates.to_string(),
                "must be in 1..=20",
            ));
        }
        let sp = &scenario.policies[index].policy;
        for (key, v, needs) in [
            (
                "far_comparisons",
                e.far_comparisons,
                sp.biometric.as_ref().map(|b| b.far),
            ),
            (
                "sar_presentations",
                e.sar_presentations,
                sp.biometric.as_ref().map(|b| b.sar),
            ),
        ] {
            if let Some(n) = v {
                let Some(_rate) = needs else {
                    return Err(bad(
                        file,
                        &table,
                        key,
                        n.to_string(),
                        "the policy has no biometric stage",
                    ));
                };
                if !(n.is_finite() && (1.0..=1e15).contains(&n)) {
                    return Err(bad(
                        file,
                        &table,
                        key,
                        n.to_string(),
                        "must be a number of trials in [1, 1e15]",
                    ));
                }
            }
        }
        let secret = match e.secret.as_deref() {
            None | Some("pin") => Secret::Pin,
            Some("password") => Secret::Password,
            Some(other) => {
                return Err(bad(
                    file,
                    &table,
                    "secret",
                    format!("{other:?}"),
                    "expected \"pin\" or \"password\"",
                ));
            }
        };
        if scenario.policies[index].policy.pin.is_none()
            && (secret == Secret::Password || e.blocklist.is_some())
        {
            return Err(bad(
                file,
                &table,
                if secret == Secret::Password {
                    "secret"
                } else {
                    "blocklist"
                },
                "..".into(),
                "the policy has no PIN stage",
            ));
        }
        policies.push(PopPolicy {
            index,
            name: e.policy.clone(),
            share: e.share,
            templates,
            far_comparisons: e.far_comparisons,
            sar_presentations: e.sar_presentations,
            blocklist: e.blocklist.unwrap_or(false),
            secret,
        });
    }
    let share_sum: f64 = policies.iter().map(|p| p.share).sum();
    if (share_sum - 1.0).abs() > 1e-9 {
        return Err(bad(
            file,
            "population.policy",
            "share",
            share_sum.to_string(),
            "the policy shares must sum to 1",
        ));
    }
    let mut attackers: Vec<PopAttacker> = Vec::new();
    for e in &pop.attacker {
        let table = format!("population.attacker `{}`", e.attacker);
        let index = scenario
            .attackers
            .iter()
            .position(|a| a.name == e.attacker)
            .ok_or_else(|| {
                bad(
                    file,
                    &table,
                    "attacker",
                    format!("{:?}", e.attacker),
                    "names no [[attacker]] of the file",
                )
            })?;
        if attackers.iter().any(|a| a.name == e.attacker) {
            return Err(bad(
                file,
                &table,
                "attacker",
                format!("{:?}", e.attacker),
                "duplicate attacker in the mix",
            ));
        }
        if !probability(e.share) {
            return Err(bad(
                file,
                &table,
                "share",
                e.share.to_string(),
                "not a share in [0, 1]",
            ));
        }
        attackers.push(PopAttacker {
            index,
            name: e.attacker.clone(),
            share: e.share,
        });
    }
    let share_sum: f64 = attackers.iter().map(|a| a.share).sum();
    if (share_sum - 1.0).abs() > 1e-9 {
        return Err(bad(
            file,
            "population.attacker",
            "share",
            share_sum.to_string(),
            "the attacker shares must sum to 1",
        ));
    }
    let baselines = match pop.baselines {
        Some(b) => b,
        None => scenario.baseline.iter().cloned().collect(),
    };
    for b in &baselines {
        if !policies.iter().any(|p| &p.name == b) {
            return Err(bad(
                file,
                t,
                "baselines",
                format!("{b:?}"),
                "names no [[population.policy]] (give it with share = 0 if it is only a baseline)",
            ));
        }
    }
    Ok(National {
        scenario,
        holders: pop.holders,
        loss_rate_per_year: pop.loss_rate_per_year,
        delays,
        far_sigma: pop.far_sigma,
        sar_concentration: pop.sar_concentration,
        strata,
        policies,
        attackers,
        baselines,
        pin_curve_scale,
    })
}

/// The index of a policy of the scenario, adding a built-in one if the file has none of the name.
fn policy_index(s: &mut Scenario, name: &str) -> Option<usize> {
    if let Some(i) = s.policies.iter().position(|p| p.policy.name == name) {
        return Some(i);
    }
    let p = policy::builtin_named(name)?;
    s.policies.push(crate::scenario::ScenarioPolicy {
        policy: p,
        bio_attempts: None,
        pin_attempts: None,
    });
    Some(s.policies.len() - 1)
}

/// The guessing model of one (policy, attacker) PIN stage.
#[derive(Debug, Clone)]
enum Guessing {
    None,
    Table(PinModel),
    Curve(GuessCurve),
    CurveBirthday(GuessCurve, f64),
}

impl Guessing {
    fn success(&self, g: u64) -> f64 {
        match self {
            Guessing::None => 0.0,
            Guessing::Table(m) => m.success(g),
            Guessing::Curve(c) => c.success(g),
            Guessing::CurveBirthday(c, b) => c.with_birthday(*b, g),
        }
    }
}

/// The assumed numeric-PIN guessing curves (`PIN6_HUMAN`, `PIN6_HUMAN_BLOCKLIST`,
/// `PIN4_HUMAN_BLOCKLIST`) with every anchor's share multiplied by `scale` (the sensitivity
/// analysis' handle on figures no source calibrated; 1 = as published in `sim::pins`). A scale
/// that is not a positive number (a tampered state) counts as 1; shares stay below 1.
fn scaled_curve(space: u64, anchors: &[(u64, f64)], scale: f64) -> GuessCurve {
    let k = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    let a: Vec<(u64, f64)> = anchors
        .iter()
        .map(|&(g, c)| (g, (c * k).min(0.999)))
        .collect();
    GuessCurve::new(space, &a)
}

fn guessing(
    pp: &PopPolicy,
    space_digits: Option<u32>,
    attack: PinAttack,
    pin_curve_scale: f64,
) -> Guessing {
    let Some(digits) = space_digits else {
        return Guessing::None;
    };
    let space = 10u64.saturating_pow(digits);
    let birthday = |blocklist: bool| {
        (if blocklist {
            pins::BIRTHDAY_BLOCKLIST_PER_MILLE
        } else {
            pins::BIRTHDAY_PER_MILLE
        }) as f64
            / 1000.0
    };
    let curve = || -> Option<GuessCurve> {
        match (pp.secret, digits, pp.blocklist) {
            (Secret::Password, _, _) => {
                Some(GuessCurve::new(pins::PASSWORD_SPACE, &pins::PASSWORD_HUMAN))
            }
            (Secret::Pin, 4, false) => None,
            (Secret::Pin, 4, true) => Some(scaled_curve(
                space,
                &pins::PIN4_HUMAN_BLOCKLIST,
                pin_curve_scale,
            )),
            (Secret::Pin, _, false) => Some(scaled_curve(
                space.max(1000),
                &pins::PIN6_HUMAN,
                pin_curve_scale,
            )),
            (Secret::Pin, _, true) => Some(scaled_curve(
                space.max(1000),
                &pins::PIN6_HUMAN_BLOCKLIST,
                pin_curve_scale,
            )),
        }
    };
    match attack {
        PinAttack::None => Guessing::None,
        PinAttack::Uniform => match pp.secret {
            Secret::Pin => Guessing::Table(PinModel::Uniform { space }),
            Secret::Password => Guessing::Table(PinModel::Uniform {
                space: pins::PASSWORD_SPACE,
            }),
        },
        PinAttack::Human => match curve() {
            None => Guessing::Table(PinModel::human()),
            Some(c) => Guessing::Curve(c),
        },
        PinAttack::Birthday | PinAttack::BirthdayBlocklist => {
            let b = birthday(attack == PinAttack::BirthdayBlocklist || pp.blocklist);
            match curve() {
                None => Guessing::Table(PinModel::birthday(attack == PinAttack::BirthdayBlocklist)),
                Some(c) => Guessing::CurveBirthday(c, b),
            }
        }
    }
}

/// One row's fixed parts: per delay, the attempt counts and the PIN stage's success.
#[derive(Debug, Clone)]
struct RowModel {
    /// Index into `National::policies` / `attackers`.
    pop_policy: usize,
    pop_attacker: usize,
    baseline: bool,
    bio: BioAttack,
    /// `(weight, bio presentations, p_pin)` per delay.
    per_delay: Vec<(f64, u64, f64)>,
}

/// Figures of one draw for one policy.
#[derive(Debug, Clone, Copy)]
struct Figures {
    far: f64,
    sar: f64,
}

impl National {
    fn rows(&self) -> Vec<RowModel> {
        let mut out = Vec::new();
        let mut push = |pi: usize, baseline: bool| {
            let pp = &self.policies[pi];
            let sp = &self.scenario.policies[pp.index];
            for (ai, pa) in self.attackers.iter().enumerate() {
                let a = &self.scenario.attackers[pa.index];
                let g = guessing(
                    pp,
                    sp.policy.pin.as_ref().map(|p| p.digits),
                    a.pin,
                    self.pin_curve_scale,
                );
                // The observer (issue 16) knows the lock-screen PIN with `pin_observed`: it
                // works where a biometric stage fronts a PIN stage and the window holds a guess.
                let lock_screen = sp.policy.biometric.is_some()
                    && sp.policy.pin.is_some()
                    && pp.secret == Secret::Pin;
                let per_delay = self
                    .delays
                    .iter()
                    .map(|&(h, w)| {
                        let b = policy::budget(&sp.policy, (h * 3600.0).round() as u64);
                        let bio = sp.bio_attempts.or(b.biometric_presentations).unwrap_or(0);
                        let guesses = sp.pin_attempts.or(b.pin_guesses).unwrap_or(0);
                        let guesses = match (pp.secret, b.pin_space) {
                            (Secret::Pin, Some(space)) => guesses.min(space),
                            _ => guesses,
                        };
                        let observed = if lock_screen && guesses >= 1 {
                            a.pin_observed
                        } else {
                            0.0
                        };
                        (w, bio, combine(observed, g.success(guesses)))
                    })
                    .collect();
                let bio_stage = sp.policy.biometric.as_ref();
                out.push(RowModel {
                    pop_policy: pi,
                    pop_attacker: ai,
                    baseline,
                    bio: if bio_stage.is_some() {
                        a.biometric
                    } else {
                        BioAttack::None
                    },
                    per_delay,
                });
            }
        };
        for (pi, p) in self.policies.iter().enumerate() {
            if p.share > 0.0 {
                push(pi, false);
            }
        }
        for b in &self.baselines {
            if let Some(pi) = self.policies.iter().position(|p| &p.name == b) {
                push(pi, true);
            }
        }
        out
    }

    /// Holders of a row: the policy's share of everyone, or everyone for a baseline row.
    fn row_holders(&self, r: &RowModel) -> f64 {
        let share = if r.baseline {
            1.0
        } else {
            self.policies[r.pop_policy].share
        };
        self.holders as f64 * share
    }

    /// Yearly attack events per holder by the row's attacker.
    fn row_rate(&self, r: &RowModel) -> f64 {
        self.loss_rate_per_year * self.attackers[r.pop_attacker].share
    }
}

/// Tail probabilities of the strata edges: `t_k = 2^{-40 k / S}`, `k = 0..=S`, then 0.
fn strata_edges(s: u32) -> Vec<f64> {
    let mut e: Vec<f64> = (0..=s)
        .map(|k| (-TAIL_BITS * f64::from(k) / f64::from(s)).exp2())
        .collect();
    e.push(0.0);
    e
}

/// The standard normal quantile of the upper tail probability `v`: `Z` with `P(Z > z) = v`.
fn z_of_tail(normal: &Normal, v: f64) -> f64 {
    if v >= 0.5 {
        normal.inverse_cdf(1.0 - v)
    } else {
        -normal.inverse_cdf(v)
    }
}

/// A uniform in (0, 1) from 53 random bits.
fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Per-holder FAR at `z`, capped at 1.
pub fn holder_far(far: f64, sigma: f64, z: f64) -> f64 {
    (far * (sigma * z - 0.5 * sigma * sigma).exp()).min(1.0)
}

/// `1 - E[(1 - S)^b]` for `S ~ Beta(c m, c (1 - m))`: the chance that an artefact drawn once gets
/// in within `b` presentations.
pub fn spoof_success(m: f64, c: f64, b: u64) -> f64 {
    if m <= 0.0 || b == 0 {
        return 0.0;
    }
    if m >= 1.0 {
        return 1.0;
    }
    let beta = c * (1.0 - m);
    let mut none = 1.0;
    for i in 0..b {
        none *= (beta + i as f64) / (c + i as f64);
    }
    1.0 - none
}

impl National {
    /// `P(in | holder at z)` averaged over the delays, for one row and figures.
    fn p_row(&self, r: &RowModel, f: Figures, z: f64, templates: u32) -> f64 {
        r.per_delay
            .iter()
            .map(|&(w, b, p_pin)| {
                let p_bio = match r.bio {
                    BioAttack::None => 0.0,
                    BioAttack::ZeroEffort => {
                        let fu = holder_far(f.far, self.far_sigma, z);
                        let q = exact_bio(fu, u64::from(templates));
                        exact_bio(q, b)
                    }
                    BioAttack::Spoof => match self.sar_concentration {
                        Some(c) => spoof_success(f.sar, c, b),
                        None => exact_bio(f.sar, b),
                    },
                };
                w * combine(p_bio, p_pin)
            })
            .sum()
    }

    /// `E_holders P(in)` for one row: stratified over `Z` with the given within-stratum
    /// positions (`None`: midpoints).
    fn mean_p(&self, r: &RowModel, f: Figures, zs: &[(f64, f64)]) -> f64 {
        let templates = self.policies[r.pop_policy].templates;
        if r.bio != BioAttack::ZeroEffort || self.far_sigma == 0.0 {
            return self.p_row(r, f, 0.0, templates);
        }
        zs.iter()
            .map(|&(w, z)| w * self.p_row(r, f, z, templates))
            .sum()
    }

    /// The strata as `(probability, z)`, positions from `pos(k)` in (0, 1).
    fn strata_points(&self, normal: &Normal, mut pos: impl FnMut() -> f64) -> Vec<(f64, f64)> {
        let e = strata_edges(self.strata);
        e.windows(2)
            .map(|w| {
                let (hi, lo) = (w[0], w[1]);
                let v = lo + pos() * (hi - lo);
                (hi - lo, z_of_tail(normal, v))
            })
            .collect()
    }

    /// Figures of each population policy at posterior quantiles `(u_far, u_sar)`.
    fn figures_at(&self, us: &[(f64, f64)]) -> Vec<Figures> {
        self.policies
            .iter()
            .enumerate()
            .map(|(pi, pp)| {
                let sp = &self.scenario.policies[pp.index].policy;
                let (far, sar) = sp.biometric.as_ref().map_or((0.0, 0.0), |b| (b.far, b.sar));
                Figures {
                    far: posterior(far, pp.far_comparisons, us[pi].0),
                    sar: posterior(sar, pp.sar_presentations, us[pi].1),
                }
            })
            .collect()
    }

    /// The nominal figures (the claims, no uncertainty).
    fn nominal(&self) -> Vec<Figures> {
        self.policies
            .iter()
            .map(|pp| {
                let sp = &self.scenario.policies[pp.index].policy;
                let (far, sar) = sp.biometric.as_ref().map_or((0.0, 0.0), |b| (b.far, b.sar));
                Figures { far, sar }
            })
            .collect()
    }

    /// The figures (FAR, SAR per policy, from their posteriors) and the strata points of outer
    /// draw `j`: a pure function of the seed and `j` (its own ChaCha8 stream), so the report can
    /// recompute a draw's figures without storing them (any shard split gives the same).
    fn draw_inputs(&self, normal: &Normal, j: u64) -> (Vec<Figures>, Vec<(f64, f64)>) {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&self.scenario.seed.to_le_bytes());
        key[8..].copy_from_slice(KEY_TAG);
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(j);
        let us: Vec<(f64, f64)> = self
            .policies
            .iter()
            .map(|_| (uniform(&mut rng), uniform(&mut rng)))
            .collect();
        let figs = self.figures_at(&us);
        let zs = self.strata_points(normal, || uniform(&mut rng));
        (figs, zs)
    }

    /// Expected compromised holders per year of every row for one outer draw `j`.
    fn draw(&self, rows: &[RowModel], normal: &Normal, j: u64) -> Vec<f64> {
        let (figs, zs) = self.draw_inputs(normal, j);
        rows.iter()
            .map(|r| {
                self.row_holders(r) * self.row_rate(r) * self.mean_p(r, figs[r.pop_policy], &zs)
            })
            .collect()
    }

    /// Deterministic evaluation at the nominal figures and strata midpoints: per row.
    fn nominal_rows(&self, rows: &[RowModel], figs: &[Figures]) -> Vec<f64> {
        let normal = standard_normal();
        let zs = self.strata_points(&normal, || 0.5);
        rows.iter()
            .map(|r| {
                self.row_holders(r) * self.row_rate(r) * self.mean_p(r, figs[r.pop_policy], &zs)
            })
            .collect()
    }
}

/// The Jeffreys posterior quantile `u` of a rate claimed as `rate` from `n` trials; the rate
/// itself when `n` is `None`.
pub fn posterior(rate: f64, n: Option<f64>, u: f64) -> f64 {
    match n {
        None => rate,
        Some(n) => {
            let k = rate * n;
            beta_quantile(k + 0.5, n - k + 0.5, u)
        }
    }
}

/// The `u` quantile of `Beta(a, b)` by 64 bisection steps on the regularized incomplete beta
/// function (statrs' `beta_reg`); written here because statrs' own `inverse_cdf` is far too slow
/// for `b` of 10^7 (measured: minutes per call).
pub fn beta_quantile(a: f64, b: f64, u: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    // Start from a bracket around the mean, widened geometrically, to keep the steps useful
    // when the mass sits near 0.
    let mean = a / (a + b);
    let mut top = (mean * 64.0).min(1.0);
    while top < 1.0 && beta_reg(a, b, top) < u {
        top = (top * 4.0).min(1.0);
    }
    hi = hi.min(top);
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if beta_reg(a, b, mid) < u {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn standard_normal() -> Normal {
    // Parameters 0 and 1 are valid.
    Normal::standard()
}

/// The outer draws `range` of every row: `values[d][r]`.
pub fn simulate(n: &National, shard: Shard) -> Vec<Vec<f64>> {
    let rows = n.rows();
    let normal = standard_normal();
    let range = shard.range(n.draws());
    range
        .into_par_iter()
        .map(|j| n.draw(&rows, &normal, j))
        .collect()
}

/// One row of `national.json` (the issue 11 contract, plus fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub policy: String,
    pub attacker: String,
    /// `"mix"`: the holders of this policy in the population; `"baseline"`: every holder on it.
    pub role: String,
    pub holders: f64,
    pub expected_per_year: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Monte-Carlo 95% half-width of `expected_per_year` over it.
    pub mc_rel_error: f64,
    pub per_holder_mean: f64,
    pub per_holder_p50: f64,
    pub per_holder_p99: f64,
    pub per_holder_p999: f64,
    /// 2.5% and 97.5% quantiles over the outer draws of the 99.9th-percentile holder's risk
    /// (`per_holder_p999` is their mean: the posterior expectation, as for the totals).
    pub per_holder_p999_ci_low: f64,
    pub per_holder_p999_ci_high: f64,
    /// The 99.9th-percentile holder at the claimed figures (no parameter uncertainty).
    pub per_holder_p999_claimed: f64,
    pub ratio_to_baseline: Option<f64>,
    /// Share of the outer draws in which this row's per-holder risk is below the baseline's.
    pub prob_below_baseline: Option<f64>,
    /// Attempts per delay of the table: presentations, and the PIN stage's chance.
    pub bio_presentations: Vec<u64>,
    pub p_pin: Vec<f64>,
}

/// One policy over all attackers: the answer to "is it safer than the PIN?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicySummary {
    pub policy: String,
    pub role: String,
    pub expected_per_year: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub per_holder_mean: f64,
    pub per_holder_p99: f64,
    pub per_holder_p999: f64,
    /// Per-holder mean over the baseline's, each baseline.
    pub ratio_to_baselines: BTreeMap<String, f64>,
    /// Share of outer draws in which the per-holder mean is below the baseline's.
    pub prob_below_baselines: BTreeMap<String, f64>,
    /// 99.9th-percentile holder over the baseline's 99.9th-percentile holder.
    pub p999_ratio_to_baselines: BTreeMap<String, f64>,
}

/// The total over the mix rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Total {
    pub expected_per_year: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub mc_rel_error: f64,
}

/// One parameter of the one-at-a-time sensitivity analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    pub parameter: String,
    pub low_value: String,
    pub high_value: String,
    /// The yearly total (mix rows; posterior mean over the first `sensitivity_draws` draws,
    /// the same draws for every value) at the low and the high value.
    pub total_low: f64,
    pub total_high: f64,
    pub swing: f64,
}

/// `national.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub holders: u64,
    pub draws: u64,
    pub strata: u32,
    pub loss_rate_per_year: f64,
    pub report_delay_hours: Vec<(f64, f64)>,
    pub far_sigma: f64,
    pub baseline: Option<String>,
    pub rows: Vec<Row>,
    pub total: Total,
    pub policies: Vec<PolicySummary>,
    /// The yearly total at the nominal figures (no parameter uncertainty).
    pub nominal_total: f64,
    /// The outer draws the sensitivity analysis averages over (the first ones of the run).
    pub sensitivity_draws: u64,
    /// The yearly total of the unmodified model over those draws: the tornado's centre.
    pub sensitivity_base_total: f64,
    pub sensitivity: Vec<Sensitivity>,
    /// The per-holder risk CCDF of each mix policy (all attackers): `(risk, share of holders
    /// above it)` points.
    pub ccdf: Vec<Ccdf>,
}

/// CCDF points of one policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ccdf {
    pub policy: String,
    pub role: String,
    pub points: Vec<(f64, f64)>,
}

/// Type-7 quantile (linear between order statistics) of sorted values.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn summary(values: &[f64]) -> (f64, f64, f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = if values.len() > 1 {
        values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    let rel = if mean > 0.0 {
        crate::estimate::Z95 * (var / n).sqrt() / mean
    } else {
        0.0
    };
    (mean, quantile(&s, 0.025), quantile(&s, 0.975), rel)
}

/// Upper-tail probabilities of the per-holder percentiles p50, p99, p99.9.
const PERCENTILES: [f64; 3] = [0.5, 0.01, 0.001];

impl National {
    /// Per-holder yearly risk of a row at the upper-tail probability `v`, at figures `f`.
    fn per_holder_at(&self, r: &RowModel, f: Figures, normal: &Normal, v: f64) -> f64 {
        let z = if r.bio == BioAttack::ZeroEffort && self.far_sigma > 0.0 {
            z_of_tail(normal, v)
        } else {
            0.0
        };
        self.row_rate(r) * self.p_row(r, f, z, self.policies[r.pop_policy].templates)
    }
}

/// Build the report from every draw (`values[d][r]`, all draws in order).
pub fn report(n: &National, values: &[Vec<f64>]) -> Report {
    let rows = n.rows();
    let normal = standard_normal();
    let nominal = n.nominal();
    // The figures of every outer draw, recomputed from the draws' own streams: per-holder
    // percentiles and the CCDF are posterior expectations over them, like the totals.
    let figs: Vec<Vec<Figures>> = (0..values.len() as u64)
        .into_par_iter()
        .map(|j| n.draw_inputs(&normal, j).0)
        .collect();
    let col = |r: usize| -> Vec<f64> { values.iter().map(|d| d[r]).collect() };
    let base_name = n.baselines.first().cloned();
    let base_row = |r: &RowModel| -> Option<usize> {
        let b = base_name.as_ref()?;
        rows.iter().position(|x| {
            x.baseline && &n.policies[x.pop_policy].name == b && x.pop_attacker == r.pop_attacker
        })
    };
    let mut out = Vec::new();
    for (ri, r) in rows.iter().enumerate() {
        let v = col(ri);
        let (mean, lo, hi, rel) = summary(&v);
        let holders = n.row_holders(r);
        let pct: Vec<(f64, f64, f64)> = PERCENTILES
            .iter()
            .map(|&q| over_draws(&figs, |f| n.per_holder_at(r, f[r.pop_policy], &normal, q)))
            .collect();
        let (ratio, below) = match base_row(r) {
            Some(b) => {
                let bv = col(b);
                let bh = n.row_holders(&rows[b]);
                let bmean = bv.iter().sum::<f64>() / bv.len() as f64 / bh;
                let ratio = (bmean > 0.0).then(|| mean / holders / bmean);
                let below = v
                    .iter()
                    .zip(&bv)
                    .filter(|(x, y)| *x / holders < *y / bh)
                    .count() as f64
                    / v.len() as f64;
                (ratio, Some(below))
            }
            None => (None, None),
        };
        out.push(Row {
            policy: n.policies[r.pop_policy].name.clone(),
            attacker: n.attackers[r.pop_attacker].name.clone(),
            role: if r.baseline { "baseline" } else { "mix" }.into(),
            holders,
            expected_per_year: mean,
            ci_low: lo,
            ci_high: hi,
            mc_rel_error: rel,
            per_holder_mean: mean / holders,
            per_holder_p50: pct[0].0,
            per_holder_p99: pct[1].0,
            per_holder_p999: pct[2].0,
            per_holder_p999_ci_low: pct[2].1,
            per_holder_p999_ci_high: pct[2].2,
            per_holder_p999_claimed: n.per_holder_at(r, nominal[r.pop_policy], &normal, 0.001),
            ratio_to_baseline: ratio,
            prob_below_baseline: below,
            bio_presentations: r.per_delay.iter().map(|d| d.1).collect(),
            p_pin: r.per_delay.iter().map(|d| d.2).collect(),
        });
    }
    let totals: Vec<f64> = values
        .iter()
        .map(|d| {
            rows.iter()
                .zip(d)
                .filter(|(r, _)| !r.baseline)
                .map(|(_, v)| v)
                .sum()
        })
        .collect();
    let (mean, lo, hi, rel) = summary(&totals);
    let total = Total {
        expected_per_year: mean,
        ci_low: lo,
        ci_high: hi,
        mc_rel_error: rel,
    };

    // Per policy (all attackers), per role.
    let groups: Vec<(usize, bool)> = {
        let mut g: Vec<(usize, bool)> = Vec::new();
        for r in &rows {
            if !g.contains(&(r.pop_policy, r.baseline)) {
                g.push((r.pop_policy, r.baseline));
            }
        }
        g
    };
    let group_draws = |pi: usize, base: bool| -> Vec<f64> {
        values
            .iter()
            .map(|d| {
                rows.iter()
                    .zip(d)
                    .filter(|(r, _)| r.pop_policy == pi && r.baseline == base)
                    .map(|(_, v)| v)
                    .sum()
            })
            .collect()
    };
    // Posterior mean over the draws of the holder at tail probability q, all attackers.
    let group_tail = |pi: usize, base: bool, q: f64| -> f64 {
        over_draws(&figs, |f| {
            rows.iter()
                .filter(|r| r.pop_policy == pi && r.baseline == base)
                .map(|r| n.per_holder_at(r, f[pi], &normal, q))
                .sum()
        })
        .0
    };
    let mut policies = Vec::new();
    for &(pi, base) in &groups {
        let d = group_draws(pi, base);
        let holders = if base {
            n.holders as f64
        } else {
            n.holders as f64 * n.policies[pi].share
        };
        let (mean, lo, hi, _) = summary(&d);
        let mut ratio = BTreeMap::new();
        let mut below = BTreeMap::new();
        let mut tail = BTreeMap::new();
        for b in &n.baselines {
            let Some(bi) = n.policies.iter().position(|p| &p.name == b) else {
                continue;
            };
            let bd = group_draws(bi, true);
            let bh = n.holders as f64;
            let bmean = bd.iter().sum::<f64>() / bd.len() as f64 / bh;
            if bmean > 0.0 {
                ratio.insert(b.clone(), mean / holders / bmean);
            }
            below.insert(
                b.clone(),
                d.iter()
                    .zip(&bd)
                    .filter(|(x, y)| *x / holders < *y / bh)
                    .count() as f64
                    / d.len() as f64,
            );
            let bt = group_tail(bi, true, 0.001);
            if bt > 0.0 {
                tail.insert(b.clone(), group_tail(pi, base, 0.001) / bt);
            }
        }
        policies.push(PolicySummary {
            policy: n.policies[pi].name.clone(),
            role: if base { "baseline" } else { "mix" }.into(),
            expected_per_year: mean,
            ci_low: lo,
            ci_high: hi,
            per_holder_mean: mean / holders,
            per_holder_p99: group_tail(pi, base, 0.01),
            per_holder_p999: group_tail(pi, base, 0.001),
            ratio_to_baselines: ratio,
            prob_below_baselines: below,
            p999_ratio_to_baselines: tail,
        });
    }

    // CCDF of the per-holder risk per policy group: risk is non-decreasing in z, so the share
    // of holders above risk(z) is P(Z > z).
    let ccdf = groups
        .iter()
        .map(|&(pi, base)| {
            let points = (0..=60)
                .map(|i| {
                    let v = (-(i as f64) * 0.25).exp2().min(1.0 - 1e-12);
                    let v = if i == 0 { 0.999_999 } else { v };
                    (group_tail(pi, base, v), v)
                })
                .collect();
            Ccdf {
                policy: n.policies[pi].name.clone(),
                role: if base { "baseline" } else { "mix" }.into(),
                points,
            }
        })
        .collect();

    let nominal_total = mix_total(n, &rows, &nominal);
    let sensitivity_draws = n.draws().min(SENSITIVITY_DRAWS);
    Report {
        scenario: n.scenario.name.clone(),
        seed: n.scenario.seed,
        holders: n.holders,
        draws: values.len() as u64,
        strata: n.strata,
        loss_rate_per_year: n.loss_rate_per_year,
        report_delay_hours: n.delays.clone(),
        far_sigma: n.far_sigma,
        baseline: base_name,
        rows: out,
        total,
        policies,
        nominal_total,
        sensitivity_draws,
        sensitivity_base_total: total_of(n),
        sensitivity: sensitivity(n),
        ccdf,
    }
}

fn mix_total(n: &National, rows: &[RowModel], figs: &[Figures]) -> f64 {
    n.nominal_rows(rows, figs)
        .iter()
        .zip(rows)
        .filter(|(_, r)| !r.baseline)
        .map(|(v, _)| v)
        .sum()
}

/// The mean of `f(figures of draw j)` over the draws, and its 2.5% / 97.5% quantiles. The
/// values are computed in parallel and summed in draw order (same bytes for any thread count).
fn over_draws(figs: &[Vec<Figures>], f: impl Fn(&[Figures]) -> f64 + Sync) -> (f64, f64, f64) {
    let v: Vec<f64> = figs.par_iter().map(|x| f(x)).collect();
    let (mean, lo, hi, _) = summary(&v);
    (mean, lo, hi)
}

/// Outer draws the sensitivity analysis averages over: the first `min(draws, 256)` of the run,
/// the same draws (common random numbers) for every parameter value, so a swing is the
/// parameter's effect, not Monte-Carlo noise between two independent samples.
pub const SENSITIVITY_DRAWS: u64 = 256;

/// The yearly total of the mix rows of a (modified) model: its posterior mean over the first
/// [`SENSITIVITY_DRAWS`] outer draws.
fn total_of(n: &National) -> f64 {
    let rows = n.rows();
    let normal = standard_normal();
    let d = n.draws().min(SENSITIVITY_DRAWS);
    let v: Vec<f64> = (0..d)
        .into_par_iter()
        .map(|j| {
            n.draw(&rows, &normal, j)
                .iter()
                .zip(&rows)
                .filter(|(_, r)| !r.baseline)
                .map(|(v, _)| v)
                .sum()
        })
        .collect();
    v.iter().sum::<f64>() / d as f64
}

/// Renormalise shares after scaling entry `i` by `k` (the others keep their proportions).
fn rescale(shares: &mut [f64], i: usize, k: f64) {
    let new = (shares[i] * k).min(1.0);
    let rest: f64 = shares
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .map(|(_, s)| s)
        .sum();
    let left = 1.0 - new;
    for (j, s) in shares.iter_mut().enumerate() {
        if j == i {
            *s = new;
        } else if rest > 0.0 {
            *s *= left / rest;
        }
    }
}

/// One-at-a-time sensitivity of the yearly total (posterior mean over the first
/// [`SENSITIVITY_DRAWS`] draws), sorted by swing (largest first).
pub fn sensitivity(n: &National) -> Vec<Sensitivity> {
    let mut out = Vec::new();
    let mut one = |name: String, lo_v: String, hi_v: String, lo: National, hi: National| {
        let (a, b) = (total_of(&lo), total_of(&hi));
        out.push(Sensitivity {
            parameter: name,
            low_value: lo_v,
            high_value: hi_v,
            total_low: a,
            total_high: b,
            swing: (b - a).abs(),
        });
    };
    let with = |f: &dyn Fn(&mut National)| {
        let mut m = n.clone();
        f(&mut m);
        m
    };
    one(
        "loss_rate_per_year".into(),
        format!("{}", n.loss_rate_per_year * 0.5),
        format!("{}", n.loss_rate_per_year * 2.0),
        with(&|m| m.loss_rate_per_year *= 0.5),
        with(&|m| m.loss_rate_per_year *= 2.0),
    );
    one(
        "report_delay_hours".into(),
        "x0.5".into(),
        "x2".into(),
        with(&|m| m.delays.iter_mut().for_each(|d| d.0 *= 0.5)),
        with(&|m| m.delays.iter_mut().for_each(|d| d.0 *= 2.0)),
    );
    let hi_sigma = if n.far_sigma > 0.0 {
        n.far_sigma * 2.0
    } else {
        1.0
    };
    one(
        "far_sigma".into(),
        "0".into(),
        format!("{hi_sigma}"),
        with(&|m| m.far_sigma = 0.0),
        with(&|m| m.far_sigma = hi_sigma),
    );
    if let Some(c) = n.sar_concentration {
        one(
            "sar_concentration".into(),
            format!("{}", c * 0.5),
            format!("{}", c * 2.0),
            with(&|m| m.sar_concentration = Some(c * 0.5)),
            with(&|m| m.sar_concentration = Some(c * 2.0)),
        );
    }
    one(
        "assumed PIN guessing curves".into(),
        "x0.5".into(),
        "x2".into(),
        with(&|m| m.pin_curve_scale *= 0.5),
        with(&|m| m.pin_curve_scale *= 2.0),
    );
    one(
        "templates".into(),
        "1".into(),
        "5".into(),
        with(&|m| m.policies.iter_mut().for_each(|p| p.templates = 1)),
        with(&|m| m.policies.iter_mut().for_each(|p| p.templates = 5)),
    );
    for (pi, pp) in n.policies.iter().enumerate() {
        if pp.share <= 0.0 {
            continue;
        }
        let idx = pp.index;
        let Some(b) = n.scenario.policies[idx].policy.biometric.clone() else {
            continue;
        };
        for (key, rate, count) in [
            ("far", b.far, pp.far_comparisons),
            ("sar", b.sar, pp.sar_presentations),
        ] {
            let (lo, hi, lo_s, hi_s) = match count {
                Some(_) => {
                    let (l, h) = (posterior(rate, count, 0.025), posterior(rate, count, 0.975));
                    (
                        l,
                        h,
                        format!("{l:.3e} (posterior 2.5%)"),
                        format!("{h:.3e} (97.5%)"),
                    )
                }
                None => (
                    rate * 0.5,
                    (rate * 2.0).min(1.0),
                    format!("{:.3e}", rate * 0.5),
                    format!("{:.3e}", (rate * 2.0).min(1.0)),
                ),
            };
            // The figure fixed at the value (its posterior dropped); the other figures keep
            // their posteriors.
            let set = |v: f64| {
                with(&|m| {
                    if let Some(bb) = m.scenario.policies[idx].policy.biometric.as_mut() {
                        if key == "far" {
                            bb.far = v;
                            m.policies[pi].far_comparisons = None;
                        } else {
                            bb.sar = v;
                            m.policies[pi].sar_presentations = None;
                        }
                    }
                })
            };
            one(format!("{} {key}", pp.name), lo_s, hi_s, set(lo), set(hi));
        }
        one(
            format!("{} share", pp.name),
            format!("{:.3}", pp.share * 0.5),
            format!("{:.3}", (pp.share * 2.0).min(1.0)),
            with(&|m| {
                let mut s: Vec<f64> = m.policies.iter().map(|p| p.share).collect();
                rescale(&mut s, pi, 0.5);
                m.policies.iter_mut().zip(s).for_each(|(p, v)| p.share = v);
            }),
            with(&|m| {
                let mut s: Vec<f64> = m.policies.iter().map(|p| p.share).collect();
                rescale(&mut s, pi, 2.0);
                m.policies.iter_mut().zip(s).for_each(|(p, v)| p.share = v);
            }),
        );
    }
    for (ai, pa) in n.attackers.iter().enumerate() {
        let scaled = |k: f64| {
            with(&|m| {
                let mut s: Vec<f64> = m.attackers.iter().map(|a| a.share).collect();
                rescale(&mut s, ai, k);
                m.attackers.iter_mut().zip(s).for_each(|(a, v)| a.share = v);
            })
        };
        one(
            format!("{} share", pa.name),
            format!("{:.3}", pa.share * 0.5),
            format!("{:.3}", (pa.share * 2.0).min(1.0)),
            scaled(0.5),
            scaled(2.0),
        );
    }
    // Issue 16: the observer's chance of knowing the lock-screen PIN (Aviv et al. 2017's
    // single-observation rate by default; x2 is about their multiple-observation rate).
    for pa in &n.attackers {
        let idx = pa.index;
        let o = n.scenario.attackers[idx].pin_observed;
        if o <= 0.0 {
            continue;
        }
        let set = |v: f64| with(&|m| m.scenario.attackers[idx].pin_observed = v);
        one(
            format!("{} pin_observed", pa.name),
            format!("{:.3}", o * 0.5),
            format!("{:.3}", (o * 2.0).min(1.0)),
            set(o * 0.5),
            set((o * 2.0).min(1.0)),
        );
    }
    out.sort_by(|a, b| {
        b.swing
            .total_cmp(&a.swing)
            .then(a.parameter.cmp(&b.parameter))
    });
    out
}

/// What a shard leaves for `sim merge`: the model and its draws, as exact bit patterns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NationalState {
    pub format: String,
    pub shard: Shard,
    pub national: National,
    /// `f64::to_bits` of `values[d][r]` for the shard's draws.
    pub draws: Vec<Vec<u64>>,
}

impl NationalState {
    pub fn new(n: &National, shard: Shard, values: &[Vec<f64>]) -> NationalState {
        NationalState {
            format: STATE_FORMAT.into(),
            shard,
            national: n.clone(),
            draws: values
                .iter()
                .map(|d| d.iter().map(|v| v.to_bits()).collect())
                .collect(),
        }
    }

    pub fn values(&self) -> Vec<Vec<f64>> {
        self.draws
            .iter()
            .map(|d| d.iter().map(|b| f64::from_bits(*b)).collect())
            .collect()
    }
}

/// Why shards do not merge.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MergeError {
    #[error(
        "{file}: shard state: `national` differs from the model in {first} (scenario, population, seed or draws)"
    )]
    Different { file: String, first: String },
    #[error("{file}: shard state: `shard` = {index}/{count}: {reason}")]
    Shard {
        file: String,
        index: u64,
        count: u64,
        reason: String,
    },
    #[error("merge: shard {0}/{1} is missing (give every shard's directory)")]
    Missing(u64, u64),
}

/// Combine the states of shards `0..N` (any order) into every draw in order.
pub fn merge(states: &[(String, NationalState)]) -> Result<(National, Vec<Vec<f64>>), MergeError> {
    let (first_file, first) = &states[0];
    let count = first.shard.count;
    let mut slots: Vec<Option<Vec<Vec<f64>>>> =
        vec![None; usize::try_from(count).unwrap_or(0).min(1 << 20)];
    for (file, st) in states {
        if st.national != first.national {
            return Err(MergeError::Different {
                file: file.clone(),
                first: first_file.clone(),
            });
        }
        let shard_err = |reason: &str| MergeError::Shard {
            file: file.clone(),
            index: st.shard.index,
            count: st.shard.count,
            reason: reason.into(),
        };
        if st.shard.count != count || st.shard.index >= count {
            return Err(shard_err(&format!("expected a shard of {count}")));
        }
        let expected = st.shard.range(st.national.draws());
        let rows = st.national.rows().len();
        if st.draws.len() as u64 != expected.end - expected.start
            || st.draws.iter().any(|d| d.len() != rows)
        {
            return Err(shard_err("draw counts do not match the model"));
        }
        let Some(slot) = slots.get_mut(st.shard.index as usize) else {
            return Err(shard_err("index out of range"));
        };
        if slot.is_some() {
            return Err(shard_err("given twice"));
        }
        *slot = Some(st.values());
    }
    let mut all = Vec::new();
    for (i, s) in slots.into_iter().enumerate() {
        match s {
            Some(v) => all.extend(v),
            None => return Err(MergeError::Missing(i as u64, count)),
        }
    }
    Ok((first.national.clone(), all))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strata cover the whole distribution.
    #[test]
    fn strata_probabilities_sum_to_one() {
        let e = strata_edges(64);
        let total: f64 = e.windows(2).map(|w| w[0] - w[1]).sum();
        assert!((total - 1.0).abs() < 1e-15, "{total}");
        assert_eq!(e[0], 1.0);
        assert_eq!(*e.last().unwrap_or(&1.0), 0.0);
    }

    /// Beta-binomial no-accept against a direct product for c -> infinity (independent tries)
    /// and a hand value: m = 1/2, c = 2 (S uniform): E[(1-S)^b] = 1/(b+1).
    #[test]
    fn spoof_success_closed_form() {
        assert!((spoof_success(0.5, 2.0, 4) - (1.0 - 1.0 / 5.0)).abs() < 1e-15);
        let indep = exact_bio(0.07, 5);
        assert!((spoof_success(0.07, 1e9, 5) - indep).abs() < 1e-8);
        // A drawn-once artefact gets in less often over several tries than independent tries
        // at the same mean (Jensen): the control that tells the two models apart.
        assert!(spoof_success(0.07, 2.0, 5) < indep - 0.05);
    }

    /// Beta quantiles against statrs' own inverse (small parameters, where it is fast) and the
    /// median of Beta(1, 1) = 1/2; the posterior is centred on the claim.
    #[test]
    fn beta_quantile_matches_statrs() {
        use statrs::distribution::Beta;
        for (a, b, u) in [
            (10.5, 1000.5, 0.025),
            (10.5, 1000.5, 0.975),
            (2.0, 3.0, 0.5),
        ] {
            let ours = beta_quantile(a, b, u);
            let theirs = Beta::new(a, b)
                .map(|d| d.inverse_cdf(u))
                .unwrap_or(f64::NAN);
            assert!(
                ((ours - theirs) / theirs).abs() < 1e-9,
                "{a} {b} {u}: {ours} vs {theirs}"
            );
        }
        assert!((beta_quantile(1.0, 1.0, 0.5) - 0.5).abs() < 1e-15);
        let med = posterior(1e-6, Some(1e7), 0.5);
        assert!((med / 1e-6 - 1.0).abs() < 0.05, "{med}");
        // Negative control: a wrong quantile level is far off.
        assert!(beta_quantile(10.5, 1000.5, 0.6) > beta_quantile(10.5, 1000.5, 0.5) * 1.01);
    }

    #[test]
    fn quantile_type7() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.25), 2.0);
        assert_eq!(quantile(&v, 0.1), 1.4);
    }
}
