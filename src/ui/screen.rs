//! The screen's layout, worked out once a frame from the terminal's size, the view and the
//! trace, and handed to every part that draws: which panels are shown and how high each is, the
//! lane names' width, the diagram's columns, the rows of the verdict at the foot.

use super::layout::{
    diagram_cols, first_lane_rows, grouped_lanes, label_width, least_lane_rows, legend_lines,
    min_size, panel_split, share_rows, wrapped_rows, CHROME_ROWS,
};
use super::session::Session;
use super::view::View;
use crate::present::legend;
use crate::trace::{Lane, LaneKind, Run, Trace};

/// The most rows the verdict takes at the foot of the screen.
const MOST_VERDICT_ROWS: u16 = 6;

/// What the layout needs to know of a panel shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panel {
    pub run: usize,
    pub lanes: usize,
    /// Its lanes are an event loop's tasks (not workers).
    pub tasks: bool,
    pub queues: usize,
    /// Its longest lane name as shown (without a pid).
    pub longest_name: usize,
}

/// What is shown, as the layout needs it: the panels in display order, compact or not, and
/// the verdict once every run has finished.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shown {
    pub panels: Vec<Panel>,
    pub compact: bool,
    pub verdict: Option<String>,
    /// The legend's entries' widths (glyph, words and the space after them).
    pub legend: Vec<usize>,
}

impl Panel {
    /// The rows it takes at least: its title and [`least_lane_rows`].
    fn least_rows(&self) -> u16 {
        1 + least_lane_rows(self.lanes, self.tasks) as u16
    }

    /// The rows it takes before any panel has its caption: title, [`first_lane_rows`], queues.
    fn first_rows(&self) -> u16 {
        let first = first_lane_rows(self.lanes, self.tasks) + self.queues;
        u16::try_from(1 + first).unwrap_or(u16::MAX)
    }

    /// Its (least, first) lane rows, as [`panel_split`] takes them.
    fn lane_rows(&self) -> (usize, usize) {
        let least = least_lane_rows(self.lanes, self.tasks);
        (least, first_lane_rows(self.lanes, self.tasks))
    }

    /// The rows it would take whole: title, a row per lane, its queues and its caption.
    fn wanted_rows(&self) -> u16 {
        u16::try_from(2 + self.lanes.max(1) + self.queues).unwrap_or(u16::MAX)
    }
}

impl Shown {
    /// The smallest terminal that shows it.
    pub fn min_size(&self) -> (u16, u16) {
        min_size(
            &self
                .panels
                .iter()
                .map(Panel::least_rows)
                .collect::<Vec<_>>(),
        )
    }

    /// The smallest terminal that shows its biggest panel alone.
    pub fn min_size_alone(&self) -> (u16, u16) {
        let least = self.panels.iter().map(Panel::least_rows).max().unwrap_or(2);
        min_size(&[least])
    }
}

/// Where everything goes on a terminal of one size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Screen {
    /// Each shown panel's run and height, top to bottom.
    pub panels: Vec<(usize, u16)>,
    /// The lane-name column's width.
    pub label_w: u16,
    /// The diagram's columns.
    pub cols: usize,
    /// The footer's rows: the verdict's (once every run has finished), then the legend's.
    pub foot_rows: u16,
    /// Of the footer's rows, the verdict's.
    pub verdict_rows: u16,
    /// The smallest terminal that shows every panel shown, and the biggest alone.
    pub need: (u16, u16),
    pub need_alone: (u16, u16),
    /// Each panel's lane rows, by the panels' order.
    lane_rows: Vec<usize>,
}

impl Screen {
    /// The layout of a terminal `width` x `height` showing `shown`. Each panel gets its least
    /// rows first; then the verdict the rows it wraps to, then the legend its rows, then the
    /// panels the rest (the lanes of the runs shown whole before their captions).
    pub fn of(shown: &Shown, width: u16, height: u16) -> Screen {
        let least: Vec<u16> = shown.panels.iter().map(Panel::least_rows).collect();
        // Rows beyond the least, the footer's first row counted in the least.
        let mut spare = height.saturating_sub(shown.min_size().1);
        let verdict_rows = match &shown.verdict {
            Some(v) => wrapped_rows(&format!(" {v}"), width)
                .min(MOST_VERDICT_ROWS)
                .min(spare + 1),
            None => 0,
        };
        spare -= verdict_rows.saturating_sub(1);
        let legend = legend_lines(&shown.legend, width).len() as u16;
        let legend_rows = match verdict_rows {
            0 => legend.clamp(1, spare + 1),
            _ => legend.min(spare),
        };
        let foot_rows = (verdict_rows + legend_rows).max(1);
        let rows = height.saturating_sub(1 + 2 + foot_rows + 1);
        // Lanes first, then captions.
        let first: Vec<u16> = shown.panels.iter().map(Panel::first_rows).collect();
        let first = share_rows(rows, &first, &least);
        let wanted: Vec<u16> = shown.panels.iter().map(Panel::wanted_rows).collect();
        let heights = share_rows(rows, &wanted, &first);
        let lane_rows: Vec<usize> = shown
            .panels
            .iter()
            .zip(&heights)
            .map(|(p, &h)| panel_split(h, p.lanes, p.lane_rows(), p.queues).0)
            .collect();
        let label_w = label_w(shown, &heights, width);
        Screen {
            panels: shown.panels.iter().map(|p| p.run).zip(heights).collect(),
            label_w,
            cols: diagram_cols(width, label_w),
            foot_rows,
            verdict_rows,
            need: shown.min_size(),
            need_alone: shown.min_size_alone(),
            lane_rows,
        }
    }

    /// The panel drawn at terminal row `y`, if any (the header is row 0, panels follow).
    pub fn panel_at(&self, y: u16) -> Option<usize> {
        let mut top = 1;
        for &(run, h) in &self.panels {
            if (top..top + h).contains(&y) {
                return Some(run);
            }
            top += h;
        }
        None
    }

    /// Where run `run`'s panel asks its question on a terminal `width` wide, if it is shown:
    /// under its title, indented (see [`question_area`]).
    pub fn question_area(&self, run: usize, width: u16) -> Option<ratatui::layout::Rect> {
        let mut top = 1;
        for &(r, h) in &self.panels {
            if r == run {
                return Some(question_area(ratatui::layout::Rect::new(0, top, width, h)));
            }
            top += h;
        }
        None
    }

    /// The diagram column at terminal column `x`, if it is in the diagrams.
    pub fn col_at(&self, x: u16) -> Option<usize> {
        let col = x.checked_sub(self.label_w + 1)? as usize;
        (col < self.cols).then_some(col)
    }

    /// The lane rows of run `run`'s panel, if it is shown.
    pub fn lane_rows(&self, run: usize) -> Option<usize> {
        let at = self.panels.iter().position(|&(r, _)| r == run)?;
        self.lane_rows.get(at).copied()
    }
}

/// Where a panel in `panel` asks its question, while the class answers: under its title,
/// indented.
pub fn question_area(panel: ratatui::layout::Rect) -> ratatui::layout::Rect {
    let indent = 3.min(panel.width);
    ratatui::layout::Rect::new(
        panel.x + indent,
        panel.y + 1.min(panel.height),
        panel.width - indent,
        panel.height.saturating_sub(1),
    )
}

/// The lane-name column's width: as wide as the names shown (a worker process's pid left out
/// if need be; room for a group's "–N" where lanes are grouped), within bounds.
fn label_w(shown: &Shown, heights: &[u16], width: u16) -> u16 {
    let longest = shown
        .panels
        .iter()
        .zip(heights)
        .map(|(p, &h)| {
            let (rows, _, caption) = panel_split(h, p.lanes, p.lane_rows(), p.queues);
            let suffix = match grouped_lanes(p.lanes, rows, shown.compact, caption > 0) {
                true => 2 + p.lanes.to_string().len(),
                false => 0,
            };
            p.longest_name + suffix
        })
        .max()
        .unwrap_or(0);
    label_width(width, longest)
}

/// What `view` shows of `session`'s trace, as the layout needs it.
pub fn shown(view: &View, session: &Session) -> Shown {
    let trace = session.trace();
    let runs = visible_panels(trace, &choice(view));
    let asked = asked_rows(view, session, &runs);
    let panel = |run: usize| {
        let r = &trace.runs[run];
        let lanes = session.lanes(run, view.by_task);
        let names = lanes.iter().map(|l| {
            let label = crate::present::words::Label::of(r, l);
            label.text(false, false).chars().count()
        });
        // While the class answers, a run to come has rows for its question, not lanes.
        let asks = session.asking() && r.start_ns.is_none();
        let (count, tasks) = match asks {
            true => (asked(run), false),
            false => lanes_to_show(r, lanes, view.by_task),
        };
        Panel {
            run,
            lanes: count,
            tasks,
            queues: if asks { 0 } else { r.meta.queues.len() },
            longest_name: names.max().unwrap_or(0),
        }
    };
    let items = legend_items(view, session, &runs);
    Shown {
        panels: runs.into_iter().map(panel).collect(),
        compact: view.compact,
        verdict: session.finished().then(|| session.verdict()),
        legend: items.iter().map(legend_width).collect(),
    }
}

/// The legend's entries for runs `runs`: what their cells show, and with arrows on, the causes
/// of the wakes they had.
pub fn legend_items(view: &View, session: &Session, runs: &[usize]) -> Vec<legend::Item> {
    let trace = session.trace();
    let mut items = legend::items(runs.iter().map(|&r| &trace.runs[r]), view.color);
    if view.arrows && !view.by_task {
        let causes = runs.iter().fold(0, |bits, &r| {
            bits | session.wakes.sorted(r, &trace.runs[r].wakes).causes
        });
        let causes: Vec<_> = (crate::trace::Cause::ALL.into_iter())
            .filter(|c| causes & (1 << c.index()) != 0)
            .collect();
        items.extend(crate::present::wake::legend_items(&causes));
    }
    items
}

/// While the class answers, the rows each panel of `runs` wants for its question: its words,
/// then an answer a row, where every panel has room for that at least, else only the focused
/// panel (the others' answers follow one another in a row after its words).
fn asked_rows(view: &View, session: &Session, runs: &[usize]) -> impl Fn(usize) -> usize {
    let width = question_area(ratatui::layout::Rect::new(0, 0, view.size.0, 2)).width;
    let rows = |run: usize| {
        let q = session.question_of(run).map(|(_, q)| q);
        let words = q.map_or(1, |q| {
            crate::present::predict::question_rows(q, width as usize)
        });
        (words + q.map_or(0, |q| q.answers.len()), words + 1)
    };
    let wanted: Vec<(usize, (usize, usize))> = runs.iter().map(|&r| (r, rows(r))).collect();
    let least: usize = (wanted.iter())
        .map(|&(_, (n, _))| 1 + least_lane_rows(n, false))
        .sum();
    let all = CHROME_ROWS as usize + least <= view.size.1 as usize;
    let focus = view.focus;
    move |run: usize| {
        let (whole, short) = (wanted.iter())
            .find(|&&(r, _)| r == run)
            .map_or((1, 1), |&(_, n)| n);
        match all || run == focus {
            true => whole,
            false => short.min(whole),
        }
    }
}

/// The columns a legend entry takes: its glyph, a space, its words and two spaces.
pub fn legend_width(item: &crate::present::legend::Item) -> usize {
    item.short.chars().count() + 4
}

/// How many lanes run `r`'s panel shows (`lanes` so far: a run still going shows its workers,
/// or its tasks, to come), and whether they are an event loop's tasks.
pub fn lanes_to_show(r: &Run, lanes: &[Lane], by_task: bool) -> (usize, bool) {
    let tasks = by_task || r.meta.lane_kind == LaneKind::Task;
    let to_come = match (tasks, r.meta.lane_kind) {
        // Finished, it shows the lanes it had (a worker that never ran has none).
        _ if r.finished() => 0,
        (true, _) => r.meta.tasks,
        (false, LaneKind::Instance) => 0,
        (false, _) => r.meta.workers,
    };
    (lanes.len().max(to_come as usize), tasks)
}

/// Which runs `view` chose to show.
pub fn choice(view: &View) -> Choice {
    Choice {
        focus: view.focus,
        solo: view.solo,
        shown_from_set: view.shown_from_set,
        rows: view.size.1,
    }
}

/// Which runs the view shows: its focus, alone or not (`z`), the sets before the latest shown
/// as ghosts from `shown_from_set` on, and the terminal's rows (ghosts only where there is
/// room).
#[derive(Clone, Copy, Debug)]
pub struct Choice {
    pub focus: usize,
    pub solo: bool,
    pub shown_from_set: u32,
    pub rows: u16,
}

/// The runs shown, in display order: the latest set's (one, with `z`), each with its ghost
/// (the same place in the set run before it) under it, until ghosts are cleared.
pub fn visible_panels(trace: &Trace, choice: &Choice) -> Vec<usize> {
    if choice.solo && choice.focus < trace.runs.len() {
        return vec![choice.focus];
    }
    all_panels(trace, choice)
}

/// Every panel of the latest set, with its ghost where the terminal has room, alone or not.
pub fn all_panels(trace: &Trace, choice: &Choice) -> Vec<usize> {
    let runs = &trace.runs;
    let latest = trace.latest_set();
    let current: Vec<usize> = (0..runs.len())
        .filter(|&r| runs[r].meta.set == latest)
        .collect();
    let ghosts: Vec<Option<usize>> = current
        .iter()
        .map(|&r| ghost_of(trace, choice.shown_from_set, r))
        .collect();
    // Room for every panel's least rows and its caption.
    let roomy = |r: usize| {
        let (lanes, tasks) = lanes_to_show(&runs[r], &runs[r].lanes, false);
        2 + least_lane_rows(lanes, tasks)
    };
    let panels = current.iter().chain(ghosts.iter().flatten());
    let room = CHROME_ROWS as usize + panels.map(|&r| roomy(r)).sum::<usize>();
    let room = room <= choice.rows as usize;
    let mut shown = Vec::new();
    for (r, ghost) in current.into_iter().zip(ghosts) {
        shown.push(r);
        shown.extend(ghost.filter(|_| room));
    }
    shown
}

/// The ghost of run `run`: the run at its place in the set before, if that set is shown (from
/// `shown_from_set` on). A run kept from the set before (a what-if's run not run again) has
/// none, and the run it keeps is no other's ghost. A ghost is the run of the set before of the
/// same executor, or its GIL twin (`threads (GIL)` for `free-threads` when a what-if turned
/// the GIL off), and variant: the first such for the first, the second for the second, ...
pub fn ghost_of(trace: &Trace, shown_from_set: u32, run: usize) -> Option<usize> {
    let runs = &trace.runs;
    let r = runs.get(run).filter(|r| !r.meta.kept)?;
    let before = r.meta.set.checked_sub(1).filter(|s| *s >= shown_from_set)?;
    let set = |s: u32| (0..runs.len()).filter(move |&i| runs[i].meta.set == s);
    let mut old: Vec<usize> = set(before).collect();
    for k in set(r.meta.set).filter(|&i| runs[i].meta.kept) {
        if let Some(at) = old.iter().position(|&o| same_run(&runs[o], &runs[k])) {
            old.remove(at);
        }
    }
    let key = |o: &Run| (family(&o.meta.executor), o.meta.variant.clone());
    let place = set(r.meta.set)
        .filter(|&i| i < run && !runs[i].meta.kept && key(&runs[i]) == key(r))
        .count();
    old.into_iter()
        .filter(|&o| key(&runs[o]) == key(r))
        .nth(place)
}

/// Whether `kept` is a copy of `run` (a what-if's run not run again).
fn same_run(run: &Run, kept: &Run) -> bool {
    let (a, b) = (&run.meta, &kept.meta);
    (&a.executor, &a.variant, a.workers, &a.label) == (&b.executor, &b.variant, b.workers, &b.label)
        && run.end_ns == kept.end_ns
}

/// An executor's family: itself and its GIL twin go by the name of the one with the GIL.
fn family(executor: &str) -> String {
    let with_gil = crate::exec::find(executor).and_then(|e| crate::exec::with_gil(e, true));
    with_gil.map_or(executor, |e| e.name()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::layout::CHROME_ROWS;

    /// `runs` panels of `lanes` lanes named up to `thread N`.
    fn shown(runs: usize, lanes: usize) -> Shown {
        let panel = |run| Panel {
            run,
            lanes,
            tasks: false,
            queues: 0,
            longest_name: format!("thread {lanes}").len(),
        };
        Shown {
            panels: (0..runs).map(panel).collect(),
            compact: true,
            verdict: None,
            legend: vec![12; 6],
        }
    }

    #[test]
    fn the_panels_share_the_rows_and_every_run_is_shown() {
        // Seven runs of 5 workers need 5 + 7 x 3 rows: at 80x24 six.
        for (w, h, most) in [(120, 40, 7), (80, 24, 6)] {
            for runs in 1..=most {
                let s = Screen::of(&shown(runs, 5), w, h);
                assert!(s.need.1 <= h, "{w}x{h}: {s:?}");
                assert_eq!(s.panels.len(), runs, "{w}x{h}: every run");
                let used: u16 = s.panels.iter().map(|p| p.1).sum();
                assert!(used + CHROME_ROWS - 1 + s.foot_rows <= h, "{w}x{h}: {s:?}");
                assert!(s.panels.iter().all(|p| p.1 >= 3), "two lanes each: {s:?}");
                assert_eq!(
                    s.cols as u16 + s.label_w + 1,
                    w,
                    "the diagram takes the rest"
                );
                assert!((8..=24).contains(&s.label_w));
            }
        }
        let mut done = shown(2, 3);
        done.verdict = Some("word ".repeat(100));
        let s = Screen::of(&done, 80, 40);
        assert!(s.verdict_rows > 1, "a long verdict takes more rows: {s:?}");
        assert_eq!(s.foot_rows, s.verdict_rows + 1, "and the legend its row");
        assert_eq!(Screen::of(&shown(7, 5), 80, 24).need, (60, 26));
    }

    #[test]
    fn the_legend_and_the_verdicts_rows_give_way_before_lanes() {
        // Six runs of 2 workers at 80x24: 5 + 6 x 3 rows, one to spare.
        let mut done = shown(6, 2);
        done.verdict = Some("word ".repeat(40));
        done.legend = vec![30; 6];
        let s = Screen::of(&done, 80, 24);
        assert!(s.panels.iter().all(|p| p.1 == 3), "{s:?}");
        assert_eq!(
            (s.verdict_rows, s.foot_rows),
            (2, 2),
            "no room for the legend"
        );
        // With more rows, the legend's lines (3: its entries whole) come before the captions.
        let s = Screen::of(&done, 80, 30);
        assert_eq!((s.verdict_rows, s.foot_rows), (3, 6), "{s:?}");
        let panels: Vec<u16> = s.panels.iter().map(|p| p.1).collect();
        assert_eq!(panels, [4, 4, 3, 3, 3, 3], "{s:?}");
        // Live: the legend's first line is always there.
        done.verdict = None;
        let s = Screen::of(&done, 80, 23);
        assert_eq!(s.foot_rows, 1);
    }

    #[test]
    fn rows_and_columns_map_back_to_panels_and_columns() {
        let s = Screen::of(&shown(2, 3), 120, 40);
        assert_eq!(s.panel_at(0), None, "the header");
        assert_eq!(s.panel_at(1), Some(0));
        let second = 1 + s.panels[0].1;
        assert_eq!(s.panel_at(second), Some(1));
        assert_eq!(s.panel_at(second + s.panels[1].1), None, "the axis");
        assert_eq!(s.col_at(s.label_w), None, "the lane names");
        assert_eq!(s.col_at(s.label_w + 1), Some(0));
        assert_eq!(s.col_at(119), Some(s.cols - 1));
        assert_eq!(s.lane_rows(1), Some(3));
        assert_eq!(s.lane_rows(7), None);
    }

    #[test]
    fn grouped_lanes_leave_room_for_their_numbers() {
        let s = Screen::of(&shown(1, 200), 120, 24);
        assert!(s.label_w as usize >= "thread 200".len() + 2, "{s:?}");
        let few = Screen::of(&shown(1, 3), 120, 40);
        assert_eq!(few.label_w, 8, "at least 8 wide");
    }

    #[test]
    fn ghosts_stand_under_their_runs_where_there_is_room() {
        let mut trace = Trace::new("t");
        for set in [0, 0, 1, 1] {
            let run = trace.add_run(crate::trace::RunMeta {
                executor: "threads".into(),
                ..Default::default()
            });
            trace.runs[run as usize].meta.set = set;
        }
        let roomy = Choice {
            focus: 2,
            solo: false,
            shown_from_set: 0,
            rows: 40,
        };
        assert_eq!(all_panels(&trace, &roomy), [2, 0, 3, 1]);
        assert_eq!(ghost_of(&trace, 0, 3), Some(1));
        assert_eq!(ghost_of(&trace, 1, 2), None, "ghosts cleared");
        let short = Choice { rows: 10, ..roomy };
        assert_eq!(visible_panels(&trace, &short), [2, 3], "no room for ghosts");
        let solo = Choice {
            solo: true,
            ..roomy
        };
        assert_eq!(visible_panels(&trace, &solo), [2]);
    }

    /// A trace of two sets of runs: `(executor, set, kept)`.
    fn sets(runs: &[(&str, u32, bool)]) -> Trace {
        let mut trace = Trace::new("t");
        for &(executor, set, kept) in runs {
            let run = trace.add_run(crate::trace::RunMeta {
                executor: executor.into(),
                label: executor.into(),
                set,
                kept,
                ..Default::default()
            });
            trace.runs[run as usize].end_ns = Some(10);
        }
        trace
    }

    #[test]
    fn the_gil_turned_off_keeps_the_ghost_of_the_run_with_the_gil() {
        let before = [("sync", 0, false), ("threads", 0, false)];
        let both = [&before[..], &[("free-threads", 0, false)]].concat();
        // Every run again: free threads stand over the threads with the GIL, then over free.
        let again = [
            ("sync", 1, false),
            ("free-threads", 1, false),
            ("free-threads", 1, false),
        ];
        let trace = sets(&[&both[..], &again[..]].concat());
        let ghosts: Vec<Option<usize>> = (3..6).map(|r| ghost_of(&trace, 0, r)).collect();
        assert_eq!(ghosts, [Some(0), Some(1), Some(2)]);
        // Only the pool run again: the runs kept have no ghost, and take none.
        let kept = [
            ("sync", 1, true),
            ("free-threads", 1, false),
            ("free-threads", 1, true),
        ];
        let trace = sets(&[&both[..], &kept[..]].concat());
        let ghosts: Vec<Option<usize>> = (3..6).map(|r| ghost_of(&trace, 0, r)).collect();
        assert_eq!(ghosts, [None, Some(1), None]);
        let choice = Choice {
            focus: 3,
            solo: false,
            shown_from_set: 0,
            rows: 40,
        };
        assert_eq!(all_panels(&trace, &choice), [3, 4, 1, 5]);
    }
}
