//! Running the checker on a configuration and reporting per property: the library behind
//! `model check` (JSON shape documented in `model/README.md`).

use crate::properties::{CATALOGUE, Kind, entry};
use crate::server::Server;
use crate::system::{Action, Config, KioskVerb, State, describe};
use serde::Serialize;
use stateright::{Checker, HasDiscoveries, Model};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Instant;

/// A path: every state with the action taken from it (the last state with none).
pub type Steps = Vec<(State, Option<Action>)>;

/// One step of a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceStep {
    pub actor: String,
    pub action: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Holds,
    Violated,
    Witnessed,
    Unwitnessed,
}

#[derive(Debug, Clone, Serialize)]
pub struct PropertyReport {
    pub name: &'static str,
    pub kind: &'static str,
    pub verdict: Verdict,
    pub trace: Option<Vec<TraceStep>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub properties: Vec<PropertyReport>,
    pub unique_states: usize,
    pub seconds: f64,
    /// `unique_states / seconds` (0 when no time was measured).
    pub states_per_second: f64,
}

impl Report {
    /// Every `always` property holds and every `sometimes` property is witnessed.
    pub fn ok(&self) -> bool {
        self.properties
            .iter()
            .all(|p| matches!(p.verdict, Verdict::Holds | Verdict::Witnessed))
    }

    pub fn states_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.unique_states as f64 / self.seconds
        } else {
            0.0
        }
    }

    pub fn property(&self, name: &str) -> Option<&PropertyReport> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Names of the violated `always` properties.
    pub fn violated(&self) -> Vec<&'static str> {
        self.properties
            .iter()
            .filter(|p| p.verdict == Verdict::Violated)
            .map(|p| p.name)
            .collect()
    }
}

/// How to search.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Worker threads (1 gives the shortest counterexamples).
    pub threads: usize,
    /// Depth-first instead of breadth-first.
    pub dfs: bool,
    /// Stop as soon as this property has a discovery (a negative control).
    pub stop_at: Option<&'static str>,
    /// Print the unique states so far to stderr every [`PROGRESS_EVERY`] (long runs).
    pub progress: bool,
}

/// How often [`Options::progress`] prints.
pub const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Wait for a spawned checker, printing its progress to stderr if asked.
fn wait<C: Checker<Config>>(c: C, progress: bool, started: Instant) -> C {
    if progress {
        let mut last = Instant::now();
        while !c.is_done() {
            std::thread::sleep(std::time::Duration::from_millis(100));
            if last.elapsed() >= PROGRESS_EVERY {
                last = Instant::now();
                let secs = started.elapsed().as_secs_f64();
                let n = c.unique_state_count();
                eprintln!(
                    "model check: {n} unique states, {:.0} states/s, depth {}, {secs:.0} s",
                    n as f64 / secs.max(1e-9),
                    c.max_depth()
                );
            }
        }
    }
    c.join()
}

/// Check `config` and report every property.
pub fn run(config: Config, options: &Options) -> Report {
    let started = Instant::now();
    let mut builder = config.clone().checker().threads(options.threads.max(1));
    if let Some(name) = options.stop_at {
        builder = builder.finish_when(HasDiscoveries::AnyOf(BTreeSet::from([name])));
    }
    let (unique_states, discoveries) = if options.dfs {
        let c = wait(builder.spawn_dfs(), options.progress, started);
        (c.unique_state_count(), c.discoveries())
    } else {
        let c = wait(builder.spawn_bfs(), options.progress, started);
        (c.unique_state_count(), c.discoveries())
    };
    let seconds = started.elapsed().as_secs_f64();
    let properties = CATALOGUE
        .iter()
        .map(|p| {
            let found = discoveries.get(p.name);
            let verdict = match (p.kind, found.is_some()) {
                (Kind::Always, false) => Verdict::Holds,
                (Kind::Always, true) => Verdict::Violated,
                (Kind::Sometimes, true) => Verdict::Witnessed,
                (Kind::Sometimes, false) => Verdict::Unwitnessed,
            };
            let trace = match (p.kind, found) {
                (Kind::Always, Some(_)) => shortest_counterexample(&config, p.name),
                _ => None,
            };
            PropertyReport {
                name: p.name,
                kind: p.kind.as_str(),
                verdict,
                trace,
            }
        })
        .collect();
    let mut report = Report {
        properties,
        unique_states,
        seconds,
        states_per_second: 0.0,
    };
    report.states_per_second = report.states_per_second();
    report
}

/// A path as readable steps, each with the server's answer where there is one. `path` pairs
/// every state with the action taken from it (the last state with none).
pub fn trace(config: &Config, path: &[(State, Option<Action>)]) -> Vec<TraceStep> {
    let mut out = Vec::new();
    if let Some((first, _)) = path.first() {
        out.push(TraceStep {
            actor: "scenario".into(),
            action: first.scenario.name().into(),
            message: String::new(),
        });
    }
    for (i, (state, action)) in path.iter().enumerate() {
        let Some(action) = action else { continue };
        let (actor, verb, mut message) = describe(action);
        if let Some(answer) = server_answer(config, state, action) {
            message = format!("{message} -> {answer}");
        } else if let Some((next, _)) = path.get(i + 1) {
            // What the step put on the network (the attacker reads it).
            let sent: Vec<String> = next
                .attacker
                .knows
                .iter()
                .filter(|t| !state.attacker.knows.contains(t))
                .map(|t| format!("sends {t}"))
                .collect();
            message = sent.join(", ");
        }
        out.push(TraceStep {
            actor,
            action: verb,
            message,
        });
    }
    out
}

/// A breadth-first search of our own, independent of stateright's checker: the number of
/// unique states reachable (all of them if `stop` never holds), and the shortest path to the
/// first state where `stop` holds. stateright 0.31 keeps overwriting an `always` property's
/// discovery with later counterexamples, so traces come from here.
pub fn bfs(config: &Config, stop: impl Fn(&State) -> bool) -> (usize, Option<Steps>) {
    let mut states: Vec<State> = Vec::new();
    let mut parent: Vec<Option<(usize, Action)>> = Vec::new();
    let mut index: HashMap<State, usize> = HashMap::new();
    let mut queue = VecDeque::new();
    for s in config.init_states() {
        if !index.contains_key(&s) {
            index.insert(s.clone(), states.len());
            queue.push_back(states.len());
            states.push(s);
            parent.push(None);
        }
    }
    let mut actions = Vec::new();
    while let Some(i) = queue.pop_front() {
        if stop(&states[i]) {
            let mut path = vec![(states[i].clone(), None)];
            let mut at = i;
            while let Some((p, a)) = parent[at] {
                path.push((states[p].clone(), Some(a)));
                at = p;
            }
            path.reverse();
            return (states.len(), Some(path));
        }
        actions.clear();
        config.actions(&states[i], &mut actions);
        for a in actions.drain(..) {
            let Some(next) = config.next_state(&states[i], a) else {
                continue;
            };
            if !index.contains_key(&next) {
                index.insert(next.clone(), states.len());
                queue.push_back(states.len());
                states.push(next);
                parent.push(Some((i, a)));
            }
        }
    }
    (states.len(), None)
}

/// The shortest counterexample of an `always` property (by name), if there is one.
pub fn shortest_counterexample(config: &Config, name: &str) -> Option<Vec<TraceStep>> {
    let row = entry(name)?;
    let (_, path) = bfs(config, |s| !(row.condition)(config, s));
    path.map(|p| trace(config, &p))
}

/// What the server says to a delivery or a kiosk's presentation.
fn server_answer(config: &Config, state: &State, action: &Action) -> Option<String> {
    let mut server: Server = state.server.clone();
    let now = config.now_secs(state);
    let rules = config.rules_for_trace();
    let result = match *action {
        Action::Deliver { session, term } => server
            .receive(session, term, state.channel(session, term), now, rules)
            .map(|_| ()),
        Action::Kiosk(k, KioskVerb::ScanQr(t)) => server.present_qr(k, t, rules).map(|_| ()),
        _ => return None,
    };
    Some(match result {
        Ok(()) => "accepted".into(),
        Err(reason) => format!("refused ({reason:?})"),
    })
}

/// Format a report as a table.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let width = report
        .properties
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(8);
    out.push_str(&format!("{:<width$}  {:<9}  verdict\n", "property", "kind"));
    for p in &report.properties {
        let verdict = match p.verdict {
            Verdict::Holds => "holds",
            Verdict::Violated => "VIOLATED",
            Verdict::Witnessed => "witnessed",
            Verdict::Unwitnessed => "UNWITNESSED",
        };
        out.push_str(&format!("{:<width$}  {:<9}  {verdict}\n", p.name, p.kind));
    }
    for p in &report.properties {
        if let Some(trace) = &p.trace {
            out.push_str(&format!("\ncounterexample for `{}`:\n", p.name));
            for (i, s) in trace.iter().enumerate() {
                out.push_str(&format!(
                    "  {i:>2}. {:<12} {:<34} {}\n",
                    s.actor, s.action, s.message
                ));
            }
        }
    }
    out.push_str(&format!(
        "\nunique states: {}  states/s: {:.0}  seconds: {:.2}\n",
        report.unique_states,
        report.states_per_second(),
        report.seconds
    ));
    out
}
