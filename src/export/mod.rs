//! Views of a trace that are not the terminal UI, all drawn with `present`: the headless text,
//! the JSON summary, the SVG picture and the Chrome trace (out only; `ingest` reads traces in).

pub mod chrome;
pub mod json;
pub mod printable;
pub mod svg;
pub mod text;
