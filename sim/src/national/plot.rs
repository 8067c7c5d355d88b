//! `national.svg` (the per-holder yearly risk of each policy as a CCDF on log axes) and
//! `sensitivity.svg` (a tornado plot of the one-at-a-time sensitivity analysis). Same care as
//! `risk.svg` ([`crate::plot`]): plotters' SVG backend without a font backend, plain `<text>`,
//! Okabe-Ito colours, the baseline in black.

use plotters::prelude::*;

use super::Report;
use crate::output::{OutputError, sig3};

const COLOURS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
];

fn err<E: std::fmt::Display>(e: E) -> OutputError {
    OutputError::Render {
        what: "svg",
        message: e.to_string(),
    }
}

fn decade_floor(x: f64) -> f64 {
    10f64.powf(x.log10().floor())
}

/// The per-holder risk CCDF: for each policy, the share of its holders (y) whose expected yearly
/// compromises exceed x. Lognormal FAR makes the zero-effort part a smooth tail; a policy
/// without heterogeneity is a vertical step.
pub fn ccdf_svg(r: &Report) -> Result<String, OutputError> {
    let xs: Vec<f64> = r
        .ccdf
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .filter(|x| *x > 0.0)
        .collect();
    let xmin = decade_floor(xs.iter().copied().fold(1.0, f64::min)).max(1e-15);
    let xmax = (decade_floor(xs.iter().copied().fold(1e-15, f64::max)) * 10.0).min(10.0);
    let ymin = 1e-6;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (1000, 640)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "Per-holder yearly risk, CCDF (scenario \"{}\", far_sigma {}, {} holders)",
                    r.scenario, r.far_sigma, r.holders
                ),
                ("sans-serif", 18),
            )
            .margin(15)
            .margin_right(40)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d((xmin..xmax).log_scale(), (ymin..1.0f64).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("expected compromises of a holder per year, all attackers (log scale)")
            .y_desc("share of the policy's holders above x (log scale)")
            .x_label_formatter(&|x| format!("{x:.0e}"))
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        let mut ci = 0;
        let mut bi = 0;
        for c in &r.ccdf {
            let base = c.role == "baseline";
            let colour = if base {
                // First baseline black, the next ones grey: a mix policy drawn wider underneath
                // stays visible where its curve equals a baseline's (card only = card PIN).
                let k = [BLACK, RGBColor(130, 130, 130)][bi.min(1)];
                bi += 1;
                k
            } else {
                let k = COLOURS[ci % COLOURS.len()];
                ci += 1;
                k
            };
            let style = if base {
                colour.stroke_width(2)
            } else {
                colour.stroke_width(6)
            };
            // Draw as a step curve: (x_i, y_i) then up/down to the next point.
            let pts: Vec<(f64, f64)> = c
                .points
                .iter()
                .map(|&(x, y)| (x.clamp(xmin, xmax), y.clamp(ymin, 1.0)))
                .collect();
            let mut path = vec![(pts[0].0, 1.0)];
            path.extend(pts.iter().copied());
            let label = if base {
                format!("{} (baseline: every holder)", c.policy)
            } else {
                c.policy.clone()
            };
            chart
                .draw_series(std::iter::once(PathElement::new(path, style)))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE)
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .position(SeriesLabelPosition::LowerLeft)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// The tornado plot: one bar per parameter from the total at its low value to the total at its
/// high value, largest swing on top, the nominal total as a vertical line.
pub fn tornado_svg(r: &Report) -> Result<String, OutputError> {
    let n = r.sensitivity.len();
    let labels: Vec<String> = r
        .sensitivity
        .iter()
        .map(|s| format!("{}  [{} .. {}]", s.parameter, s.low_value, s.high_value))
        .collect();
    let lo = r
        .sensitivity
        .iter()
        .flat_map(|s| [s.total_low, s.total_high])
        .fold(r.sensitivity_base_total, f64::min);
    let hi = r
        .sensitivity
        .iter()
        .flat_map(|s| [s.total_low, s.total_high])
        .fold(r.sensitivity_base_total, f64::max);
    let pad = (hi - lo).max(1.0) * 0.05;
    let label_px = labels.iter().map(|l| l.len()).max().unwrap_or(10) as u32 * 7 + 20;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (800 + label_px, 130 + 26 * n.max(1) as u32))
            .into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let top = n as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "One-at-a-time sensitivity of the yearly total (posterior mean {} compromised holders/yr over {} draws)",
                    sig3(r.sensitivity_base_total),
                    r.sensitivity_draws
                ),
                ("sans-serif", 18),
            )
            .margin(15)
            .margin_right(40)
            .x_label_area_size(50)
            .y_label_area_size(label_px)
            .build_cartesian_2d((lo - pad)..(hi + pad), -1i32..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("compromised holders per year (blue: parameter at its low value, orange: high)")
            .y_labels(n + 2)
            .y_label_formatter(&|y| {
                usize::try_from(top - 1 - *y)
                    .ok()
                    .and_then(|i| labels.get(i).cloned())
                    .unwrap_or_default()
            })
            .x_label_formatter(&|x| sig3(*x))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        for (i, s) in r.sensitivity.iter().enumerate() {
            let y = top - 1 - i as i32;
            for (v, c) in [(s.total_low, COLOURS[0]), (s.total_high, COLOURS[1])] {
                let (a, b) = if v < r.sensitivity_base_total {
                    (v, r.sensitivity_base_total)
                } else {
                    (r.sensitivity_base_total, v)
                };
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(a, y), (b, y)],
                        c.stroke_width(12),
                    )))
                    .map_err(err)?;
            }
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![
                    (r.sensitivity_base_total, -1),
                    (r.sensitivity_base_total, top),
                ],
                BLACK.stroke_width(1),
            )))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}
