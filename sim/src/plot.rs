//! `risk.svg`: a forest plot. One line per policy x attacker, the estimate as a dot in the
//! policy's colour with its 95% interval as a bar, the exact value as a black cross, on a
//! logarithmic probability axis. The baseline policy is drawn in black and labelled as such.
//!
//! plotters is built without any font backend (no `ttf`, no `ab_glyph`): its SVG backend writes
//! `<text>` elements that the viewer lays out with its own fonts, and for its own layout plotters
//! falls back to a crude estimate of text extents from the character count (its `naive` font
//! module), so no system font or fontconfig is needed. Label areas are sized from the longest
//! label here for the same reason.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::OutputError;
use crate::run::Report;

/// Colours for non-baseline policies (colour-blind-safe Okabe-Ito palette).
const COLOURS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
];

/// Bars of rows whose probability is 0.
const ZERO_GREY: RGBColor = RGBColor(140, 140, 140);

/// Room on the right for the legend.
const LEGEND_PX: u32 = 210;

fn err<E: std::fmt::Display>(e: E) -> OutputError {
    OutputError::Render {
        what: "svg",
        message: e.to_string(),
    }
}

/// Largest power of ten not above `x`, for `x > 0`.
fn decade_floor(x: f64) -> f64 {
    let mut d = 1.0;
    while d > x && d > 1e-300 {
        d /= 10.0;
    }
    d
}

/// Text that XML 1.0 can carry: plotters escapes `<`, `>`, `&` and quotes in every text and
/// attribute it writes, but a character outside XML's `Char` production (C0 controls but tab,
/// newline and carriage return; U+FFFE, U+FFFF) is ill-formed even escaped, so such a character
/// is written as its Rust escape (`\u{0}`), visible in the plot. Scenario checks already refuse
/// control characters in names; this keeps any [`Report`] renderable.
pub fn xml_text(s: &str) -> String {
    let ok = |c: char| {
        matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    };
    s.chars()
        .flat_map(|c| {
            let e: Vec<char> = if ok(c) {
                vec![c]
            } else {
                c.escape_unicode().collect()
            };
            e
        })
        .collect()
}

/// Render the report as an SVG document.
pub fn svg(r: &Report) -> Result<String, OutputError> {
    let n = r.rows.len();
    let is_base = |p: &str| r.baseline.as_deref() == Some(p);
    let labels: Vec<String> = r
        .rows
        .iter()
        .map(|x| {
            let mut l = xml_text(&format!("{} / {}", x.policy, x.attacker));
            if is_base(&x.policy) {
                l.push_str(" (baseline)");
            } else if let Some(q) = x.ratio_to_baseline {
                l.push_str(&format!("  x{}", crate::output::sig3(q)));
            }
            if x.estimate <= 0.0 && x.exact.unwrap_or(0.0) <= 0.0 {
                l.push_str("  p = 0");
            }
            l
        })
        .collect();
    let smallest = r
        .rows
        .iter()
        .flat_map(|x| [x.ci_low, x.estimate, x.exact.unwrap_or(0.0)])
        .filter(|v| *v > 0.0)
        .fold(1.0f64, f64::min);
    let xmin = (decade_floor(smallest) / 10.0).max(1e-15);
    let label_px = labels.iter().map(|l| l.len()).max().unwrap_or(10) as u32 * 8 + 16;
    let width = 900 + label_px + LEGEND_PX;
    let height = 150 + 26 * (n.max(1) as u32);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let top = n as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "Probability that the attacker gets in within {} h (scenario \"{}\", {} trials per row)",
                    r.window_hours,
                    xml_text(&r.scenario),
                    r.trials
                ),
                ("sans-serif", 18),
            )
            .margin(15)
            .margin_right(LEGEND_PX)
            .x_label_area_size(50)
            .y_label_area_size(label_px)
            .build_cartesian_2d((xmin..1.0f64).log_scale(), -1i32..top)
            .map_err(err)?;
        let y_of = |i: usize| top - 1 - i as i32;
        chart
            .configure_mesh()
            .x_desc("probability of getting in (log scale); bar = 95% interval, x = exact value")
            .y_desc("policy / attacker")
            .y_labels(n + 2)
            .y_label_formatter(&|y| {
                let i = top - 1 - *y;
                usize::try_from(i)
                    .ok()
                    .and_then(|i| labels.get(i).cloned())
                    .unwrap_or_default()
            })
            .x_label_formatter(&|x| format!("{x:.0e}"))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;

        let clamp = |v: f64| v.clamp(xmin, 1.0);
        let mut policies: Vec<&str> = Vec::new();
        for x in &r.rows {
            if !policies.contains(&x.policy.as_str()) {
                policies.push(&x.policy);
            }
        }
        let mut colour_i = 0;
        let mut legend: Vec<(String, RGBColor)> = Vec::new();
        for p in &policies {
            let colour = if is_base(p) {
                BLACK
            } else {
                let c = COLOURS[colour_i % COLOURS.len()];
                colour_i += 1;
                c
            };
            let rows: Vec<(usize, &crate::run::Row)> = r
                .rows
                .iter()
                .enumerate()
                .filter(|(_, x)| x.policy == *p)
                .collect();
            for (i, x) in &rows {
                if x.ci_high > 0.0 {
                    let y = y_of(*i);
                    // A row with probability 0 shows only a thin grey bar up to the interval's
                    // upper bound; the others a bar in the policy's colour.
                    let zero = x.estimate <= 0.0 && x.exact.unwrap_or(0.0) <= 0.0;
                    let style = if zero {
                        ZERO_GREY.stroke_width(2)
                    } else {
                        colour.stroke_width(3)
                    };
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(clamp(x.ci_low), y), (clamp(x.ci_high), y)],
                            style,
                        )))
                        .map_err(err)?;
                }
            }
            let name = if is_base(p) {
                format!("{} (baseline)", xml_text(p))
            } else {
                xml_text(p)
            };
            chart
                .draw_series(
                    rows.iter().filter(|(_, x)| x.estimate > 0.0).map(|(i, x)| {
                        Circle::new((clamp(x.estimate), y_of(*i)), 5, colour.filled())
                    }),
                )
                .map_err(err)?;
            legend.push((name, colour));
        }
        chart
            .draw_series(
                r.rows
                    .iter()
                    .enumerate()
                    .filter_map(|(i, x)| x.exact.filter(|e| *e > 0.0).map(|e| (i, e)))
                    .map(|(i, e)| Cross::new((clamp(e), y_of(i)), 6, BLACK.stroke_width(2))),
            )
            .map_err(err)?;
        // The legend, drawn by hand to the right of the plotting area.
        let (x0, y0) = ((width - LEGEND_PX) as i32 + 12, 50);
        let line = 20;
        let entries = legend.len() as i32 + 3 + i32::from(r.baseline.is_some());
        root.draw(&Rectangle::new(
            [
                (x0, y0),
                (x0 + LEGEND_PX as i32 - 27, y0 + line * entries + 10),
            ],
            BLACK.stroke_width(1),
        ))
        .map_err(err)?;
        let font = ("sans-serif", 13)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (k, (name, colour)) in legend.iter().enumerate() {
            let y = y0 + 15 + line * k as i32;
            root.draw(&Circle::new((x0 + 15, y), 5, colour.filled()))
                .map_err(err)?;
            root.draw(&Text::new(name.clone(), (x0 + 30, y), font.clone()))
                .map_err(err)?;
        }
        let y = y0 + 15 + line * legend.len() as i32;
        root.draw(&Cross::new((x0 + 15, y), 6, BLACK.stroke_width(2)))
            .map_err(err)?;
        root.draw(&Text::new("exact value", (x0 + 30, y), font.clone()))
            .map_err(err)?;
        let y = y + line;
        root.draw(&PathElement::new(
            vec![(x0 + 6, y), (x0 + 24, y)],
            BLACK.stroke_width(3),
        ))
        .map_err(err)?;
        root.draw(&Text::new("95% interval", (x0 + 30, y), font.clone()))
            .map_err(err)?;
        let y = y + line;
        root.draw(&PathElement::new(
            vec![(x0 + 6, y), (x0 + 24, y)],
            ZERO_GREY.stroke_width(2),
        ))
        .map_err(err)?;
        root.draw(&Text::new(
            "p = 0: up to 95% bound",
            (x0 + 30, y),
            font.clone(),
        ))
        .map_err(err)?;
        if r.baseline.is_some() {
            let y = y + line;
            root.draw(&Text::new(
                "xN: ratio to baseline",
                (x0 + 8, y),
                font.clone(),
            ))
            .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}
