//! Where things go on the screen: the lane-name column, the diagram's columns, the smallest
//! terminal drawn, and how the panels share the rows. Pure functions of sizes.

/// The narrowest terminal drawn.
pub const MIN_WIDTH: u16 = 60;
/// Rows besides the panels: header, axis (2), footer, status.
pub const CHROME_ROWS: u16 = 5;
/// The rows a panel takes at least while there is room: title, one lane, caption.
pub const MIN_PANEL_ROWS: u16 = 3;
/// The fewest rows a panel takes when rows are short: title and one row of lanes; its caption
/// (what its lanes do at the playhead) gives way first, so every run stays on screen.
pub const TIGHT_PANEL_ROWS: u16 = 2;

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

/// The smallest terminal that shows `panels` panels (each as its title and one row of lanes).
pub fn min_size(panels: usize) -> (u16, u16) {
    (
        MIN_WIDTH,
        CHROME_ROWS + TIGHT_PANEL_ROWS * panels.max(1) as u16,
    )
}

/// The rows a terminal needs to give `panels` panels each its caption too.
pub fn roomy_rows(panels: usize) -> u16 {
    CHROME_ROWS + MIN_PANEL_ROWS * panels.max(1) as u16
}

/// How a panel `height` rows high with `queues` queue rows wanted is laid out under its
/// title: (lane rows, queue rows shown, caption rows). Lanes get a row first, then the
/// caption, then queues.
pub fn panel_split(height: u16, queues: usize) -> (usize, usize, usize) {
    let below_title = height.saturating_sub(1) as usize;
    let caption = usize::from(below_title >= 2);
    let queues = queues.min(below_title.saturating_sub(1 + caption));
    (below_title - caption - queues, queues, caption)
}

/// Whether `lanes` lanes share `rows` rows in groups: in compact mode when there are more
/// than twice as many lanes as rows; in any mode when there are more lanes than rows and no
/// caption to say that some are scrolled out of sight.
pub fn grouped_lanes(lanes: usize, rows: usize, compact: bool, captioned: bool) -> bool {
    lanes > rows && ((compact && lanes > 2 * rows) || !captioned)
}

/// Share `rows` among panels that want `wanted` rows each: every panel gets its minimum, then
/// the rest goes out in fair shares, the panels that want least first, so a panel that can be
/// shown whole is (rather than a big one growing a little); rows nobody wants stay empty.
/// Where rows are too few for that minimum, each panel first gets [`TIGHT_PANEL_ROWS`].
pub fn share_rows(rows: u16, wanted: &[u16]) -> Vec<u16> {
    let roomy = rows >= MIN_PANEL_ROWS * wanted.len() as u16;
    let least = if roomy {
        MIN_PANEL_ROWS
    } else {
        TIGHT_PANEL_ROWS
    };
    let mut got: Vec<u16> = wanted.iter().map(|&w| w.min(least)).collect();
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
        assert_eq!(share_rows(20, &[3, 7, 42, 4]), vec![3, 7, 6, 4]);
        assert_eq!(share_rows(40, &[3, 7, 42, 4]), vec![3, 7, 26, 4]);
        assert_eq!(share_rows(12, &[3, 7, 42, 4]), vec![3, 3, 3, 3]);
        assert_eq!(share_rows(9, &[3, 3]), vec![3, 3]);
        // Seven runs in the rows of an 80x24 terminal: each its title and a row of lanes, the
        // rows left to the panels that want least.
        assert_eq!(
            share_rows(16, &[3, 3, 3, 3, 4, 5, 5]),
            vec![3, 3, 2, 2, 2, 2, 2]
        );
        assert_eq!(min_size(7), (60, 19));
        assert_eq!(roomy_rows(7), 26);
    }

    #[test]
    fn a_short_panel_keeps_a_lane_row_before_its_caption_and_queues() {
        assert_eq!(panel_split(2, 0), (1, 0, 0));
        assert_eq!(panel_split(2, 3), (1, 0, 0));
        assert_eq!(panel_split(3, 3), (1, 0, 1));
        assert_eq!(panel_split(6, 3), (1, 3, 1));
        assert_eq!(panel_split(8, 3), (3, 3, 1));
        assert_eq!(panel_split(1, 0), (0, 0, 0));
    }
}
