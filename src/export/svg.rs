//! The timing diagrams as an SVG picture, in the spirit of the article's figures: a row per
//! lane, a box per span at its true time, coloured by what the lane does (blue run, red wait,
//! amber ready for the GIL, cyan for the loop, magenta for a CPU, grey a modelled cold start),
//! every run on one time axis with ticks, a title per run and a legend of what is drawn. For
//! docs and slides.
//!
//! Every span is a `<rect>` of its state's class (`run`, `wait`, `ready`) carrying its task in
//! `data-task` and its reason in `data-reason`: a picture made from a trace shows all of it.
//! As in the article, run boxes are drawn over the waits beside them and at least one pixel
//! wide, so a short burst of work shows (the picture says so: a 1 px box may stand for less).
//! A lane's own work (a worker process starting up, a cloud instance's cold start) is paler.
//!
//! Each wake (who woke whom) is an arrow over the rows, a `<g class="wake">` carrying its cause
//! in `data-cause`: from the waker's row at the hand-off to the woken row when it was made
//! runnable, its head on the woken row, in its cause's colour (`present::wake::hex`); a wake
//! from the outside (an I/O completion, a timer) is a short arrow down into the woken row.
//! Arrows of the same lanes and cause closer than [`ARROW_GAP_PX`] are drawn as one, their
//! count in `data-count` (a lesson of thousands of GIL hand-offs is not drawn solid). Each is
//! drawn over a white halo and its head outlined, to stand out from the boxes under it.

use crate::present::glyph::{event_glyph, tone};
use crate::present::legend;
use crate::present::title;
use crate::present::wake::{hex, short};
use crate::present::words::{lane_name, lane_order, nice_step, tick_label_at};
use crate::trace::{Cause, Doing, Lane, LaneEvent, Run, Span, State, Trace, Wake};
use std::fmt::Write;

const MARGIN: f64 = 16.0;
const LANE_H: f64 = 14.0;
const LANE_GAP: f64 = 4.0;
const TITLE_H: f64 = 22.0;
const AXIS_H: f64 = 30.0;
const RUN_GAP: f64 = 14.0;
/// The title's height, above the legend.
const HEADER_H: f64 = 32.0;
/// A row of the legend.
const LEGEND_H: f64 = 18.0;
/// The narrowest box: a run this short still shows.
const MIN_RUN_PX: f64 = 1.0;
/// The line under a run's title saying what in it is a model.
const MODEL_H: f64 = 18.0;
/// How pale a lane's own work (a process starting up, a cold start) is drawn.
const OWN_WORK_OPACITY: f64 = 0.45;
const FONT: &str = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";

/// The fill of what a span's lane does.
pub fn fill(doing: Doing) -> &'static str {
    tone(doing).hex
}

/// Escape text for XML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Where the diagrams go: the plot's left edge and width, and the time scale every run shares.
struct Plot {
    x0: f64,
    width: f64,
    /// The longest run's time, from its own t = 0.
    span_ns: u64,
    px_per_ns: f64,
}

/// The picture, `width` pixels wide.
pub fn render(trace: &Trace, width: u32) -> String {
    let width = f64::from(width.max(300));
    let label_w = (width * 0.2).clamp(90.0, 240.0);
    let x0 = MARGIN + label_w;
    // Room on the right for the last tick's label.
    let plot_w = width - x0 - 2.5 * MARGIN;
    let span_ns = longest_run_ns(trace);
    let plot = Plot {
        x0,
        width: plot_w,
        span_ns,
        px_per_ns: plot_w / span_ns as f64,
    };
    let legend = legend_rows(trace, width - 2.0 * MARGIN);
    let top = HEADER_H + legend.len() as f64 * LEGEND_H + 8.0;
    let height: f64 = top + trace.runs.iter().map(run_height).sum::<f64>() + MARGIN;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" {FONT} font-size=\"12\">"
    );
    let _ = writeln!(
        out,
        "<rect class=\"background\" x=\"0\" y=\"0\" width=\"{width:.0}\" height=\"{height:.0}\" fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        out,
        "<text x=\"{MARGIN}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">runwait · {}</text>",
        esc(&trace.scenario)
    );
    draw_legend(&mut out, &legend, HEADER_H + 12.0);
    let mut y = top;
    for (r, run) in trace.runs.iter().enumerate() {
        let _ = writeln!(out, "<g class=\"diagram\" data-run=\"{r}\">");
        y = diagram(&mut out, trace, run, &plot, y);
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// One time scale for every run, each from its own t = 0: the longest.
fn longest_run_ns(trace: &Trace) -> u64 {
    let last_end = |r: &Run| {
        let lanes = r
            .lanes
            .iter()
            .filter_map(|l| l.spans.last().map(|s| s.end_ns));
        r.end_ns.into_iter().chain(lanes).max()
    };
    let runs = trace.runs.iter();
    let lengths = runs.filter_map(|r| Some(last_end(r)?.saturating_sub(r.start_ns?)));
    lengths.max().unwrap_or(1).max(1)
}

fn run_height(r: &Run) -> f64 {
    let model_h = if r.meta.model.is_some() { MODEL_H } else { 0.0 };
    TITLE_H + model_h + r.lanes.len() as f64 * (LANE_H + LANE_GAP) + AXIS_H + RUN_GAP
}

/// A run's diagram from `y` down: its title, what of it is a model, a row per lane, its axis.
/// Returns where the next one starts.
fn diagram(out: &mut String, trace: &Trace, run: &Run, plot: &Plot, mut y: f64) -> f64 {
    let heading = title::run(trace, run, false);
    let _ = writeln!(
        out,
        "<text x=\"{MARGIN}\" y=\"{:.1}\" font-weight=\"bold\">{}</text>",
        y + 15.0,
        esc(&heading)
    );
    y += TITLE_H;
    if let Some(model) = &run.meta.model {
        let _ = writeln!(
            out,
            "<text class=\"model\" x=\"{MARGIN}\" y=\"{:.1}\" font-style=\"italic\" fill=\"#4a5568\">{}</text>",
            y + 9.0,
            esc(model)
        );
        y += MODEL_H;
    }
    let t0 = run.start_ns.unwrap_or(0);
    // Each lane drawn, and the top of its row.
    let mut rows = vec![None; run.lanes.len()];
    for l in lane_order(run, &run.lanes) {
        let lane = &run.lanes[l];
        lane_row(out, &lane_name(run, lane), lane, plot, t0, y);
        for e in run.lane_events().filter(|e| e.lane as usize == l) {
            event_mark(out, &e, plot, t0, y);
        }
        rows[l] = Some(y);
        y += LANE_H + LANE_GAP;
    }
    for (wake, count) in thinned(run, plot, t0) {
        wake_arrow(out, (wake, count), &rows, plot, t0);
    }
    axis(out, plot.x0, y + 2.0, plot.width, plot.span_ns);
    y + AXIS_H + RUN_GAP
}

/// A lane's name, its guide line and a box per span: the waits first, then the runs over them,
/// at least [`MIN_RUN_PX`] wide.
fn lane_row(out: &mut String, name: &str, lane: &Lane, plot: &Plot, t0: u64, y: f64) {
    let (x0, mid) = (plot.x0, y + LANE_H / 2.0);
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>",
        x0 - 6.0,
        mid,
        esc(name)
    );
    let _ = writeln!(
        out,
        "<line x1=\"{x0:.1}\" y1=\"{mid:.1}\" x2=\"{:.1}\" y2=\"{mid:.1}\" stroke=\"#e2e8f0\"/>",
        x0 + plot.width
    );
    let (runs, others): (Vec<&Span>, Vec<&Span>) =
        lane.spans.iter().partition(|s| s.state == State::Run);
    for span in others.into_iter().chain(runs) {
        span_box(out, span, plot, t0, y);
    }
}

/// A lesson's event over its lane: its mark, centred at its time.
fn event_mark(out: &mut String, e: &LaneEvent, plot: &Plot, t0: u64, y: f64) {
    let x = plot.x0 + e.at_ns.saturating_sub(t0) as f64 * plot.px_per_ns;
    let _ = writeln!(
        out,
        "<text class=\"event\" data-kind=\"{}\" x=\"{x:.2}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#1a202c\">{}</text>",
        e.kind.name(),
        y + LANE_H - 2.0,
        event_glyph(e.kind)
    );
}

/// The middle of a row, from its top.
const MID: f64 = LANE_H / 2.0;
/// An arrow head's length and half its width.
const HEAD_LEN: f64 = 5.0;
const HEAD_HALF: f64 = 2.5;

/// A wake as an arrow between the rows drawn (`rows`: each lane's row's top, if drawn): from
/// the middle of the waker's row to the woken row's edge facing it, or from the
/// outside down from the gap above the woken row into its middle; a wake of a lane not drawn is
/// left out.
fn wake_arrow(out: &mut String, arrow: (&Wake, u32), rows: &[Option<f64>], plot: &Plot, t0: u64) {
    let (w, count) = arrow;
    let row = |l: u32| rows.get(l as usize).copied().flatten();
    let Some(to_top) = row(w.to) else {
        return;
    };
    let x = |t: u64| plot.x0 + t.saturating_sub(t0) as f64 * plot.px_per_ns;
    let (x1, y1, y2) = match w.from.map(row) {
        Some(None) => return,
        None => (x(w.to_ns), to_top - LANE_GAP, to_top + LANE_H / 2.0),
        Some(Some(from_top)) if from_top > to_top => {
            (x(w.from_ns), from_top + MID, to_top + LANE_H)
        }
        Some(Some(from_top)) if from_top < to_top => (x(w.from_ns), from_top + MID, to_top),
        // A lane that woke itself: an arrow along its row.
        Some(Some(from_top)) => (x(w.from_ns), from_top + LANE_H / 2.0, to_top + LANE_H / 2.0),
    };
    let (x2, colour) = (x(w.to_ns), hex(w.cause));
    let from = w.from.map_or("outside".to_string(), |l| l.to_string());
    let _ = writeln!(
        out,
        "<g class=\"wake\" data-cause=\"{}\" data-from=\"{from}\" data-to=\"{}\" data-count=\"{count}\"><title>{count} × {}</title><line class=\"halo\" x1=\"{x1:.2}\" y1=\"{y1:.1}\" x2=\"{x2:.2}\" y2=\"{y2:.1}\" stroke=\"#ffffff\" stroke-width=\"3\" stroke-opacity=\"0.85\"/><line x1=\"{x1:.2}\" y1=\"{y1:.1}\" x2=\"{x2:.2}\" y2=\"{y2:.1}\" stroke=\"{colour}\" stroke-width=\"1.4\"/><polygon points=\"{}\" fill=\"{colour}\" stroke=\"#1a202c\" stroke-width=\"0.5\"/></g>",
        w.cause.name(),
        w.to,
        short(w.cause),
        head((x1, y1), (x2, y2))
    );
}

/// How close (in pixels, where they reach the woken row) arrows of the same lanes and cause
/// may be before they are drawn as one.
const ARROW_GAP_PX: f64 = 4.0;

/// A run's wakes as the arrows to draw: each with how many wakes it stands for, those of the
/// same lanes and cause landing within [`ARROW_GAP_PX`] of it counted, not drawn over it.
fn thinned<'a>(run: &'a Run, plot: &Plot, t0: u64) -> Vec<(&'a Wake, u32)> {
    let x = |t: u64| t.saturating_sub(t0) as f64 * plot.px_per_ns;
    let mut arrows: Vec<(&Wake, u32)> = Vec::new();
    let mut last: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for w in &run.wakes {
        match last.get(&(w.from, w.to, w.cause)) {
            Some(&i) if (x(w.to_ns) - x(arrows[i].0.to_ns)).abs() < ARROW_GAP_PX => {
                arrows[i].1 += 1
            }
            _ => {
                last.insert((w.from, w.to, w.cause), arrows.len());
                arrows.push((w, 1));
            }
        }
    }
    arrows
}

/// An arrow head at `tip`, pointing away from `tail`: its three corners.
fn head(tail: (f64, f64), tip: (f64, f64)) -> String {
    let (dx, dy) = (tip.0 - tail.0, tip.1 - tail.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    let (ux, uy) = (dx / len, dy / len);
    let (bx, by) = (tip.0 - ux * HEAD_LEN, tip.1 - uy * HEAD_LEN);
    let corner = |side: f64| (bx - uy * HEAD_HALF * side, by + ux * HEAD_HALF * side);
    let ((ax, ay), (cx, cy)) = (corner(1.0), corner(-1.0));
    format!("{:.2},{:.2} {ax:.2},{ay:.2} {cx:.2},{cy:.2}", tip.0, tip.1)
}

fn span_box(out: &mut String, span: &Span, plot: &Plot, t0: u64, y: f64) {
    let x = plot.x0 + span.start_ns.saturating_sub(t0) as f64 * plot.px_per_ns;
    let w = span.len_ns() as f64 * plot.px_per_ns;
    // A hairline gap between boxes wide enough to spare it, as in the article's figures; a
    // run is never narrower than a pixel, anything else as narrow as it is.
    let w = match (w > 2.0, span.state) {
        (true, _) => w - 0.6,
        (false, State::Run) => w.max(MIN_RUN_PX),
        (false, _) => w.max(0.25),
    };
    let task = span.task.map_or("none".to_string(), |t| t.to_string());
    let pale = match span.task {
        None => format!(" fill-opacity=\"{OWN_WORK_OPACITY}\""),
        Some(_) => String::new(),
    };
    let reason = span
        .reason
        .map_or(String::new(), |r| format!(" data-reason=\"{}\"", r.name()));
    let _ = writeln!(
        out,
        "<rect class=\"{}\" data-task=\"{task}\"{reason} x=\"{x:.2}\" y=\"{y:.1}\" width=\"{w:.2}\" height=\"{LANE_H}\" fill=\"{}\"{pale}/>",
        span.state.name(),
        fill(span.doing())
    );
}

/// A legend entry: its swatch's fill (none for a note) and its words.
type LegendEntry = (Option<&'static str>, String);

/// The legend's entries, as rows that fit in `width`.
fn legend_rows(trace: &Trace, width: f64) -> Vec<Vec<LegendEntry>> {
    // A picture has no cells: its boxes are at their true times, so no "ran part".
    let mut items: Vec<LegendEntry> = legend::items(trace.runs.iter(), false)
        .into_iter()
        .filter(|i| !i.cell.ran_briefly())
        .map(|i| match i.event {
            Some(kind) => (None, format!("{} {}", event_glyph(kind), i.long)),
            None => (Some(fill(i.cell.rest.unwrap_or(RUN))), i.long),
        })
        .collect();
    items.extend(wake_legend(trace));
    items.push((
        None,
        "a run box is at least 1 px wide: the shortest are drawn longer than they were".into(),
    ));
    if trace
        .runs
        .iter()
        .flat_map(|r| r.spans())
        .any(|(_, s)| s.task.is_none())
    {
        items.push((None, "paler: a lane's own work (starting up)".into()));
    }
    let mut rows: Vec<Vec<LegendEntry>> = vec![Vec::new()];
    let mut x = 0.0;
    for (color, words) in items {
        let w = 19.0 + words.chars().count() as f64 * 6.6 + 18.0;
        if x + w > width && x > 0.0 {
            rows.push(Vec::new());
            x = 0.0;
        }
        x += w;
        rows.last_mut().expect("a row").push((color, words));
    }
    rows
}

/// The arrows' colours, for the causes the trace's wakes have.
fn wake_legend(trace: &Trace) -> Vec<LegendEntry> {
    let wakes = || trace.runs.iter().flat_map(|r| &r.wakes);
    let causes = Cause::ALL
        .into_iter()
        .filter(|&c| wakes().any(|w| w.cause == c));
    let mut items: Vec<LegendEntry> = causes
        .map(|c| (Some(hex(c)), format!("→ {}", short(c))))
        .collect();
    if !items.is_empty() {
        items.insert(0, (None, "arrows: who woke whom, at the hand-off".into()));
    }
    items
}

const RUN: Doing = Doing {
    state: State::Run,
    reason: None,
};

/// The legend's rows, the first at `y`: a swatch (none for a note) and its words.
fn draw_legend(out: &mut String, rows: &[Vec<LegendEntry>], y: f64) {
    for (r, row) in rows.iter().enumerate() {
        let (mut x, y) = (MARGIN, y + r as f64 * LEGEND_H);
        for (color, words) in row {
            if let Some(color) = color {
                let _ = writeln!(
                    out,
                    "<rect class=\"legend\" x=\"{x:.1}\" y=\"{:.1}\" width=\"14\" height=\"10\" fill=\"{color}\"/>",
                    y - 9.0
                );
                x += 19.0;
            }
            let fill = if color.is_none() {
                " fill=\"#4a5568\""
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<text x=\"{x:.1}\" y=\"{y:.1}\"{fill}>{}</text>",
                esc(words)
            );
            x += words.chars().count() as f64 * 6.6 + 18.0;
        }
    }
}

fn axis(out: &mut String, x0: f64, y: f64, plot_w: f64, span_ns: u64) {
    let _ = writeln!(
        out,
        "<line x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#4a5568\"/>",
        x0 + plot_w
    );
    let ns_per_px = span_ns as f64 / plot_w;
    let step = nice_step((ns_per_px * 90.0).ceil() as u64).max(1);
    let mut t = 0u64;
    while t <= span_ns {
        let x = x0 + t as f64 / ns_per_px;
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#4a5568\"/>",
            y + 4.0
        );
        let _ = writeln!(
            out,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#4a5568\">{}</text>",
            y + 16.0,
            esc(&tick_label_at(t, step))
        );
        t += step;
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#4a5568\">time</text>",
        x0 - 6.0,
        y + 16.0,
    );
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&apos;");
        assert_eq!(esc("a\u{1}b"), "a\u{fffd}b");
    }
}
