//! The SVGs of `sim national` show what they claim: `national.svg` has its axis labels, one curve
//! and one legend entry per policy of `national.json`'s `ccdf` (the baselines thin and labelled),
//! each curve's points at the pixels the JSON's values map to on the log axes; `sensitivity.svg`
//! has one low and one high bar per `sensitivity` entry, in the JSON's order (largest swing on
//! top), with their far ends where the JSON's totals map to on the linear axis, and a label per
//! parameter. Negative controls: the checks fail on a JSON with one value changed and on an SVG
//! with one series or one bar removed.
//!
//! The mapping from values to pixels is not taken from the plotting code: the test fits it from
//! two points of the SVG itself (the extremes) and requires every other point to agree, so a
//! curve or bar drawn from a wrong value is off by far more than the 2-pixel rounding allowance.

mod common;

use std::process::Command;

use common::{read_text as read, scratch};

use serde_json::Value;

/// A polyline: stroke width and points.
#[derive(Debug, Clone)]
struct Line {
    width: u32,
    points: Vec<(f64, f64)>,
}

fn parse(svg: &str) -> Result<(Vec<Line>, Vec<String>), String> {
    let doc = roxmltree::Document::parse(svg).map_err(|e| format!("not XML: {e}"))?;
    let mut lines = Vec::new();
    let mut texts = Vec::new();
    for n in doc.descendants() {
        match n.tag_name().name() {
            "polyline" => {
                let width = n
                    .attribute("stroke-width")
                    .and_then(|w| w.parse().ok())
                    .ok_or("polyline without stroke-width")?;
                let mut points = Vec::new();
                for p in n.attribute("points").unwrap_or("").split_whitespace() {
                    let (x, y) = p.split_once(',').ok_or("bad point")?;
                    let x: f64 = x.parse().map_err(|_| "bad x")?;
                    let y: f64 = y.parse().map_err(|_| "bad y")?;
                    points.push((x, y));
                }
                lines.push(Line { width, points });
            }
            "text" => texts.push(n.text().unwrap_or("").trim().to_string()),
            _ => {}
        }
    }
    Ok((lines, texts))
}

/// A linear map fitted through two (value, pixel) pairs; `None` when the values coincide.
fn fit(a: (f64, f64), b: (f64, f64)) -> Option<impl Fn(f64) -> f64> {
    if (b.0 - a.0).abs() < 1e-12 {
        return None;
    }
    let k = (b.1 - a.1) / (b.0 - a.0);
    Some(move |v: f64| a.1 + k * (v - a.0))
}

/// Pixel tolerance: plotters rounds every coordinate to a whole pixel, and the fit's two anchors
/// carry that rounding too.
const TOL: f64 = 2.0;

fn check_ccdf(svg: &str, j: &Value) -> Result<(), String> {
    let (lines, texts) = parse(svg)?;
    for label in [
        "expected compromises of a holder per year, all attackers (log scale)",
        "share of the policy's holders above x (log scale)",
    ] {
        if !texts.iter().any(|t| t == label) {
            return Err(format!("axis label {label:?} missing"));
        }
    }
    let ccdf = j["ccdf"].as_array().ok_or("no ccdf")?;
    // Curves: the polylines of the series width (6 mix, 2 baseline) with more than 2 points; the
    // 2-point ones of the same widths are the legend's samples.
    let curves: Vec<&Line> = lines
        .iter()
        .filter(|l| (l.width == 6 || l.width == 2) && l.points.len() > 2)
        .collect();
    let legend = lines
        .iter()
        .filter(|l| (l.width == 6 || l.width == 2) && l.points.len() == 2)
        .count();
    if curves.len() != ccdf.len() || legend != ccdf.len() {
        return Err(format!(
            "{} curves and {legend} legend entries for {} policies",
            curves.len(),
            ccdf.len()
        ));
    }
    // (log10 value, pixel) pairs of every curve point, x and y.
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for (c, curve) in ccdf.iter().zip(&curves) {
        let policy = c["policy"].as_str().ok_or("policy")?;
        let base = c["role"] == "baseline";
        let want_label = if base {
            format!("{policy} (baseline: every holder)")
        } else {
            policy.to_string()
        };
        if !texts.contains(&want_label) {
            return Err(format!("legend label {want_label:?} missing"));
        }
        if (curve.width == 2) != base {
            return Err(format!(
                "{policy}: width {} for role {}",
                curve.width, c["role"]
            ));
        }
        let pts = c["points"].as_array().ok_or("points")?;
        // The curve starts at (first x, share 1) and then runs through the points.
        if curve.points.len() != pts.len() + 1 {
            return Err(format!(
                "{policy}: {} points drawn for {}",
                curve.points.len(),
                pts.len()
            ));
        }
        for (p, px) in pts.iter().zip(&curve.points[1..]) {
            let risk = p[0].as_f64().ok_or("risk")?;
            let share = p[1].as_f64().ok_or("share")?;
            if risk > 0.0 {
                xs.push((risk.log10(), px.0));
            }
            ys.push((share.log10(), px.1));
        }
    }
    for (axis, pairs) in [("x", &xs), ("y", &ys)] {
        let lo = pairs
            .iter()
            .copied()
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .ok_or("no points")?;
        let hi = pairs
            .iter()
            .copied()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .ok_or("no points")?;
        let Some(map) = fit(lo, hi) else {
            continue;
        };
        for &(v, px) in pairs.iter() {
            if (map(v) - px).abs() > TOL {
                return Err(format!(
                    "{axis}: value 10^{v} drawn at {px}, the axis puts it at {}",
                    map(v)
                ));
            }
        }
    }
    Ok(())
}

fn check_tornado(svg: &str, j: &Value) -> Result<(), String> {
    let (lines, texts) = parse(svg)?;
    if !texts
        .iter()
        .any(|t| t.starts_with("compromised holders per year"))
    {
        return Err("x axis label missing".into());
    }
    let sens = j["sensitivity"].as_array().ok_or("no sensitivity")?;
    let bars: Vec<&Line> = lines.iter().filter(|l| l.width == 12).collect();
    if bars.len() != 2 * sens.len() {
        return Err(format!("{} bars for {} parameters", bars.len(), sens.len()));
    }
    let base = j["sensitivity_base_total"].as_f64().ok_or("base")?;
    // The centre: the x every bar starts or ends at.
    let ends: Vec<f64> = bars
        .iter()
        .flat_map(|b| [b.points[0].0, b.points[1].0])
        .collect();
    let centre = ends
        .iter()
        .copied()
        .max_by_key(|x| ends.iter().filter(|y| (*y - x).abs() < 0.5).count())
        .ok_or("no bars")?;
    // (value, far-end pixel) of each bar, and each parameter's row.
    let mut pairs = Vec::new();
    let mut last_y = f64::NEG_INFINITY;
    for (i, s) in sens.iter().enumerate() {
        let label = format!(
            "{}  [{} .. {}]",
            s["parameter"].as_str().ok_or("parameter")?,
            s["low_value"].as_str().ok_or("low")?,
            s["high_value"].as_str().ok_or("high")?
        );
        if !texts.contains(&label) {
            return Err(format!("label {label:?} missing"));
        }
        let y = bars[2 * i].points[0].1;
        if y <= last_y {
            return Err(format!("{label}: not below the previous parameter"));
        }
        last_y = y;
        for (b, key) in [(bars[2 * i], "total_low"), (bars[2 * i + 1], "total_high")] {
            let v = s[key].as_f64().ok_or("total")?;
            if b.points.iter().any(|p| (p.1 - y).abs() > 0.5) {
                return Err(format!("{label}: {key} bar not on the row"));
            }
            let far = if (b.points[0].0 - centre).abs() < 0.5 {
                b.points[1].0
            } else if (b.points[1].0 - centre).abs() < 0.5 {
                b.points[0].0
            } else {
                return Err(format!("{label}: {key} bar does not start at the centre"));
            };
            pairs.push((v, far));
        }
    }
    // Swings sorted, largest first.
    let swings: Vec<f64> = sens.iter().filter_map(|s| s["swing"].as_f64()).collect();
    if swings.windows(2).any(|w| w[0] < w[1]) {
        return Err("sensitivity not sorted by swing".into());
    }
    pairs.push((base, centre));
    let lo = pairs
        .iter()
        .copied()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .ok_or("no bars")?;
    let hi = pairs
        .iter()
        .copied()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .ok_or("no bars")?;
    let map = fit(lo, hi).ok_or("every total equal")?;
    for &(v, px) in &pairs {
        if (map(v) - px).abs() > TOL {
            return Err(format!(
                "total {v} drawn at {px}, the axis puts it at {}",
                map(v)
            ));
        }
    }
    Ok(())
}

/// The check fails, for the expected reason.
fn fails_with(r: Result<(), String>, why: &str) {
    match r {
        Ok(()) => panic!("the check passed; expected a failure ({why})"),
        Err(e) => assert!(e.contains(why), "failed for another reason: {e}"),
    }
}

#[test]
fn national_svgs_show_the_json() {
    let d = scratch("run");
    let o = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["national", "--trials", "300", "--out"])
        .arg(&d)
        .output()
        .expect("the sim binary runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: Value = serde_json::from_str(&read(&d.join("national.json"))).expect("json");
    let ccdf = read(&d.join("national.svg"));
    let tornado = read(&d.join("sensitivity.svg"));
    check_ccdf(&ccdf, &j).expect("national.svg");
    check_tornado(&tornado, &j).expect("sensitivity.svg");
    assert!(j["ccdf"].as_array().map_or(0, Vec::len) >= 4);
    assert!(j["sensitivity"].as_array().map_or(0, Vec::len) >= 10);

    // Negative controls. A JSON value changed by a factor 3 (half a decade on the log axis):
    let mut k = j.clone();
    k["ccdf"][1]["points"][30][0] =
        Value::from(j["ccdf"][1]["points"][30][0].as_f64().unwrap_or(0.0) * 3.0);
    fails_with(check_ccdf(&ccdf, &k), "drawn at");
    // A sensitivity total moved by a fifth of the axis' range.
    let mut k = j.clone();
    let s = &j["sensitivity"][3];
    let (lo, hi) = (
        s["total_low"].as_f64().unwrap_or(0.0),
        s["total_high"].as_f64().unwrap_or(0.0),
    );
    let span = j["sensitivity"][0]["swing"].as_f64().unwrap_or(1.0);
    k["sensitivity"][3]["total_high"] = Value::from(hi.max(lo) + 0.2 * span);
    fails_with(check_tornado(&tornado, &k), "drawn at");
    // One curve removed from the SVG; one bar removed.
    let cut = |svg: &str, marker: &str| -> String {
        let mid = svg.find(marker).expect("marker present");
        let at = svg[..mid].rfind("<polyline").expect("element start");
        let end = at + svg[at..].find("/>").expect("element end") + 2;
        format!("{}{}", &svg[..at], &svg[end..])
    };
    let (c, t) = (
        cut(&ccdf, "stroke-width=\"6\""),
        cut(&tornado, "stroke-width=\"12\""),
    );
    assert!(roxmltree::Document::parse(&c).is_ok() && roxmltree::Document::parse(&t).is_ok());
    fails_with(check_ccdf(&c, &j), "curves and");
    fails_with(check_tornado(&t, &j), "bars for");
}
