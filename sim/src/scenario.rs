//! Scenario files: which policies, which attackers, how long a window, how many trials.
//!
//! The TOML keys are flat (`far`, `sar`, `bio_tries`, `pin_digits`, `pin_tries`, ...) and map onto
//! [`model::policy::Policy`], whose lockout automaton ([`model::policy::budget`], the same one the
//! protocol model checks) turns a policy and a window into attempt counts. A policy named like a
//! built-in ([`model::policy::builtin`]) starts from the built-in's figures and overrides only the
//! keys it gives (`inherit = false` starts from nothing); any other name starts from nothing, so
//! only `pin_*` keys make a PIN-only policy and only biometric keys make a policy with no fallback.
//! `bio_attempts` / `pin_attempts` fix the attempt counts instead of taking them from the budget.
//! Every rejected value is reported with the file, the table, the key and the value.

use std::path::Path;

use model::policy::{self, BiometricStage, HOUR, PinStage, Policy, Throttle};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Largest biometric budget the sampler tables accept (per policy).
pub const MAX_BIO_ATTEMPTS: u64 = 1 << 20;
/// Largest sum of the biometric budgets of all policies: the sampler tables (16 bytes per
/// presentation, at most two per policy, for FAR and SAR) stay below 64 MiB in all.
pub const MAX_BIO_TOTAL: u64 = 1 << 21;
/// Most `[[policy]]` tables and most `[[attacker]]` tables: at most 4096 rows.
pub const MAX_POLICIES: usize = 64;
pub const MAX_ATTACKERS: usize = 64;
/// Largest trial count per row (2^40, about 10^12).
pub const MAX_TRIALS: u64 = 1 << 40;
/// Longest window: about 114 years.
pub const MAX_WINDOW_HOURS: f64 = 1_000_000.0;

/// Built-in scenarios: (name, TOML text).
pub const BUILTIN_SCENARIOS: [(&str, &str); 2] = [
    ("default", include_str!("../scenarios/default.toml")),
    ("rare", include_str!("../scenarios/rare.toml")),
];

/// Bad input. Every variant names the file.
#[derive(Debug, Error)]
pub enum InputError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {table}: `{key}` = {value}: {reason}")]
    Value {
        file: String,
        table: String,
        key: String,
        value: String,
        reason: String,
    },
    #[error("{file}: {message}")]
    Other { file: String, message: String },
}

/// A scenario file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: String,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub trials: Option<u64>,
    pub window_hours: f64,
    #[serde(default)]
    pub baseline: Option<String>,
    #[serde(default)]
    pub policy: Vec<PolicyEntry>,
    #[serde(default)]
    pub attacker: Vec<AttackerEntry>,
    /// `sim national`'s population (read and checked by [`crate::national`]; `sim run` ignores it).
    #[serde(default)]
    pub population: Option<toml::Value>,
}

/// One `[[policy]]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyEntry {
    pub name: String,
    #[serde(default)]
    pub inherit: Option<bool>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub far: Option<f64>,
    #[serde(default)]
    pub sar: Option<f64>,
    #[serde(default)]
    pub bio_tries: Option<u32>,
    #[serde(default)]
    pub bio_lockout_secs: Option<u64>,
    #[serde(default)]
    pub bio_timed_lockouts: Option<u32>,
    #[serde(default)]
    pub primary_timeout_hours: Option<u64>,
    #[serde(default)]
    pub idle_timeout_hours: Option<u64>,
    #[serde(default)]
    pub pin_digits: Option<u32>,
    #[serde(default)]
    pub pin_tries: Option<u32>,
    #[serde(default)]
    pub pin_throttle: Option<String>,
    #[serde(default)]
    pub pin_delays_secs: Option<Vec<u64>>,
    #[serde(default)]
    pub bio_attempts: Option<u64>,
    #[serde(default)]
    pub pin_attempts: Option<u64>,
}

/// One `[[attacker]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttackerEntry {
    pub name: String,
    #[serde(default = "default_bio")]
    pub biometric: String,
    #[serde(default = "default_pin")]
    pub pin: String,
    /// Probability that the attacker saw the lock-screen PIN typed (and read it right) before
    /// taking the phone: it then unlocks with it at the first guess. Default 0.
    #[serde(default)]
    pub pin_observed: Option<f64>,
}

fn default_bio() -> String {
    "none".into()
}
fn default_pin() -> String {
    "none".into()
}

/// What the attacker presents to the sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BioAttack {
    /// Own finger/face: succeeds at FAR per presentation.
    ZeroEffort,
    /// A spoof artefact: succeeds at SAR per presentation.
    Spoof,
    None,
}

/// How the attacker guesses the PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinAttack {
    Uniform,
    Human,
    Birthday,
    BirthdayBlocklist,
    None,
}

impl BioAttack {
    pub const NAMES: [&'static str; 3] = ["zero-effort", "spoof", "none"];
    fn parse(s: &str) -> Option<Self> {
        match s {
            "zero-effort" => Some(BioAttack::ZeroEffort),
            "spoof" => Some(BioAttack::Spoof),
            "none" => Some(BioAttack::None),
            _ => None,
        }
    }
}

impl PinAttack {
    pub const NAMES: [&'static str; 5] =
        ["uniform", "human", "birthday", "birthday-blocklist", "none"];
    fn parse(s: &str) -> Option<Self> {
        match s {
            "uniform" => Some(PinAttack::Uniform),
            "human" => Some(PinAttack::Human),
            "birthday" => Some(PinAttack::Birthday),
            "birthday-blocklist" => Some(PinAttack::BirthdayBlocklist),
            "none" => Some(PinAttack::None),
            _ => None,
        }
    }
}

/// An attacker after validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attacker {
    pub name: String,
    pub biometric: BioAttack,
    pub pin: PinAttack,
    /// `P(the attacker knows the lock-screen PIN)` (issue 16's shoulder surfer): with it the
    /// attacker types the PIN at the first guess on any policy with a biometric stage and a PIN
    /// stage (a lock screen); the card's PIN and the signing password are not typed there, so
    /// PIN-only policies are unaffected. 0 (the default, not serialised, so shard states and
    /// reports of scenarios without it keep their bytes): the ordinary attacker.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pin_observed: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// A policy after validation, with optional fixed attempt counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioPolicy {
    pub policy: Policy,
    pub bio_attempts: Option<u64>,
    pub pin_attempts: Option<u64>,
}

/// A validated scenario. Serialised into shard state files so that `merge` can check that
/// every shard ran the same scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    pub trials: u64,
    pub window_hours: f64,
    pub baseline: Option<String>,
    pub policies: Vec<ScenarioPolicy>,
    pub attackers: Vec<Attacker>,
}

/// Default seed and trial count when a scenario omits them.
pub const DEFAULT_SEED: u64 = 1;
pub const DEFAULT_TRIALS: u64 = 200_000;

impl Scenario {
    /// Read and validate a scenario file.
    pub fn from_path(path: &Path) -> Result<Scenario, InputError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| InputError::Read {
            file: file.clone(),
            source,
        })?;
        Scenario::from_toml(&file, &text)
    }

    /// A built-in scenario by name.
    pub fn builtin(name: &str) -> Option<Result<Scenario, InputError>> {
        BUILTIN_SCENARIOS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| Scenario::from_toml(&format!("<builtin:{n}>"), text))
    }

    /// Parse and validate TOML text; `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Scenario, InputError> {
        let raw: ScenarioFile = toml::from_str(text).map_err(|e| InputError::Parse {
            file: file.into(),
            message: toml_message(&e, text),
        })?;
        resolve(file, raw)
    }

    /// The window in seconds.
    pub fn window_secs(&self) -> u64 {
        window_secs(self.window_hours)
    }
}

/// The window in whole seconds: attempts that start strictly before its end count
/// ([`model::policy::window_secs`]); 0 for a window out of range (refused by [`Scenario::check`]).
fn window_secs(hours: f64) -> u64 {
    policy::window_secs(hours).unwrap_or(0)
}

/// The attempts of one policy in a window of `window` seconds: (biometric presentations, PIN
/// guesses), each `None` where the policy has no such stage. The fixed `bio_attempts` /
/// `pin_attempts` win; otherwise [`model::policy::budget`] counts them.
///
/// The biometric count is found without counting past [`MAX_BIO_ATTEMPTS`] (a policy with
/// `bio_tries` and `bio_timed_lockouts` near 2^32 would otherwise take hours): the automaton runs
/// on a copy whose stage closes just past the limit, and a count above the limit means "over"
/// (the result is then `MAX_BIO_ATTEMPTS + 1`). Why the copy counts the same up to the limit:
/// the timed lockouts only decide when the stage closes for good (after `tries * (lockouts + 1)`
/// failures), so with `lockouts' = min(lockouts, cap / tries)` the copy closes after more than
/// `cap` failures or at the same point as the original, and the presentations before are the
/// same; with `tries > cap` the first round (all at time 0, no time passes within a round) is cut
/// to `cap + 1`. The PIN count runs on the PIN stage alone (the stages keep separate counters)
/// and its loop is bounded by the length of the delay schedule.
pub fn attempts(sp: &ScenarioPolicy, window: u64) -> (Option<u64>, Option<u64>) {
    let p = &sp.policy;
    let pin = match (&p.pin, sp.pin_attempts) {
        (None, _) => None,
        (Some(_), Some(v)) => Some(v),
        (Some(_), None) => {
            let pin_only = Policy {
                biometric: None,
                ..p.clone()
            };
            policy::budget(&pin_only, window).pin_guesses
        }
    };
    let bio = match (&p.biometric, sp.bio_attempts) {
        (None, _) => None,
        (Some(_), Some(v)) => Some(v.min(MAX_BIO_ATTEMPTS + 1)),
        (Some(b), None) => {
            let cap = MAX_BIO_ATTEMPTS;
            let mut capped = b.clone();
            let tries = u64::from(b.tries_per_round.max(1));
            if tries > cap {
                capped.tries_per_round = (cap + 1) as u32;
                capped.timed_lockouts = 0;
            } else {
                capped.timed_lockouts = b.timed_lockouts.min((cap / tries) as u32);
            }
            let bio_only = Policy {
                name: p.name.clone(),
                source: String::new(),
                biometric: Some(capped),
                pin: None,
            };
            policy::budget(&bio_only, window)
                .biometric_presentations
                .map(|n| n.min(cap + 1))
        }
    };
    (bio, pin)
}

fn resolve(file: &str, raw: ScenarioFile) -> Result<Scenario, InputError> {
    let bad = |table: &str, key: &str, value: String, reason: &str| InputError::Value {
        file: file.into(),
        table: table.into(),
        key: key.into(),
        value,
        reason: reason.into(),
    };
    let trials = raw.trials.unwrap_or(DEFAULT_TRIALS);
    let mut policies = Vec::new();
    for entry in &raw.policy {
        let table = format!("policy `{}`", entry.name);
        let p = resolve_policy(entry)
            .map_err(|(key, value, reason)| bad(&table, key, value, &reason))?;
        policies.push(p);
    }
    let mut attackers: Vec<Attacker> = Vec::new();
    for a in &raw.attacker {
        let table = format!("attacker `{}`", a.name);
        let biometric = BioAttack::parse(&a.biometric).ok_or_else(|| {
            bad(
                &table,
                "biometric",
                quote(&a.biometric),
                &format!("expected one of {}", BioAttack::NAMES.join(", ")),
            )
        })?;
        let pin = PinAttack::parse(&a.pin).ok_or_else(|| {
            bad(
                &table,
                "pin",
                quote(&a.pin),
                &format!("expected one of {}", PinAttack::NAMES.join(", ")),
            )
        })?;
        let pin_observed = a.pin_observed.unwrap_or(0.0);
        attackers.push(Attacker {
            name: a.name.clone(),
            biometric,
            pin,
            pin_observed,
        });
    }
    let s = Scenario {
        name: raw.name,
        seed: raw.seed.unwrap_or(DEFAULT_SEED),
        trials,
        window_hours: raw.window_hours,
        baseline: raw.baseline,
        policies,
        attackers,
    };
    s.check(file)?;
    Ok(s)
}

/// Is `c` a character that a label may hold? Not a control character (C0, DEL, C1: the
/// terminal table, and XML 1.0 forbids most of them even escaped) and not U+FFFE / U+FFFF
/// (not XML characters either).
fn label_char(c: char) -> bool {
    !c.is_control() && c != '\u{FFFE}' && c != '\u{FFFF}'
}

/// A label (scenario, policy or attacker name): non-empty, at most 200 characters, no control
/// characters. `Err(reason)`.
fn check_label(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().count() > 200 {
        return Err("longer than 200 characters".into());
    }
    if let Some(c) = name.chars().find(|c| !label_char(*c)) {
        return Err(format!(
            "holds the control character U+{:04X}, which no report can carry",
            u32::from(c)
        ));
    }
    Ok(())
}

/// A probability key: `Err(reason)` unless 0 or a normal number in [2.2e-308, 1].
fn check_probability(v: f64) -> Result<(), String> {
    if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
        Err("not a probability in [0, 1]".into())
    } else if v > 0.0 && v < f64::MIN_POSITIVE {
        Err(format!(
            "below the smallest normal number {:e} (use 0 or a larger value)",
            f64::MIN_POSITIVE
        ))
    } else {
        Ok(())
    }
}

impl Scenario {
    /// Check everything a run relies on; `file` names the source in errors. [`Scenario::from_toml`]
    /// calls it on every file, and `sim merge` on the scenario stored in every shard state, so
    /// both refuse the same inputs. Limits are checked before anything is counted.
    pub fn check(&self, file: &str) -> Result<(), InputError> {
        let bad = |table: &str, key: &str, value: String, reason: String| InputError::Value {
            file: file.into(),
            table: table.into(),
            key: key.into(),
            value,
            reason,
        };
        let other = |message: String| InputError::Other {
            file: file.into(),
            message,
        };
        check_label(&self.name).map_err(|r| bad("scenario", "name", quote(&self.name), r))?;
        let w = self.window_hours;
        if !(w.is_finite() && w > 0.0 && w <= MAX_WINDOW_HOURS) {
            return Err(bad(
                "scenario",
                "window_hours",
                w.to_string(),
                "must be a number of hours in (0, 1000000]".into(),
            ));
        }
        check_trials(self.trials)
            .map_err(|r| bad("scenario", "trials", self.trials.to_string(), r))?;
        if self.policies.is_empty() {
            return Err(other(
                "no [[policy]] table: at least one policy is needed".into(),
            ));
        }
        if self.attackers.is_empty() {
            return Err(other(
                "no [[attacker]] table: at least one attacker is needed".into(),
            ));
        }
        if self.policies.len() > MAX_POLICIES {
            return Err(other(format!(
                "{} [[policy]] tables: at most {MAX_POLICIES}",
                self.policies.len()
            )));
        }
        if self.attackers.len() > MAX_ATTACKERS {
            return Err(other(format!(
                "{} [[attacker]] tables: at most {MAX_ATTACKERS}",
                self.attackers.len()
            )));
        }
        let window = self.window_secs();
        let mut bio_total = 0u64;
        for (i, sp) in self.policies.iter().enumerate() {
            let name = &sp.policy.name;
            let table = format!("policy `{name}`");
            check_label(name).map_err(|r| bad(&table, "name", quote(name), r))?;
            if self.policies[..i].iter().any(|q| &q.policy.name == name) {
                return Err(bad(
                    &table,
                    "name",
                    quote(name),
                    "duplicate policy name".into(),
                ));
            }
            check_policy(sp).map_err(|(key, value, reason)| bad(&table, key, value, reason))?;
            // The limits, before anything is sampled: the count stops just past the limit.
            let (bio, _) = attempts(sp, window);
            let bio = bio.unwrap_or(0);
            if bio > MAX_BIO_ATTEMPTS {
                let b = sp.policy.biometric.as_ref();
                let tries = b.map_or(0, |b| b.tries_per_round);
                let lockouts = b.map_or(0, |b| b.timed_lockouts);
                return Err(bad(
                    &table,
                    "bio_tries",
                    tries.to_string(),
                    format!(
                        "with bio_timed_lockouts = {lockouts} the window holds more than \
                         {MAX_BIO_ATTEMPTS} biometric presentations, the simulator's limit \
                         (fix them with bio_attempts, or lower bio_tries or bio_timed_lockouts)"
                    ),
                ));
            }
            bio_total += bio;
            if bio_total > MAX_BIO_TOTAL {
                return Err(bad(
                    &table,
                    "bio_attempts",
                    bio.to_string(),
                    format!(
                        "the policies' biometric presentations add up to more than \
                         {MAX_BIO_TOTAL}, the simulator's limit for one scenario"
                    ),
                ));
            }
        }
        for (i, a) in self.attackers.iter().enumerate() {
            let table = format!("attacker `{}`", a.name);
            check_label(&a.name).map_err(|r| bad(&table, "name", quote(&a.name), r))?;
            if self.attackers[..i].iter().any(|x| x.name == a.name) {
                return Err(bad(
                    &table,
                    "name",
                    quote(&a.name),
                    "duplicate attacker name".into(),
                ));
            }
            check_probability(a.pin_observed)
                .map_err(|r| bad(&table, "pin_observed", a.pin_observed.to_string(), r))?;
            if a.biometric == BioAttack::None && a.pin == PinAttack::None {
                return Err(bad(
                    &table,
                    "pin",
                    quote("none"),
                    "an attacker with biometric = \"none\" needs a PIN strategy".into(),
                ));
            }
        }
        if let Some(b) = &self.baseline
            && !self.policies.iter().any(|p| &p.policy.name == b)
        {
            return Err(bad(
                "scenario",
                "baseline",
                quote(b),
                "names no [[policy]] of this scenario".into(),
            ));
        }
        Ok(())
    }
}

/// The figures of one resolved policy, in the scenario file's key names.
fn check_policy(sp: &ScenarioPolicy) -> Result<(), (&'static str, String, String)> {
    let p = &sp.policy;
    if p.biometric.is_none() && p.pin.is_none() {
        return Err((
            "name",
            quote(&p.name),
            "neither a biometric key (far, sar, bio_tries) nor a PIN key (pin_digits) given".into(),
        ));
    }
    if let Some(b) = &p.biometric {
        for (key, v) in [("far", b.far), ("sar", b.sar)] {
            check_probability(v).map_err(|r| (key, v.to_string(), r))?;
        }
        if b.tries_per_round == 0 {
            return Err(("bio_tries", "0".into(), "must be at least 1".into()));
        }
    }
    if let Some(pin) = &p.pin {
        if !(1..=18).contains(&pin.digits) {
            return Err((
                "pin_digits",
                pin.digits.to_string(),
                "must be in 1..=18".into(),
            ));
        }
        if pin.max_tries == Some(0) {
            return Err(("pin_tries", "0".into(), "must be at least 1".into()));
        }
        if let Throttle::Table { delays_secs } = &pin.throttle
            && delays_secs.is_empty()
        {
            return Err((
                "pin_delays_secs",
                "[]".into(),
                "needs at least one delay".into(),
            ));
        }
    }
    if let Some(v) = sp.bio_attempts {
        if p.biometric.is_none() {
            return Err((
                "bio_attempts",
                v.to_string(),
                "the policy has no biometric stage".into(),
            ));
        }
        if v > MAX_BIO_ATTEMPTS {
            return Err((
                "bio_attempts",
                v.to_string(),
                format!("exceeds the simulator's limit {MAX_BIO_ATTEMPTS}"),
            ));
        }
    }
    if let Some(v) = sp.pin_attempts
        && p.pin.is_none()
    {
        return Err((
            "pin_attempts",
            v.to_string(),
            "the policy has no PIN stage".into(),
        ));
    }
    // The model's own check, as a backstop; its messages name the key too.
    p.validate()
        .map_err(|err| ("policy", quote(&p.name), err.to_string()))?;
    Ok(())
}

/// A TOML error on one line: `line L, column C: message (at `the line`)`. The toml crate's own
/// rendering spans several lines (a snippet with a caret); its message alone does not always
/// name the key (`invalid type: string "many", expected u64`), the quoted line does.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
    let Some(span) = e.span() else {
        return message;
    };
    let start = span.start.min(text.len());
    let before = text.get(..start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let source: String = text[line_start..]
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(120)
        .collect();
    // A span over the whole document (a missing field) points at no line.
    if source.is_empty() || span.end.saturating_sub(span.start) + 1 >= text.trim_end().len() {
        message
    } else {
        format!("line {line}, column {column}: {message} (at `{source}`)")
    }
}

/// Check a trial count (shared with the CLI's `--trials`).
pub fn check_trials(trials: u64) -> Result<(), String> {
    if trials == 0 || trials > MAX_TRIALS {
        Err(format!("must be in 1..={MAX_TRIALS}"))
    } else {
        Ok(())
    }
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

type KeyError = (&'static str, String, String);

fn resolve_policy(e: &PolicyEntry) -> Result<ScenarioPolicy, KeyError> {
    let inherited = match e.inherit {
        Some(false) => None,
        _ => policy::builtin_named(&e.name),
    };
    let mut p = inherited.unwrap_or(Policy {
        name: e.name.clone(),
        source: String::new(),
        biometric: None,
        pin: None,
    });
    if let Some(s) = &e.source {
        p.source = s.clone();
    }
    for (key, v) in [("far", e.far), ("sar", e.sar)] {
        if let Some(v) = v {
            check_probability(v).map_err(|r| (key, v.to_string(), r))?;
        }
    }
    let zero = |key: &'static str, v: u64| -> Result<(), KeyError> {
        if v == 0 {
            Err((key, "0".into(), "must be at least 1".into()))
        } else {
            Ok(())
        }
    };
    if let Some(t) = e.bio_tries {
        zero("bio_tries", u64::from(t))?;
    }
    if let Some(t) = e.pin_tries {
        zero("pin_tries", u64::from(t))?;
    }
    let bio_keys = e.far.is_some()
        || e.sar.is_some()
        || e.bio_tries.is_some()
        || e.bio_lockout_secs.is_some()
        || e.bio_timed_lockouts.is_some()
        || e.primary_timeout_hours.is_some()
        || e.idle_timeout_hours.is_some();
    if bio_keys {
        let mut b = match p.biometric.take() {
            Some(b) => b,
            None => {
                let need = |key: &'static str, v: bool| -> Result<(), KeyError> {
                    if v {
                        Ok(())
                    } else {
                        Err((
                            key,
                            "(missing)".into(),
                            "a new biometric stage needs far, sar and bio_tries".into(),
                        ))
                    }
                };
                need("far", e.far.is_some())?;
                need("sar", e.sar.is_some())?;
                need("bio_tries", e.bio_tries.is_some())?;
                BiometricStage {
                    far: 0.0,
                    sar: 0.0,
                    tries_per_round: 1,
                    lockout_secs: 0,
                    timed_lockouts: 0,
                    primary_timeout_secs: None,
                    idle_timeout_secs: None,
                }
            }
        };
        if let Some(v) = e.far {
            b.far = v;
        }
        if let Some(v) = e.sar {
            b.sar = v;
        }
        if let Some(v) = e.bio_tries {
            b.tries_per_round = v;
        }
        if let Some(v) = e.bio_lockout_secs {
            b.lockout_secs = v;
        }
        if let Some(v) = e.bio_timed_lockouts {
            b.timed_lockouts = v;
        }
        if let Some(h) = e.primary_timeout_hours {
            b.primary_timeout_secs = Some(h.saturating_mul(HOUR));
        }
        if let Some(h) = e.idle_timeout_hours {
            b.idle_timeout_secs = Some(h.saturating_mul(HOUR));
        }
        p.biometric = Some(b);
    }
    let pin_keys = e.pin_digits.is_some()
        || e.pin_tries.is_some()
        || e.pin_throttle.is_some()
        || e.pin_delays_secs.is_some();
    if pin_keys {
        let mut s = match p.pin.take() {
            Some(s) => s,
            None => {
                if e.pin_digits.is_none() {
                    return Err((
                        "pin_digits",
                        "(missing)".into(),
                        "a new PIN stage needs pin_digits".into(),
                    ));
                }
                PinStage {
                    digits: 4,
                    max_tries: None,
                    throttle: Throttle::None,
                }
            }
        };
        if let Some(d) = e.pin_digits {
            s.digits = d;
        }
        if let Some(t) = e.pin_tries {
            s.max_tries = Some(t);
        }
        match (&e.pin_throttle, &e.pin_delays_secs) {
            (Some(_), Some(_)) => {
                return Err((
                    "pin_delays_secs",
                    "[..]".into(),
                    "give either pin_throttle or pin_delays_secs, not both".into(),
                ));
            }
            (Some(t), None) => {
                s.throttle = match t.as_str() {
                    "none" => Throttle::None,
                    "gatekeeper" => Throttle::Gatekeeper,
                    "apple" => Throttle::Apple,
                    _ => {
                        return Err((
                            "pin_throttle",
                            quote(t),
                            "expected one of none, gatekeeper, apple".into(),
                        ));
                    }
                }
            }
            (None, Some(d)) => {
                if d.is_empty() {
                    return Err((
                        "pin_delays_secs",
                        "[]".into(),
                        "needs at least one delay".into(),
                    ));
                }
                s.throttle = Throttle::Table {
                    delays_secs: d.clone(),
                };
            }
            (None, None) => {}
        }
        p.pin = Some(s);
    }
    let sp = ScenarioPolicy {
        policy: p,
        bio_attempts: e.bio_attempts,
        pin_attempts: e.pin_attempts,
    };
    check_policy(&sp)?;
    Ok(sp)
}
