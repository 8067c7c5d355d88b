//! From a scenario to rows of results: one row per policy x attacker, run in parallel over
//! blocks of trials, split into shards, merged back.
//!
//! The trials of a run are `0..trials` for every row; shard `i` of `n` runs the contiguous range
//! `[i*T/n, (i+1)*T/n)`. Each trial's stream depends only on (seed, row, trial index) and the
//! accumulators are exact, so any thread count and any shard split give the same bytes.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::estimate::{self, Accumulator, BioSampler, Experiment, PinSampler};
use crate::exact_sum::{Digits, ExactSum};
use crate::pins::PinModel;
use crate::scenario::{self, BioAttack, MAX_BIO_ATTEMPTS, PinAttack, Scenario};

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

/// Plan every row of a scenario, in policy-major order. The scenario must have passed
/// [`Scenario::check`] (every constructor does), which bounds the attempt counts.
///
/// PIN guesses are reported at most the PIN space (`10^digits`): a budget of the whole space
/// tries every PIN, so the stage then succeeds surely (the birthday list has 10,003 positions,
/// its 3 birthday guesses being 3 of the 10,000 PINs). When the PIN stage succeeds surely, the
/// biometric stage in front of it is not tilted: the row's probability is exactly 1 and plain
/// Monte-Carlo finds it in every trial. Tables are shared between rows (cloning a sampler shares
/// its tables), so memory grows with the policies, not with the rows.
pub fn plan(s: &Scenario) -> (Vec<RowPlan>, Vec<Skipped>) {
    let window = s.window_secs();
    let human = PinModel::human();
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for sp in &s.policies {
        let p = &sp.policy;
        let (bio_budget, pin_budget) = scenario::attempts(sp, window);
        let bio_budget = bio_budget.map(|b| b.min(MAX_BIO_ATTEMPTS));
        let mut samplers: Vec<(u64, bool, BioSampler)> = Vec::new();
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
            let space = p.pin.as_ref().map_or(0, |x| x.space());
            let budget = pin_budget.unwrap_or(0);
            let pin = pin_model.map(|m| {
                // Every PIN of the space tried: every position of the guessing order.
                let g = if budget >= space {
                    m.len()
                } else {
                    budget.min(m.len())
                };
                (budget.min(space), PinSampler::new(m, g))
            });
            let certain = pin.as_ref().is_some_and(|(_, x)| x.exact() >= 1.0);
            let bio_sampler = bio.map(|(q, b)| {
                let tilt = !certain;
                match samplers
                    .iter()
                    .find(|(bits, t, _)| *bits == q.to_bits() && *t == tilt)
                {
                    Some((_, _, x)) => x.clone(),
                    None => {
                        let x = if tilt {
                            BioSampler::new(q, b)
                        } else {
                            BioSampler::untilted(q, b)
                        };
                        samplers.push((q.to_bits(), tilt, x.clone()));
                        x
                    }
                }
            });
            // The observer's PIN works on a lock screen (a biometric stage in front of a PIN
            // stage) whose window holds at least one guess.
            let observed = if p.biometric.is_some() && p.pin.is_some() && budget >= 1 {
                a.pin_observed
            } else {
                0.0
            };
            rows.push(RowPlan {
                policy: p.name.clone(),
                attacker: a.name.clone(),
                bio_presentations: bio.map(|(_, b)| b),
                pin_guesses: pin.as_ref().map(|(reported, _)| *reported),
                experiment: Experiment {
                    bio: bio_sampler,
                    pin: pin.map(|(_, x)| x),
                    observed,
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
    // No work list: each row splits its block indices lazily, so memory does not grow with
    // the trial count (2^40 trials are 2^27 blocks per row).
    let range = shard.range(s.trials);
    let blocks = (range.end - range.start).div_ceil(BLOCK);
    rows.par_iter()
        .enumerate()
        .map(|(r, row)| {
            let key = estimate::row_key(s.seed, r as u64);
            let e = row.experiment.w2_exp();
            (0..blocks)
                .into_par_iter()
                .fold(
                    || Accumulator::scaled(e),
                    |mut acc, j| {
                        let start = range.start + j * BLOCK;
                        let end = (start + BLOCK).min(range.end);
                        estimate::run_trials(&row.experiment, &key, start..end, &mut acc);
                        progress(end - start);
                        acc
                    },
                )
                .reduce(
                    || Accumulator::scaled(e),
                    |mut a, b| {
                        a.merge(&b);
                        a
                    },
                )
        })
        .collect()
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
    /// The probability that the attacker knows the lock-screen PIN (issue 16), where it applies
    /// (absent otherwise, so rows without an observer keep their bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_observed: Option<f64>,
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
                pin_observed: (r.experiment.observed > 0.0).then_some(r.experiment.observed),
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
                .and_then(|&(_, b)| (b > 0.0).then(|| value(r) / b))
                // A ratio beyond the largest f64 is not a number to print: null, like 0.
                .filter(|q| q.is_finite());
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
    /// The sum of `(w 2^-w2_exp)^2` ([`Experiment::w2_exp`]).
    pub sum_w2: Digits,
    pub w2_exp: i32,
}

/// The state file's format tag (v2: squared weights scaled by `2^(-2 w2_exp)`).
pub const STATE_FORMAT: &str = "mynafido-sim-shard-v2";

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
                    w2_exp: a.w2_exp,
                })
                .collect(),
        }
    }

    /// Check the stored sums against the scenario's rows (`rows` = [`plan`] of the state's
    /// scenario, which [`Scenario::check`] has passed) and return the accumulators. `Err` holds
    /// (key, value, reason). The invariants: the rows are the plan's, in order; each row ran
    /// exactly this shard's trials; `0 <= hits <= trials`; the digits are canonical (the form
    /// [`ExactSum::to_digits`] writes); the squares' scale is the row's; no hits if and only if
    /// no weight; plain Monte-Carlo rows have weight 1 per hit, so both sums equal the hits
    /// exactly; weighted rows have every weight in `(0, max_weight]` (so
    /// `sum_w <= hits max_weight`, the same for the squares) and, by Cauchy-Schwarz,
    /// `sum_w^2 <= hits sum_w2` (both with a relative slack of 1e-9 for the rounding of the
    /// sums' values).
    pub fn checked_accumulators(
        &self,
        rows: &[RowPlan],
        trials: u64,
    ) -> Result<Vec<Accumulator>, (String, String, String)> {
        let err = |i: usize, key: &str, value: String, reason: &str| {
            (format!("rows[{i}].{key}"), value, reason.to_string())
        };
        if self.rows.len() != rows.len() {
            return Err((
                "rows".into(),
                format!("{} rows", self.rows.len()),
                format!("the scenario has {} rows", rows.len()),
            ));
        }
        let expected = self.shard.range(trials);
        let expected = expected.end - expected.start;
        let mut out = Vec::with_capacity(rows.len());
        for (i, (st, row)) in self.rows.iter().zip(rows).enumerate() {
            if st.policy != row.policy || st.attacker != row.attacker {
                return Err(err(
                    i,
                    "policy",
                    format!("{:?} x {:?}", st.policy, st.attacker),
                    &format!(
                        "the scenario's row {i} is {:?} x {:?}",
                        row.policy, row.attacker
                    ),
                ));
            }
            if st.trials != expected {
                return Err(err(
                    i,
                    "trials",
                    st.trials.to_string(),
                    &format!("this shard ran {expected} trials per row"),
                ));
            }
            if st.hits > st.trials {
                return Err(err(i, "hits", st.hits.to_string(), "more hits than trials"));
            }
            let e = row.experiment.w2_exp();
            if st.w2_exp != e {
                return Err(err(
                    i,
                    "w2_exp",
                    st.w2_exp.to_string(),
                    &format!("the row's squares are scaled by 2^(-2 * {e})"),
                ));
            }
            let sum = |key: &str, d: &Digits| {
                ExactSum::from_digits(d).ok_or_else(|| {
                    err(
                        i,
                        key,
                        format!("{} digits", d.0.len()),
                        "not the canonical digits of a sum (increasing limb indices below 68, \
                         non-zero digits)",
                    )
                })
            };
            let acc = Accumulator {
                trials: st.trials,
                hits: st.hits,
                sum_w: sum("sum_w", &st.sum_w)?,
                sum_w2: sum("sum_w2", &st.sum_w2)?,
                w2_exp: e,
            };
            let (s1, s2) = (acc.sum_w.value(), acc.sum_w2.value());
            let h = st.hits as f64;
            let absurd = |key: &str, v: f64, why: &str| Err(err(i, key, format!("{v:e}"), why));
            if (st.hits == 0) != (s1 == 0.0) || (st.hits == 0) != (s2 == 0.0) {
                return absurd("sum_w", s1, "weights without hits or hits without weights");
            }
            if !row.experiment.is_weighted() {
                let unit = estimate::scale_pow2(1.0, -e);
                if s1 != h || s2 != h * unit * unit {
                    return absurd("sum_w", s1, "a plain Monte-Carlo row sums one per hit");
                }
            } else {
                let wmax = row.experiment.max_weight();
                let ws = estimate::scale_pow2(wmax, -e);
                let slack = 1.0 + 1e-9;
                if s1 > h * wmax * slack {
                    return absurd("sum_w", s1, "above hits times the largest possible weight");
                }
                if s2 > h * ws * ws * slack {
                    return absurd("sum_w2", s2, "above hits times the largest possible square");
                }
                let s1s = estimate::scale_pow2(s1, -e);
                if s1s * s1s > h * s2 * slack {
                    return absurd("sum_w2", s2, "below sum_w^2 / hits (Cauchy-Schwarz)");
                }
            }
            out.push(acc);
        }
        Ok(out)
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
                    w2_exp: r.w2_exp,
                })
            })
            .collect()
    }
}
