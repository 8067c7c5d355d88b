//! The model checker and the simulator as workloads (`DESIGN.md` §7): states per second of the
//! default model check (`model check`), and trials per second of the simulator's per-trial
//! experiment on the rows of its default scenario (`sim`'s built-in `default`).

use std::time::{Duration, Instant};

/// One run of the default model check.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCheck {
    /// Unique states explored.
    pub states: usize,
    /// Wall-clock seconds of the check.
    pub seconds: f64,
    /// Whether every property came out as expected.
    pub ok: bool,
}

impl ModelCheck {
    /// States per second.
    pub fn states_per_second(&self) -> f64 {
        self.states as f64 / self.seconds.max(1e-12)
    }
}

/// Runs the default model check exhaustively on `threads` checker threads.
pub fn model_check(threads: usize) -> ModelCheck {
    let report = model::check::run(
        model::system::Config::default(),
        &model::check::Options {
            threads,
            ..model::check::Options::default()
        },
    );
    ModelCheck {
        states: report.unique_states,
        seconds: report.seconds,
        ok: report.ok(),
    }
}

/// Why the simulator workload could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The built-in scenario is missing.
    #[error("sim has no built-in scenario `{0}`")]
    NoScenario(&'static str),
    /// It did not validate.
    #[error(transparent)]
    Input(#[from] sim::scenario::InputError),
    /// It plans no rows.
    #[error("scenario `{0}` plans no rows")]
    NoRows(&'static str),
}

/// The simulator's default scenario, planned: every row's experiment and stream key.
pub struct SimWorkload {
    rows: Vec<(sim::estimate::Experiment, [u8; 32])>,
}

impl SimWorkload {
    /// Plans the built-in `default` scenario.
    pub fn default_scenario() -> Result<SimWorkload, SimError> {
        const NAME: &str = "default";
        let s = sim::scenario::Scenario::builtin(NAME).ok_or(SimError::NoScenario(NAME))??;
        let (plans, _skipped) = sim::run::plan(&s);
        let rows: Vec<_> = plans
            .into_iter()
            .enumerate()
            .map(|(r, p)| (p.experiment, sim::estimate::row_key(s.seed, r as u64)))
            .collect();
        if rows.is_empty() {
            return Err(SimError::NoRows(NAME));
        }
        Ok(SimWorkload { rows })
    }

    /// Number of rows (policy x attacker pairs).
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Runs trials `start..start + n` of every row; returns the trials run and the hits.
    pub fn run(&self, start: u64, n: u64) -> (u64, u64) {
        let mut trials = 0;
        let mut hits = 0;
        for (exp, key) in &self.rows {
            let mut acc = sim::estimate::Accumulator::default();
            sim::estimate::run_trials(exp, key, start..start + n, &mut acc);
            trials += acc.trials;
            hits += acc.hits;
        }
        (trials, hits)
    }

    /// Trials per second on one thread over about `budget`, in blocks of `block` trials per row.
    pub fn trials_per_second(&self, budget: Duration, block: u64) -> f64 {
        let t = Instant::now();
        let mut trials = 0u64;
        let mut start = 0u64;
        while t.elapsed() < budget || trials == 0 {
            trials += self.run(start, block).0;
            start += block;
        }
        trials as f64 / t.elapsed().as_secs_f64().max(1e-12)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_model_check_completes_as_expected() {
        let c = model_check(1);
        assert!(c.ok, "{c:?}");
        assert!(c.states > 0 && c.seconds > 0.0);
        assert!(c.states_per_second() > 0.0);
    }

    #[test]
    fn sim_workload_runs_the_trials_it_is_asked_for() -> Result<(), SimError> {
        let w = SimWorkload::default_scenario()?;
        assert!(w.rows() > 0);
        let (trials, hits) = w.run(0, 100);
        assert_eq!(trials, 100 * w.rows() as u64);
        assert!(hits <= trials);
        // Same trial indices, same streams: same hits (sim's reproducibility contract).
        assert_eq!(w.run(0, 100), (trials, hits));
        Ok(())
    }
}
