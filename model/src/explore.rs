//! The model as `model explore` serves it in stateright's Explorer (issue 13). stateright labels
//! the initial states "Init 0", "Init 1", ...; so that a person sees which scenario is which, the
//! Explorer gets a thin wrapper of [`Config`]: one start state whose actions are
//! `scenario enrol`, `scenario renew`, ... (one per configured scenario, leading to that
//! scenario's initial state), after which every step is the model's own. The wrapper changes
//! nothing of [`State`]'s layout, and shows the path so far as a message sequence chart
//! ([`crate::chart`]) beside each state.

use crate::chart;
use crate::check;
use crate::properties::{CATALOGUE, Kind};
use crate::system::{Action, Config, Scenario, State};
use stateright::{Model, Path, Property};

/// [`Config`] with a named start: the Explorer's model.
#[derive(Debug, Clone)]
pub struct Explore(pub Config);

/// Before a scenario is chosen, or a state of the model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExploreState {
    Start,
    At(Box<State>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExploreAction {
    /// Choose the scenario: go to its initial state.
    Scenario(Scenario),
    Step(Action),
}

/// The most catalogue rows the wrapper can carry: stateright's properties are `fn` pointers, so
/// each row gets its own instance of [`condition`]. A unit test checks the catalogue fits.
pub const MAX_PROPERTIES: usize = 56;

/// Catalogue row `I` on a wrapped state. At the start, `always` rows hold and `sometimes` rows
/// are not witnessed.
fn condition<const I: usize>(m: &Explore, s: &ExploreState) -> bool {
    let Some(row) = CATALOGUE.get(I) else {
        return false;
    };
    match s {
        ExploreState::Start => row.kind == Kind::Always,
        ExploreState::At(s) => (row.condition)(&m.0, s),
    }
}

type Condition = fn(&Explore, &ExploreState) -> bool;

macro_rules! conditions {
    ($($i:literal)*) => { [$(condition::<$i> as Condition),*] };
}

const CONDITIONS: [Condition; MAX_PROPERTIES] = conditions!(
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23
    24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47
    48 49 50 51 52 53 54 55
);

impl Explore {
    /// The model's path (states with the action taken from each) behind a wrapped path.
    fn inner_path(&self, path: Path<ExploreState, ExploreAction>) -> check::Steps {
        path.into_vec()
            .into_iter()
            .filter_map(|(s, a)| match s {
                ExploreState::Start => None,
                ExploreState::At(s) => Some((
                    *s,
                    a.and_then(|a| match a {
                        ExploreAction::Step(a) => Some(a),
                        ExploreAction::Scenario(_) => None,
                    }),
                )),
            })
            .collect()
    }
}

impl Model for Explore {
    type State = ExploreState;
    type Action = ExploreAction;

    fn init_states(&self) -> Vec<ExploreState> {
        vec![ExploreState::Start]
    }

    fn actions(&self, s: &ExploreState, out: &mut Vec<ExploreAction>) {
        match s {
            ExploreState::Start => out.extend(
                self.0
                    .init_states()
                    .iter()
                    .map(|s| ExploreAction::Scenario(s.scenario)),
            ),
            ExploreState::At(s) => {
                let mut inner = Vec::new();
                self.0.actions(s, &mut inner);
                out.extend(inner.into_iter().map(ExploreAction::Step));
            }
        }
    }

    fn next_state(&self, s: &ExploreState, a: ExploreAction) -> Option<ExploreState> {
        match (s, a) {
            (ExploreState::Start, ExploreAction::Scenario(sc)) => self
                .0
                .init_states()
                .into_iter()
                .find(|s| s.scenario == sc)
                .map(|s| ExploreState::At(Box::new(s))),
            (ExploreState::At(s), ExploreAction::Step(a)) => self
                .0
                .next_state(s, a)
                .map(|s| ExploreState::At(Box::new(s))),
            _ => None,
        }
    }

    fn format_action(&self, a: &ExploreAction) -> String {
        match a {
            ExploreAction::Scenario(sc) => format!("scenario {}", sc.name()),
            ExploreAction::Step(a) => self.0.format_action(a),
        }
    }

    fn properties(&self) -> Vec<Property<Self>> {
        CATALOGUE
            .iter()
            .zip(CONDITIONS)
            .map(|(p, c)| match p.kind {
                Kind::Always => Property::always(p.name, c),
                Kind::Sometimes => Property::sometimes(p.name, c),
            })
            .collect()
    }

    fn as_svg(&self, path: Path<ExploreState, ExploreAction>) -> Option<String> {
        let steps = self.inner_path(path);
        if steps.is_empty() {
            return None;
        }
        chart::explorer_svg(&self.0, &steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_fits_and_each_row_gets_its_own_condition() {
        assert!(CATALOGUE.len() <= MAX_PROPERTIES, "raise MAX_PROPERTIES");
        let m = Explore(Config::new().unwrap());
        let props = m.properties();
        assert_eq!(props.len(), CATALOGUE.len());
        // On each scenario's initial state, the wrapper answers as the row itself does.
        for init in m.0.init_states() {
            let wrapped = ExploreState::At(Box::new(init.clone()));
            for (p, row) in props.iter().zip(CATALOGUE.iter()) {
                assert_eq!(p.name, row.name);
                assert_eq!((p.condition)(&m, &wrapped), (row.condition)(&m.0, &init));
            }
        }
    }

    #[test]
    fn the_start_names_each_scenario() {
        let m = Explore(Config::new().unwrap());
        let mut actions = Vec::new();
        m.actions(&ExploreState::Start, &mut actions);
        let names: Vec<String> = actions.iter().map(|a| m.format_action(a)).collect();
        let expected: Vec<String> = Scenario::ALL
            .iter()
            .map(|s| format!("scenario {}", s.name()))
            .collect();
        assert_eq!(names, expected);
        for a in actions {
            let Some(ExploreState::At(s)) = m.next_state(&ExploreState::Start, a) else {
                panic!("{a:?} leads nowhere");
            };
            assert_eq!(ExploreAction::Scenario(s.scenario), a);
        }
    }
}
