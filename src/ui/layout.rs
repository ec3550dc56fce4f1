//! Where things go on the screen: the lane-name column, the diagram's columns, the smallest
//! terminal drawn, and how the panels share the rows. Pure functions of sizes.

/// The narrowest terminal drawn.
pub const MIN_WIDTH: u16 = 60;
/// Rows besides the panels: header, axis (2), footer, status.
pub const CHROME_ROWS: u16 = 5;
/// The fewest rows a panel takes: title, one lane, caption.
pub const MIN_PANEL_ROWS: u16 = 3;

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

/// The smallest terminal that shows `panels` panels.
pub fn min_size(panels: usize) -> (u16, u16) {
    (
        MIN_WIDTH,
        CHROME_ROWS + MIN_PANEL_ROWS * panels.max(1) as u16,
    )
}

/// Share `rows` among panels that want `wanted` rows each: every panel gets its minimum, then
/// the rest goes out in fair shares, the panels that want least first, so a panel that can be
/// shown whole is (rather than a big one growing a little); rows nobody wants stay empty.
pub fn share_rows(rows: u16, wanted: &[u16]) -> Vec<u16> {
    let mut got: Vec<u16> = wanted.iter().map(|&w| w.min(MIN_PANEL_ROWS)).collect();
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
    let (mut rows, mut used) = (1usize, 0usize);
    for word in text.split(' ') {
        let len = word.chars().count();
        let with_space = if used == 0 { len } else { used + 1 + len };
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
    }

    #[test]
    fn rows_are_shared_fairly_and_nothing_is_lost() {
        assert_eq!(share_rows(20, &[3, 7, 42, 4]), vec![3, 7, 6, 4]);
        assert_eq!(share_rows(40, &[3, 7, 42, 4]), vec![3, 7, 26, 4]);
        assert_eq!(share_rows(12, &[3, 7, 42, 4]), vec![3, 3, 3, 3]);
        assert_eq!(share_rows(9, &[3, 3]), vec![3, 3]);
    }
}
