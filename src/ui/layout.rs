//! Where things go on the screen: the lane-name column, the diagram's columns, the smallest
//! terminal drawn, and how the panels share the rows. Pure functions of sizes.

/// The narrowest terminal drawn.
pub const MIN_WIDTH: u16 = 60;
/// Rows besides the panels: header, axis (2), footer, status.
pub const CHROME_ROWS: u16 = 5;
/// The most workers a panel always shows each in a row of its own: a run of up to this many
/// workers is never folded into fewer lanes.
pub const WHOLE_WORKERS: usize = 4;
/// The fewest rows an event loop's tasks (or a run of more workers than [`WHOLE_WORKERS`])
/// take: never folded into one lane.
pub const LEAST_GROUP_ROWS: usize = 2;
/// The most workers of a run shown each in a row of its own before any panel has its caption.
pub const WHOLE_RUN: usize = 8;

/// Width of the lane-name column for names up to `longest` characters: as wide as they are,
/// within bounds that leave the diagram most of the width.
pub fn label_width(width: u16, longest: usize) -> u16 {
    let most = if width >= 120 { 24 } else { 18 };
    (longest as u16).clamp(8, most)
}

/// How many diagram columns a terminal this wide has, with a lane-name column `label_w` wide.
pub fn diagram_cols(width: u16, label_w: u16) -> usize {
    width.saturating_sub(label_w + 1) as usize
}

/// The fewest lane rows a panel of `lanes` lanes takes before anything else on the screen
/// gives way: each worker of a run of up to [`WHOLE_WORKERS`] its own row; an event loop's
/// tasks (`tasks`), or more workers, at least [`LEAST_GROUP_ROWS`] rows.
pub fn least_lane_rows(lanes: usize, tasks: bool) -> usize {
    let lanes = lanes.max(1);
    match tasks || lanes > WHOLE_WORKERS {
        true => lanes.min(LEAST_GROUP_ROWS),
        false => lanes,
    }
}

/// The smallest terminal that shows panels taking at least `least` rows each (title and
/// [`least_lane_rows`]).
pub fn min_size(least: &[u16]) -> (u16, u16) {
    let panels: u16 = least.iter().sum();
    (MIN_WIDTH, CHROME_ROWS + panels.max(2))
}

/// The lane rows a panel of `lanes` lanes takes before any panel has its caption: every
/// worker of a run of up to [`WHOLE_RUN`] workers its own row (more are grouped anyway); an
/// event loop's tasks their [`least_lane_rows`].
pub fn first_lane_rows(lanes: usize, tasks: bool) -> usize {
    match tasks {
        true => least_lane_rows(lanes, tasks),
        false => lanes.clamp(1, WHOLE_RUN),
    }
}

/// How a panel `height` rows high with `lanes` lanes (`least` and then `first` rows of them
/// before anything else, see [`least_lane_rows`] and [`first_lane_rows`]) and `queues` queue
/// rows wanted is laid out under its title: (lane rows, queue rows shown, caption rows). The
/// least lanes get their rows first, then the queues, then the lanes; the caption only where
/// every lane has a row of its own besides, or a run with more lanes than that keeps its first
/// rows (grouped anyway), so a caption never folds workers into fewer rows.
pub fn panel_split(
    height: u16,
    lanes: usize,
    (least, first): (usize, usize),
    queues: usize,
) -> (usize, usize, usize) {
    let below_title = height.saturating_sub(1) as usize;
    let queues = queues.min(below_title - least.min(below_title));
    let rows = below_title - queues;
    let beside = rows.saturating_sub(1);
    let caption = rows >= 1 && (rows > lanes || (beside >= first && lanes > 2 * beside));
    (rows - usize::from(caption), queues, usize::from(caption))
}

/// Whether `lanes` lanes share `rows` rows in groups: in compact mode when there are more
/// than twice as many lanes as rows; in any mode when there are more lanes than rows and no
/// caption to say that some are scrolled out of sight.
pub fn grouped_lanes(lanes: usize, rows: usize, compact: bool, captioned: bool) -> bool {
    lanes > rows && ((compact && lanes > 2 * rows) || !captioned)
}

/// Share `rows` among panels that want `wanted` rows each: every panel gets its `least`, then
/// the rest goes out in fair shares, the panels that want least first, so a panel that can be
/// shown whole is (rather than a big one growing a little); rows nobody wants stay empty.
pub fn share_rows(rows: u16, wanted: &[u16], least: &[u16]) -> Vec<u16> {
    let mut got: Vec<u16> = wanted.iter().zip(least).map(|(&w, &l)| w.min(l)).collect();
    let mut left = rows.saturating_sub(got.iter().sum());
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by_key(|&i| wanted[i]);
    while left > 0 {
        let needy: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| got[i] < wanted[i])
            .collect();
        if needy.is_empty() {
            break;
        }
        let share = (left / needy.len() as u16).max(1);
        for i in needy {
            let give = share.min(wanted[i] - got[i]).min(left);
            got[i] += give;
            left -= give;
        }
    }
    got
}

/// The legend's entries, `widths` wide, in lines of a terminal `width` wide: each line starts
/// with a space, and the last entry's two spaces after its words may run past the edge.
pub fn legend_lines(widths: &[usize], width: u16) -> Vec<std::ops::Range<usize>> {
    pack(widths, width.saturating_add(1))
}

/// Entries `widths` wide laid out in rows of `width` columns, whole: the entries of each row.
/// An entry wider than a row has a row of its own (and is cut there).
pub fn pack(widths: &[usize], width: u16) -> Vec<std::ops::Range<usize>> {
    let width = width as usize;
    let mut rows = Vec::new();
    let (mut from, mut used) = (0, 0);
    for (i, &w) in widths.iter().enumerate() {
        if used > 0 && used + w > width {
            rows.push(from..i);
            (from, used) = (i, 0);
        }
        used += w;
    }
    if from < widths.len() {
        rows.push(from..widths.len());
    }
    rows
}

/// `text` as it fits `rows` rows of `width` columns wrapped: whole, or its first words and
/// `…` (a verdict given fewer rows than it wraps to).
pub fn fit_wrapped(text: &str, width: u16, rows: u16) -> String {
    if wrapped_rows(text, width) <= rows {
        return text.to_string();
    }
    let words: Vec<&str> = text.split(' ').collect();
    for n in (1..words.len()).rev() {
        let cut = format!("{} …", words[..n].join(" "));
        if wrapped_rows(&cut, width) <= rows {
            return cut;
        }
    }
    "…".to_string()
}

/// The rows `text` takes wrapped at word boundaries in `width` columns (a word longer than a
/// row is cut across rows), as a wrapping paragraph lays it out.
pub fn wrapped_rows(text: &str, width: u16) -> u16 {
    let width = width.max(1) as usize;
    // Leading spaces are kept (the verdict's one-space margin takes a column).
    let words = text.trim_start_matches(' ');
    let (mut rows, mut used) = (1usize, text.len() - words.len());
    let mut first = true;
    for word in words.split(' ') {
        let len = word.chars().count();
        let with_space = if first { used + len } else { used + 1 + len };
        first = false;
        if with_space <= width {
            used = with_space;
            continue;
        }
        if used > 0 {
            rows += 1;
        }
        used = len;
        while used > width {
            rows += 1;
            used -= width;
        }
    }
    u16::try_from(rows).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_takes_the_rows_its_words_wrap_to() {
        assert_eq!(wrapped_rows("", 10), 1);
        assert_eq!(wrapped_rows("one two", 7), 1);
        assert_eq!(wrapped_rows("one two", 6), 2);
        assert_eq!(wrapped_rows("aaaa bbbb cccc", 9), 2);
        assert_eq!(wrapped_rows("abcdefghijkl", 5), 3);
        // The verdict's margin takes a column: 80 letters after it wrap at 80.
        let verdict = format!(" {} {}", "a".repeat(40), "b".repeat(39));
        assert_eq!(wrapped_rows(&verdict[1..], 80), 1);
        assert_eq!(wrapped_rows(&verdict, 80), 2);
    }

    #[test]
    fn rows_are_shared_fairly_and_nothing_is_lost() {
        let two = [2, 2, 2, 2];
        assert_eq!(share_rows(20, &[3, 7, 42, 4], &two), vec![3, 7, 6, 4]);
        assert_eq!(share_rows(40, &[3, 7, 42, 4], &two), vec![3, 7, 26, 4]);
        assert_eq!(share_rows(8, &[3, 7, 42, 4], &two), vec![2, 2, 2, 2]);
        assert_eq!(share_rows(9, &[3, 3], &[2, 2]), vec![3, 3]);
        // A panel's least rows come first, whatever the others want.
        assert_eq!(share_rows(9, &[6, 42], &[5, 2]), vec![6, 3]);
        // pool-size's seven runs (1, 1, 2, 5, 10, 50 and 160 threads) at 80x24: each worker
        // of the runs of up to 4 its own row, the bigger ones in 2 rows at least.
        let least: Vec<u16> = [1, 1, 2, 5, 10, 50, 160]
            .map(|n| 1 + least_lane_rows(n, false) as u16)
            .to_vec();
        assert_eq!(least, [2, 2, 3, 3, 3, 3, 3]);
        assert_eq!(min_size(&least), (60, 24));
        assert_eq!(
            share_rows(19, &[3, 3, 4, 7, 12, 52, 162], &least),
            vec![2, 2, 3, 3, 3, 3, 3]
        );
    }

    #[test]
    fn runs_of_up_to_four_workers_keep_every_worker_and_a_loop_two_rows() {
        for n in 1..=4 {
            assert_eq!(least_lane_rows(n, false), n);
        }
        assert_eq!(least_lane_rows(5, false), 2);
        assert_eq!(least_lane_rows(0, false), 1);
        assert_eq!(least_lane_rows(40, true), 2);
        assert_eq!(least_lane_rows(1, true), 1);
    }

    #[test]
    fn a_panel_keeps_its_least_lanes_then_queues_and_its_caption_last() {
        let workers = |n| (least_lane_rows(n, false), first_lane_rows(n, false));
        let tasks = |n| (least_lane_rows(n, true), first_lane_rows(n, true));
        // 2 workers in 3 rows: title and both lanes, no caption.
        assert_eq!(panel_split(3, 2, workers(2), 0), (2, 0, 0));
        assert_eq!(panel_split(4, 2, workers(2), 0), (2, 0, 1));
        // 5 workers: every one a row before the caption.
        assert_eq!(panel_split(6, 5, workers(5), 0), (5, 0, 0));
        assert_eq!(panel_split(7, 5, workers(5), 0), (5, 0, 1));
        // 160 workers: grouped anyway; the caption once 8 rows of groups are left.
        assert_eq!(panel_split(9, 160, workers(160), 0), (8, 0, 0));
        assert_eq!(panel_split(10, 160, workers(160), 0), (8, 0, 1));
        // 40 tasks: the caption once 2 rows of groups are left.
        assert_eq!(panel_split(3, 40, tasks(40), 0), (2, 0, 0));
        assert_eq!(panel_split(4, 40, tasks(40), 0), (2, 0, 1));
        // 10 tasks: each a row, or grouped without a caption, before some are scrolled away.
        assert_eq!(panel_split(8, 10, tasks(10), 0), (7, 0, 0));
        assert_eq!(panel_split(12, 10, tasks(10), 0), (10, 0, 1));
        // Queues after the least lanes, before the caption.
        assert_eq!(panel_split(2, 1, workers(1), 3), (1, 0, 0));
        assert_eq!(panel_split(3, 1, workers(1), 3), (1, 1, 0));
        assert_eq!(panel_split(6, 3, workers(3), 3), (3, 2, 0));
        assert_eq!(panel_split(8, 3, workers(3), 3), (3, 3, 1));
        assert_eq!(panel_split(1, 1, workers(1), 0), (0, 0, 0));
    }

    #[test]
    fn a_verdict_in_fewer_rows_ends_in_an_ellipsis() {
        let v = " Pool size: 10 is enough (10.0x sync); more, up to 50 (10.3x), are as fast.";
        assert_eq!(fit_wrapped(v, 80, 2), v);
        let one = fit_wrapped(v, 40, 1);
        assert_eq!(one, " Pool size: 10 is enough (10.0x sync); …");
        assert!(wrapped_rows(&one, 40) == 1);
    }

    #[test]
    fn legend_entries_are_packed_whole() {
        assert_eq!(pack(&[5, 5, 5], 10), vec![0..2, 2..3]);
        assert_eq!(pack(&[12, 3], 10), vec![0..1, 1..2]);
        assert_eq!(pack(&[], 10), Vec::<std::ops::Range<usize>>::new());
    }
}
