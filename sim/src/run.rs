//! From a scenario to rows of results: one row per policy x attacker, run in parallel over
//! blocks of trials, split into shards, merged back.
//!
//! The trials of a run are `0..trials` for every row; shard `i` of `n` runs the contiguous range
//! `[i*T/n, (i+1)*T/n)`. Each trial's stream depends only on (seed, row, trial index) and the
//! accumulators are exact, so any thread count and any shard split give the same bytes.

use model::policy;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::estimate::{self, Accumulator, BioSampler, Experiment, PinSampler};
use crate::exact_sum::{Digits, ExactSum};
use crate::pins::PinModel;
use crate::scenario::{BioAttack, PinAttack, Scenario};

/// Trials per work unit.
pub const BLOCK: u64 = 8192;

/// One planned row.
#[derive(Debug, Clone)]
pub struct RowPlan {
    pub policy: String,
    pub attacker: String,
    pub bio_presentations: Option<u64>,
    pub pin_guesses: Option<u64>,
    pub experiment: Experiment,
}

/// A policy x attacker pair that the models cannot evaluate, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub policy: String,
    pub attacker: String,
    pub reason: String,
}

/// Plan every row of a scenario, in policy-major order.
pub fn plan(s: &Scenario) -> (Vec<RowPlan>, Vec<Skipped>) {
    let window = s.window_secs();
    let human = PinModel::human();
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for sp in &s.policies {
        let p = &sp.policy;
        let budget = policy::budget(p, window);
        let bio_budget = sp.bio_attempts.or(budget.biometric_presentations);
        let pin_budget = sp.pin_attempts.or(budget.pin_guesses);
        for a in &s.attackers {
            let bio = match (&p.biometric, a.biometric) {
                (Some(b), BioAttack::ZeroEffort) => Some((b.far, bio_budget.unwrap_or(0))),
                (Some(b), BioAttack::Spoof) => Some((b.sar, bio_budget.unwrap_or(0))),
                _ => None,
            };
            let pin_model = match (&p.pin, a.pin) {
                (None, _) | (_, PinAttack::None) => None,
                (Some(pin), PinAttack::Uniform) => Some(PinModel::Uniform { space: pin.space() }),
                (Some(pin), kind) if pin.digits != 4 => {
                    skipped.push(Skipped {
                        policy: p.name.clone(),
                        attacker: a.name.clone(),
                        reason: format!(
                            "the {} PIN model covers 4-digit PINs only; this PIN has {} digits",
                            match kind {
                                PinAttack::Human => "human",
                                _ => "birthday",
                            },
                            pin.digits
                        ),
                    });
                    continue;
                }
                (Some(_), PinAttack::Human) => Some(human.clone()),
                (Some(_), PinAttack::Birthday) => Some(PinModel::birthday(false)),
                (Some(_), PinAttack::BirthdayBlocklist) => Some(PinModel::birthday(true)),
            };
            let pin = pin_model.map(|m| {
                let g = pin_budget.unwrap_or(0).min(m.len());
                PinSampler::new(m, g)
            });
            rows.push(RowPlan {
                policy: p.name.clone(),
                attacker: a.name.clone(),
                bio_presentations: bio.map(|(_, b)| b),
                pin_guesses: pin.as_ref().map(|p| p.guesses),
                experiment: Experiment {
                    bio: bio.map(|(q, b)| BioSampler::new(q, b)),
                    pin,
                },
            });
        }
    }
    (rows, skipped)
}

/// Which part of the trials a run covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parse `I/N` with `I < N`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`--shard` = {s:?}: expected I/N, e.g. 0/4"))?;
        let index: u64 = i
            .trim()
            .parse()
            .map_err(|_| format!("`--shard` = {s:?}: I is not a number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("`--shard` = {s:?}: N is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("`--shard` = {s:?}: need 0 <= I < N"));
        }
        Ok(Shard { index, count })
    }

    /// The trial indices of this shard out of `trials`.
    pub fn range(&self, trials: u64) -> std::ops::Range<u64> {
        let at = |i: u64| (u128::from(trials) * u128::from(i) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

/// Run the trials of `shard` for every row. `progress` is called with the number of trials of
/// each finished block (from worker threads).
pub fn simulate(
    s: &Scenario,
    rows: &[RowPlan],
    shard: Shard,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<Accumulator> {
    let range = shard.range(s.trials);
    let units: Vec<(usize, u64, u64)> = (0..rows.len())
        .flat_map(|r| {
            let range = range.clone();
            (range.start..range.end)
                .step_by(BLOCK as usize)
                .map(move |b| (r, b, (b + BLOCK).min(range.end)))
        })
        .collect();
    let keys: Vec<[u8; 32]> = (0..rows.len())
        .map(|r| estimate::row_key(s.seed, r as u64))
        .collect();
    units
        .par_iter()
        .fold(
            || vec![Accumulator::default(); rows.len()],
            |mut accs, &(r, start, end)| {
                estimate::run_trials(&rows[r].experiment, &keys[r], start..end, &mut accs[r]);
                progress(end - start);
                accs
            },
        )
        .reduce(
            || vec![Accumulator::default(); rows.len()],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b.iter()) {
                    x.merge(y);
                }
                a
            },
        )
}

/// One row of the report (the `risk.json` / `risk.csv` contract, plus the attempt counts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub policy: String,
    pub attacker: String,
    pub exact: Option<f64>,
    pub estimate: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub method: String,
    pub trials: u64,
    pub ratio_to_baseline: Option<f64>,
    pub bio_presentations: Option<u64>,
    pub pin_guesses: Option<u64>,
    pub hits: u64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub trials: u64,
    pub window_hours: f64,
    pub baseline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    pub rows: Vec<Row>,
    pub skipped: Vec<Skipped>,
}

/// Turn accumulators into the report.
pub fn report(
    s: &Scenario,
    rows: &[RowPlan],
    skipped: &[Skipped],
    accs: &[Accumulator],
    shard: Shard,
) -> Report {
    let mut out: Vec<Row> = rows
        .iter()
        .zip(accs)
        .map(|(r, acc)| {
            let e = estimate::summarise(acc, r.experiment.is_weighted());
            Row {
                policy: r.policy.clone(),
                attacker: r.attacker.clone(),
                exact: Some(r.experiment.exact()),
                estimate: e.estimate,
                std_error: e.std_error,
                ci_low: e.ci_low,
                ci_high: e.ci_high,
                method: r.experiment.method(),
                trials: acc.trials,
                ratio_to_baseline: None,
                bio_presentations: r.bio_presentations,
                pin_guesses: r.pin_guesses,
                hits: acc.hits,
            }
        })
        .collect();
    if let Some(base) = &s.baseline {
        let value = |r: &Row| r.exact.unwrap_or(r.estimate);
        let base_values: Vec<(String, f64)> = out
            .iter()
            .filter(|r| &r.policy == base)
            .map(|r| (r.attacker.clone(), value(r)))
            .collect();
        for r in out.iter_mut() {
            r.ratio_to_baseline = base_values
                .iter()
                .find(|(a, _)| a == &r.attacker)
                .and_then(|&(_, b)| (b > 0.0).then(|| value(r) / b));
        }
    }
    Report {
        scenario: s.name.clone(),
        seed: s.seed,
        trials: shard.range(s.trials).end - shard.range(s.trials).start,
        window_hours: s.window_hours,
        baseline: s.baseline.clone(),
        shard: (shard != Shard::WHOLE).then(|| format!("{}/{}", shard.index, shard.count)),
        rows: out,
        skipped: skipped.to_vec(),
    }
}

/// What a shard leaves for `sim merge`: the scenario it ran and its exact accumulators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardState {
    pub format: String,
    pub shard: Shard,
    pub scenario: Scenario,
    pub rows: Vec<RowState>,
}

/// One row's accumulator in a shard file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowState {
    pub policy: String,
    pub attacker: String,
    pub trials: u64,
    pub hits: u64,
    pub sum_w: Digits,
    pub sum_w2: Digits,
}

/// The state file's format tag.
pub const STATE_FORMAT: &str = "mynafido-sim-shard-v1";

impl ShardState {
    pub fn new(s: &Scenario, rows: &[RowPlan], accs: &[Accumulator], shard: Shard) -> Self {
        ShardState {
            format: STATE_FORMAT.into(),
            shard,
            scenario: s.clone(),
            rows: rows
                .iter()
                .zip(accs)
                .map(|(r, a)| RowState {
                    policy: r.policy.clone(),
                    attacker: r.attacker.clone(),
                    trials: a.trials,
                    hits: a.hits,
                    sum_w: a.sum_w.to_digits(),
                    sum_w2: a.sum_w2.to_digits(),
                })
                .collect(),
        }
    }

    /// The accumulators, or `None` if a digit index is out of range.
    pub fn accumulators(&self) -> Option<Vec<Accumulator>> {
        self.rows
            .iter()
            .map(|r| {
                Some(Accumulator {
                    trials: r.trials,
                    hits: r.hits,
                    sum_w: ExactSum::from_digits(&r.sum_w)?,
                    sum_w2: ExactSum::from_digits(&r.sum_w2)?,
                })
            })
            .collect()
    }
}
