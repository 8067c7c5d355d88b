//! Message sequence charts of counterexample traces, for a reviewer.
//!
//! A [`Chart`] is a small description: lifelines (owner, card, phone, attacker/network, server,
//! kiosks, clock), and rows in time order, each either an arrow carrying a term from one
//! lifeline to another or a local step drawn as a box on one lifeline (a PIN typed, a biometric
//! presented, a clock tick). The step that reaches the violating state is marked.
//!
//! All knowledge of how a model step becomes arrows and boxes is in ONE function,
//! [`from_trace`], which reads the `check --json` trace contract (`actor`, `action`, `message`).
//! [`Chart::svg`] depends only on the chart description. The SVG is written with maud, which
//! escapes every text and attribute.

use crate::check::TraceStep;
use maud::{Markup, html};

/// One vertical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifeline {
    pub id: &'static str,
    pub label: String,
    pub sub: String,
}

/// What a row draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A message from one lifeline to another, with its term and, where there is one, the
    /// receiver's answer (`accepted`, `refused (Reason)`).
    Arrow {
        from: usize,
        to: usize,
        label: String,
        answer: Option<String>,
    },
    /// A local step on one lifeline.
    Local { on: usize, label: String },
}

/// One row: the trace step it belongs to and what it draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub step: usize,
    pub item: Item,
}

/// A chart: a title, lifelines, rows in time order, and the violating step.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chart {
    pub title: String,
    pub lifelines: Vec<Lifeline>,
    pub rows: Vec<Row>,
    pub violating_step: Option<usize>,
}

/// The lifelines, in drawing order (left to right). Only those a trace uses are drawn.
const LIFELINES: [(&str, &str, &str); 9] = [
    ("owner", "owner", "the person"),
    ("card", "card", "My Number Card (JPKI)"),
    ("phone-old", "phone (old)", "SE · authenticator · sensor"),
    ("phone-new", "phone (new)", "SE · authenticator · sensor"),
    ("attacker", "attacker / network", "Dolev-Yao: reads, relays"),
    ("server", "server", "J-LIS · Myna Portal"),
    ("kiosk-near", "kiosk Near", "next to the owner"),
    ("kiosk-remote", "kiosk Remote", "the attacker's"),
    ("clock", "clock", "time passes"),
];

/// Build the chart of a trace (`check::trace`'s steps). `violated` names the property the
/// trace breaks: its last step is marked. This is the one place that knows how the model's
/// steps map to arrows and boxes; adapt it when the model's actions change.
pub fn from_trace(steps: &[TraceStep], violated: Option<&str>) -> Chart {
    let mut used = [false; LIFELINES.len()];
    let mut raw: Vec<(usize, RawItem)> = Vec::new();
    let mut scenario = String::new();
    let idx = |id: &str| LIFELINES.iter().position(|l| l.0 == id).unwrap_or(4);
    for (i, s) in steps.iter().enumerate() {
        let (term, answer) = split_answer(&s.message);
        let sent: Vec<&str> = match s.message.strip_prefix("sends ") {
            Some(rest) => rest.split(", sends ").collect(),
            None => Vec::new(),
        };
        let mut push = |item: RawItem| raw.push((i, item));
        match s.actor.as_str() {
            "scenario" => scenario = s.action.clone(),
            "clock" => push(RawItem::Local(idx("clock"), s.action.clone())),
            "network" => {
                let session = s.action.trim_start_matches("Deliver to ").to_string();
                push(RawItem::Arrow(
                    idx("attacker"),
                    idx("server"),
                    format!("{term} → {session}"),
                    answer,
                ));
            }
            kiosk if kiosk.starts_with("kiosk") => {
                let k = if kiosk.ends_with("Near") {
                    idx("kiosk-near")
                } else {
                    idx("kiosk-remote")
                };
                if term.is_empty() {
                    push(RawItem::Local(k, s.action.clone()));
                } else {
                    push(RawItem::Arrow(
                        k,
                        idx("server"),
                        format!("{}: {term}", s.action),
                        answer,
                    ));
                }
            }
            "owner" | "attacker" => {
                let who = idx(&s.actor);
                let local = local_device(&s.action).map(idx);
                if sent.is_empty() {
                    match local {
                        // The thief acts on the stolen device, the owner unlocks its phone:
                        // an arrow to it.
                        Some(on) if s.actor == "attacker" || s.action == "Unlock" => {
                            push(RawItem::Arrow(who, on, s.action.clone(), None))
                        }
                        Some(on) => push(RawItem::Local(on, format!("{}: {}", s.actor, s.action))),
                        None if s.actor == "owner" && !asks_server(&s.action) => {
                            push(RawItem::Local(who, s.action.clone()))
                        }
                        None if s.actor == "attacker" && !asks_server(&s.action) => {
                            push(RawItem::Local(who, s.action.clone()))
                        }
                        None => push(RawItem::Arrow(who, idx("server"), s.action.clone(), None)),
                    }
                } else {
                    for t in sent {
                        let maker = idx(producer(t));
                        if maker == who {
                            push(RawItem::Local(who, s.action.clone()));
                        } else if s.actor == "owner" {
                            push(RawItem::Local(who, user_step(&s.action)));
                        } else {
                            push(RawItem::Arrow(who, maker, s.action.clone(), None));
                        }
                        push(RawItem::Arrow(maker, idx("attacker"), t.to_string(), None));
                    }
                }
            }
            _ => push(RawItem::Local(
                idx("attacker"),
                format!("{}: {}", s.actor, s.action),
            )),
        }
    }
    for (_, item) in &raw {
        match item {
            RawItem::Arrow(a, b, _, _) => {
                used[*a] = true;
                used[*b] = true;
            }
            RawItem::Local(a, _) => used[*a] = true,
        }
    }
    let mut map = [usize::MAX; LIFELINES.len()];
    let mut lifelines = Vec::new();
    for (i, l) in LIFELINES.iter().enumerate() {
        if used[i] {
            map[i] = lifelines.len();
            lifelines.push(Lifeline {
                id: l.0,
                label: l.1.to_string(),
                sub: l.2.to_string(),
            });
        }
    }
    let rows = raw
        .into_iter()
        .map(|(step, item)| Row {
            step,
            item: match item {
                RawItem::Arrow(a, b, label, answer) => Item::Arrow {
                    from: map[a],
                    to: map[b],
                    label,
                    answer,
                },
                RawItem::Local(a, label) => Item::Local { on: map[a], label },
            },
        })
        .collect();
    let title = match violated {
        Some(p) => format!("scenario {scenario}: `{p}` violated"),
        None => format!("scenario {scenario}"),
    };
    Chart {
        title,
        lifelines,
        rows,
        violating_step: violated.and(steps.len().checked_sub(1)),
    }
}

enum RawItem {
    Arrow(usize, usize, String, Option<String>),
    Local(usize, String),
}

/// `TERM -> answer` into the term and the answer.
fn split_answer(message: &str) -> (String, Option<String>) {
    match message.split_once(" -> ") {
        Some((t, a)) => (t.to_string(), Some(a.to_string())),
        None => (message.to_string(), None),
    }
}

/// The device that produces a term, from its constructor (crypto::Term's Display).
fn producer(term: &str) -> &'static str {
    let new = term.contains("key New") || term.contains("New phone");
    let attacker = term.contains("key Attacker");
    if term.starts_with("CardSig") {
        "card"
    } else if attacker {
        "attacker"
    } else if new {
        "phone-new"
    } else {
        "phone-old"
    }
}

/// Local steps a thief takes on a stolen device.
fn local_device(action: &str) -> Option<&'static str> {
    if action.starts_with("GuessCardPin")
        || action.starts_with("GuessSigningPassword")
        || action.starts_with("PowerCycleCard")
    {
        Some("card")
    } else if action.starts_with("GuessPhonePin")
        || action.starts_with("PresentBiometric")
        || action == "Unlock"
    {
        Some("phone-old")
    } else {
        None
    }
}

/// Steps that are requests to the server without a term.
fn asks_server(action: &str) -> bool {
    [
        "StartLogin",
        "OpenLogin",
        "RequestRegister",
        "RequestRecover",
        "EnrolSe",
        "Pseudonym",
        "ReportLoss",
        // Renewal at the municipal office: J-LIS issues the next certificate.
        "Renew",
    ]
    .iter()
    .any(|a| action.starts_with(a))
}

/// What the owner does locally before the device sends its term.
fn user_step(action: &str) -> String {
    let what = if action.starts_with("CardAuth") {
        "card PIN typed"
    } else if action.starts_with("ScanKioskQr") || action.starts_with("ShowPhoneQr") {
        "QR + biometric"
    } else {
        "biometric presented"
    };
    format!("{action}: {what}")
}

// Layout, in pixels. Text is monospace (DejaVu Sans Mono on Debian), 12 px: a character is
// 0.6 em = 7.2 px wide, so a label's width is known without font metrics.
const CHAR_W10: usize = 73; // tenths of a pixel per character at 12 px (7.2, with margin)
const GUTTER: usize = 56;
const HEAD_H: usize = 52;
const ROW_H: usize = 38;
const MIN_GAP: usize = 150;

fn text_w(s: &str) -> usize {
    (s.chars().count() * CHAR_W10).div_ceil(10)
}

/// Width of a 10 px text: 6 px a character.
fn small_w(s: &str) -> usize {
    s.chars().count() * 6
}

impl Chart {
    /// The chart as an `<svg>` element (inline in HTML, or a file of its own).
    pub fn svg(&self) -> String {
        self.markup().into_string()
    }

    /// The chart as maud markup.
    pub fn markup(&self) -> Markup {
        let n = self.lifelines.len().max(1);
        // Gap between neighbouring lifelines: wide enough for the headers and the local-step
        // boxes. A longer arrow label runs over its neighbours' lifelines on a white halo;
        // labels never share a row, so they cannot overlap each other.
        let mut gap = MIN_GAP;
        for l in &self.lifelines {
            gap = gap.max(small_w(&l.sub) + 20).max(text_w(&l.label) + 20);
        }
        let x = |i: usize| GUTTER + gap / 2 + i * gap;
        // Where each arrow's label is centred: on the arrow, moved right if it would run into
        // the step numbers.
        let centre =
            |from: usize, to: usize, w: usize| ((x(from) + x(to)) / 2).max(GUTTER + w / 2 + 4);
        // A local step's box is centred on its lifeline, moved right if it would run into the
        // step numbers.
        let boxed = |on: usize, w: usize| x(on).max(GUTTER / 2 + w / 2 + 4);
        let mut width = GUTTER + n * gap;
        for r in &self.rows {
            let right = match &r.item {
                Item::Arrow {
                    from,
                    to,
                    label,
                    answer,
                } => {
                    let w = text_w(label).max(answer.as_deref().map_or(0, small_w));
                    centre(*from, *to, w) + w / 2
                }
                Item::Local { on, label } => boxed(*on, text_w(label) + 12) + text_w(label) / 2 + 6,
            };
            width = width.max(right + 12);
        }
        let height = HEAD_H + 16 + self.rows.len() * ROW_H + 16;
        let bottom = height - 8;
        let y = |row: usize| HEAD_H + 16 + row * ROW_H + ROW_H / 2 + 6;
        html! {
            svg xmlns="http://www.w3.org/2000/svg" class="msc" width=(width) height=(height)
                viewBox=(format!("0 0 {width} {height}")) font-family="DejaVu Sans Mono, monospace"
                font-size="12" role="img" aria-label=(self.title) {
                title { (self.title) }
                defs {
                    marker id="ah" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8"
                        markerHeight="8" orient="auto-start-reverse" {
                        path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke" {}
                    }
                }
                @for (i, r) in self.rows.iter().enumerate() {
                    @if Some(r.step) == self.violating_step {
                        rect class="violating" x="0" y=(y(i) - ROW_H / 2 - 4) width=(width)
                            height=(ROW_H) fill="#fde2e2" {}
                    }
                }
                @for (i, l) in self.lifelines.iter().enumerate() {
                    g class="lifeline" data-id=(l.id) {
                        line x1=(x(i)) y1=(HEAD_H) x2=(x(i)) y2=(bottom) stroke="#888"
                            stroke-dasharray="4 3" {}
                        rect x=(x(i) - (gap - 12) / 2) y="6" width=(gap - 12) height=(HEAD_H - 10)
                            rx="4" fill="#eef3fb" stroke="#335" {}
                        text x=(x(i)) y="24" text-anchor="middle" font-weight="bold" { (l.label) }
                        text x=(x(i)) y="40" text-anchor="middle" font-size="10" fill="#445" { (l.sub) }
                    }
                }
                @for (i, r) in self.rows.iter().enumerate() {
                    @let bad = Some(r.step) == self.violating_step;
                    @let colour = if bad { "#b00" } else { "#123" };
                    @let first = i == 0 || self.rows[i - 1].step != r.step;
                    @if first {
                        text class="step" x="6" y=(y(i) - 2) fill=(colour) {
                            (if bad { format!("✗{}", r.step) } else { format!("{}.", r.step) })
                        }
                    }
                    @match &r.item {
                        Item::Arrow { from, to, label, answer } => {
                            @let (x1, x2) = (x(*from), x(*to));
                            @let (a, b) = if x1 < x2 { (x1 + 2, x2 - 2) } else { (x1 - 2, x2 + 2) };
                            @let mid = centre(*from, *to, text_w(label).max(answer.as_deref().map_or(0, small_w)));
                            g class="arrow" data-step=(r.step) {
                                line x1=(a) y1=(y(i)) x2=(b) y2=(y(i)) stroke=(colour)
                                    stroke-width=(if bad { "2" } else { "1.3" }) marker-end="url(#ah)" {}
                                text x=(mid) y=(y(i) - 6) text-anchor="middle" fill=(colour)
                                    paint-order="stroke" stroke="#fff" stroke-width="4" { (label) }
                                @if let Some(ans) = answer {
                                    text x=(mid) y=(y(i) + 13) text-anchor="middle" font-size="10"
                                        fill=(if ans.starts_with("accepted") { "#060" } else { "#a40" })
                                        paint-order="stroke" stroke="#fff" stroke-width="4" { (ans) }
                                }
                            }
                        }
                        Item::Local { on, label } => {
                            @let w = text_w(label) + 12;
                            g class="local" data-step=(r.step) {
                                @let c = boxed(*on, w);
                                rect x=(c - w / 2) y=(y(i) - 17) width=(w) height="20" rx="3"
                                    fill=(if bad { "#fbd" } else { "#fff8dc" }) stroke=(colour) {}
                                text x=(c) y=(y(i) - 3) text-anchor="middle" fill=(colour) { (label) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The Explorer's picture of a path (stateright's `Model::as_svg`): the chart of the steps so
/// far, titled with the scenario, so each initial state shows its scenario's name.
pub fn explorer_svg(
    config: &crate::system::Config,
    path: &[(crate::system::State, Option<crate::system::Action>)],
) -> Option<String> {
    let steps = crate::check::trace(config, path);
    let mut chart = from_trace(&steps, None);
    if chart.rows.is_empty() {
        chart.title = format!("{} (initial state)", chart.title);
    }
    let title = chart.title.clone();
    Some(html! { h3 { (title) } (chart.markup()) }.into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(actor: &str, action: &str, message: &str) -> TraceStep {
        TraceStep {
            actor: actor.into(),
            action: action.into(),
            message: message.into(),
        }
    }

    #[test]
    fn a_phishing_trace_becomes_arrows_between_the_right_lifelines() {
        // Written from the origin-binding counterexample of `check --bug skip-origin-check`.
        let t = [
            step("scenario", "enrol", ""),
            step("owner", "CardAuth", "sends CardSig(cert#0, n0)"),
            step(
                "network",
                "Deliver to session 0",
                "CardSig(cert#0, n0) -> accepted",
            ),
            step(
                "attacker",
                "Phish { session: 2 }",
                "sends Assertion(key Old, n2, Phish, ctr 1)",
            ),
            step("clock", "Tick", ""),
        ];
        let c = from_trace(&t, Some("origin binding"));
        let ids: Vec<_> = c.lifelines.iter().map(|l| l.id).collect();
        assert_eq!(
            ids,
            ["owner", "card", "phone-old", "attacker", "server", "clock"]
        );
        assert_eq!(c.violating_step, Some(4));
        // owner box, card -> attacker, attacker -> server, attacker -> phone, phone -> attacker, tick
        let (owner, card, phone, attacker, server, clock) = (0, 1, 2, 3, 4, 5);
        let arrows: Vec<(usize, usize, usize)> = c
            .rows
            .iter()
            .filter_map(|r| match r.item {
                Item::Arrow { from, to, .. } => Some((r.step, from, to)),
                _ => None,
            })
            .collect();
        assert_eq!(
            arrows,
            [
                (1, card, attacker),
                (2, attacker, server),
                (3, attacker, phone),
                (3, phone, attacker)
            ]
        );
        assert!(matches!(c.rows[0].item, Item::Local { on, .. } if on == owner));
        assert!(
            matches!(c.rows.last().map(|r| &r.item), Some(Item::Local { on, .. }) if *on == clock)
        );
        let svg = c.svg();
        assert_eq!(svg.matches("class=\"lifeline\"").count(), 6);
        assert_eq!(svg.matches("class=\"arrow\"").count(), 4);
        assert!(!svg.contains("refused") && svg.contains("accepted"));
    }

    #[test]
    fn text_is_escaped() {
        let t = [step("owner", "<script>&", "")];
        let svg = from_trace(&t, None).svg();
        assert!(svg.contains("&lt;script&gt;&amp;"), "{svg}");
        assert!(!svg.contains("<script>"));
    }
}
