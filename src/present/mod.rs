//! Presentation, for every view: the words, glyphs and colours of states, run titles, captions,
//! the legend and the verdict. The terminal UI, the headless text, the SVG and the asciicast all
//! draw with these, so a wording changes in one place. Nothing here changes the trace.

pub mod caption;
pub mod cpython;
pub mod glyph;
mod lane_names;
pub mod legend;
pub mod predict;
pub mod prediction;
pub mod title;
pub mod verdict;
pub mod wake;
pub mod words;

pub use glyph::{cell_glyph, queue_glyph, Tone};
pub use words::{human_ms, ms};
