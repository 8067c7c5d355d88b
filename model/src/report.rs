//! The reviewer's page behind `model report`: one self-contained HTML file (no network, no
//! fonts, no scripts) with the property table and its verdicts on the default configuration,
//! the bug-switch table, and for every bug switch the shortest counterexample of each property
//! it breaks, drawn as a message sequence chart ([`crate::chart`]).
//!
//! The tables are read from the library at run time ([`CATALOGUE`], [`Bug::ALL`]), so the page
//! follows the model. The page is deterministic: one checker thread, breadth-first order, no
//! times or dates on it.

use crate::bugs::Bug;
use crate::chart;
use crate::check::{self, Options, TraceStep, Verdict};
use crate::properties::CATALOGUE;
use crate::system::Config;
use maud::{DOCTYPE, html};

/// One chart on the page: a bug switch, a property it breaks, the shortest counterexample.
pub struct Counterexample {
    pub bug: Bug,
    pub property: &'static str,
    pub trace: Option<Vec<TraceStep>>,
}

impl Counterexample {
    /// The anchor of this chart on the page.
    pub fn anchor(&self) -> String {
        format!("{}--{}", self.bug.name(), self.property.replace(' ', "-"))
    }
}

/// Everything on the page, computed.
pub struct Page {
    pub default: check::Report,
    pub charts: Vec<Counterexample>,
}

/// Check the default configuration and find, for every bug switch, the shortest counterexample
/// of each property it breaks (a breadth-first search that stops at the first violating state).
pub fn compute(config: &Config) -> Page {
    let default = check::run(
        config.clone(),
        &Options {
            threads: 1,
            ..Options::default()
        },
    );
    let mut charts = Vec::new();
    for bug in Bug::ALL {
        let with = config.clone().with_bug(bug);
        for property in std::iter::once(bug.breaks()).chain(bug.also_breaks().iter().copied()) {
            charts.push(Counterexample {
                bug,
                property,
                trace: check::shortest_counterexample(&with, property),
            });
        }
    }
    Page { default, charts }
}

fn slug(name: &str) -> String {
    format!("p-{}", name.replace(' ', "-"))
}

const STYLE: &str = "body{font-family:DejaVu Sans,sans-serif;margin:2em;max-width:1400px;color:#111}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 8px;\
vertical-align:top;text-align:left}th{background:#eef3fb}.violated,.unwitnessed{color:#b00;\
font-weight:bold}.holds,.witnessed{color:#060}section.chart{margin:2em 0;border-top:1px solid #ccc}\
.scroll{overflow-x:auto}code{font-family:DejaVu Sans Mono,monospace}";

/// The page as HTML.
pub fn html(page: &Page) -> String {
    let verdict = |v: Verdict| match v {
        Verdict::Holds => "holds",
        Verdict::Violated => "violated",
        Verdict::Witnessed => "witnessed",
        Verdict::Unwitnessed => "unwitnessed",
    };
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "mynafido model: properties and counterexamples" }
                style { (STYLE) }
            }
            body {
                h1 { "mynafido model: properties and counterexamples" }
                p {
                    "Written by " code { "model report" } " (one checker thread, breadth-first). \
                     The default configuration has " (page.default.unique_states)
                    " unique states. Every bug switch removes one defence; below each is the \
                     shortest trace to a state that breaks the property it must break, as a \
                     message sequence chart: arrows carry terms, boxes are local steps, the \
                     red row is the step that reaches the violating state."
                }
                h2 { "Properties" }
                table id="properties" {
                    tr { th { "property" } th { "kind" } th { "verdict (default)" } th { "statement" } th { "source" } th { "charts" } }
                    @for row in CATALOGUE {
                        @let v = page.default.property(row.name).map(|p| verdict(p.verdict)).unwrap_or("not checked");
                        tr id=(slug(row.name)) class="property" {
                            td { (row.name) } td { (row.kind.as_str()) }
                            td class=(v) { (v) } td { (row.statement) } td { (row.source) }
                            td {
                                @for c in page.charts.iter().filter(|c| c.property == row.name) {
                                    a href=(format!("#{}", c.anchor())) { (c.bug.name()) } " "
                                }
                            }
                        }
                    }
                }
                h2 { "Bug switches" }
                table id="bugs" {
                    tr { th { "bug switch" } th { "removes" } th { "breaks" } th { "shortest counterexample" } }
                    @for bug in Bug::ALL {
                        tr class="bug" id=(format!("bug-{}", bug.name())) {
                            td { code { (bug.name()) } } td { (bug.removes()) }
                            td {
                                @for c in page.charts.iter().filter(|c| c.bug == bug) {
                                    a href=(format!("#{}", slug(c.property))) { (c.property) } " "
                                }
                            }
                            td {
                                @for c in page.charts.iter().filter(|c| c.bug == bug) {
                                    @match &c.trace {
                                        Some(t) => { a href=(format!("#{}", c.anchor())) { (t.len() - 1) " steps" } " " }
                                        None => { span class="violated" { "none found: the switch does not bite" } " " }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "Counterexamples" }
                @for c in &page.charts {
                    section class="chart" id=(c.anchor()) {
                        h3 { code { (c.bug.name()) } " breaks " a href=(format!("#{}", slug(c.property))) { (c.property) } }
                        p { "Removes: " (c.bug.removes()) "." }
                        @match &c.trace {
                            Some(t) => {
                                div class="scroll" { (chart::from_trace(t, Some(c.property)).markup()) }
                                details {
                                    summary { "the trace as text" }
                                    table {
                                        tr { th { "#" } th { "actor" } th { "action" } th { "message" } }
                                        @for (i, s) in t.iter().enumerate() {
                                            tr { td { (i) } td { (s.actor) } td { code { (s.action) } } td { code { (s.message) } } }
                                        }
                                    }
                                }
                            }
                            None => p class="violated" { "No counterexample: the bug switch does not break this property." }
                        }
                    }
                }
            }
        }
    };
    let mut out = markup.into_string();
    out.push('\n');
    out
}

/// Compute and write the page of the default configuration.
pub fn default_page() -> Result<String, crate::system::ConfigError> {
    Ok(html(&compute(&Config::new()?)))
}
