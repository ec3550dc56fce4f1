//! runwait: runs one workload under several concurrency models for real, records every task's
//! run / wait / ready spans through one `tracing` Layer, and shows them as timing diagrams.
//!
//! How records flow, and the modules that do each part (each uses only those above it in
//! `tests/architecture.rs`'s layers: the trace at the bottom, the terminal UI near the top):
//!
//! ```text
//!  lab (lesson ─► plan) ──► exec: Executor registry ──► task code ──► instrument::mark
//!   │                                                                      │
//!   │   worker processes: the same Layer, records framed over a pipe ─────┤
//!   │   ingest: saved traces, Chrome / viztracer files ──────────────────┤
//!   │   ingest::python: a real Python program, sampled live (py, attach) ─┤
//!   │                                                                      ▼
//!   └── start / stop / rerun / a second set ──► instrument::Recorder (the only writer) ──► trace
//!                                                                                          │
//!                     present: words, glyphs, colours, titles, captions, verdicts ◄────────┤
//!                                  │                      │                                │
//!                             ui (live, replay,     export (text, JSON,                     │
//!                             asciicast)            SVG, Chrome) ◄──────────────────────────┘
//! ```
//!
//! - [`trace`]: the model: states, spans, lanes, runs, their queries and figures, limits, the
//!   file format.
//! - [`instrument`]: the Layer (the only clock), the channel, the recorder, the worker pipes'
//!   codec, the log file.
//! - [`workload`]: tasks and segments, the CPU work, HTTP clients, the loopback server.
//! - [`exec`]: the [`exec::Executor`] trait, its registry, one file per executor.
//! - [`ingest`]: traces from files, and a real Python program sampled live, into the trace
//!   through the recorder.
//! - [`lab`]: lessons (TOML), plans, and the [`lab::Lab`] that runs and records them.
//! - [`present`]: how everything is worded and drawn, for every view.
//! - [`export`]: the headless text, JSON, SVG and Chrome trace.
//! - [`ui`]: the terminal UI; [`cli`] and [`app`]: the command line and each command.

pub mod app;
pub mod cli;
pub mod error;
pub mod exec;
pub mod export;
pub mod ingest;
pub mod instrument;
pub mod lab;
pub mod present;
pub mod trace;
pub mod ui;
pub mod workload;

pub use error::Error;
