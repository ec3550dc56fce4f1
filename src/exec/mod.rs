//! Executors: one concurrency model each, running a list of tasks for real, behind one
//! [`Executor`] trait (in `executor.rs`) and one registry ([`BUILTIN`], in `registry.rs`).
//!
//! Every executor marks its lanes' state changes through the instrumentation; none reads the
//! trace clock to stamp them itself. What the views need to know of an executor (whether it is
//! the baseline, has a GIL, is a model, what its `ready` waits for, why it wins) it says once,
//! in the [`RunMeta`](crate::trace::RunMeta) its [`Executor::describe`] returns, which is saved
//! with the trace; what the what-if form and `--cpython` need (its GIL twin, whether its count
//! is a limit, how CPython does the same) its trait methods say: nothing outside this module
//! looks at an executor's name.
//!
//! This file only declares the files and re-exports: the files form no cycle among themselves
//! (`tests/architecture.rs` checks it), the registry above the executors, the trait below them.
//!
//! # Adding an executor
//! 1. A file here, say `exec/green.rs`, with a unit struct that implements [`Executor`]: its
//!    `name` (what `--executors green:4` and lesson files say), its default worker count,
//!    `describe` (label, lane kind and the typed facts; start from [`meta`]) and `run` (mark every
//!    state change with `instrument::mark`; [`pool`] and [`worker::Worker`] do most of it for a
//!    pool of threads); and, as they are true of it, `max_workers`, `variants`, `takes_arrivals`,
//!    `shares_memory`, `gil` (under the emulated GIL: the executor that is the same pool
//!    without it), `count_is_limit` and `python_model`.
//! 2. `pub mod green;` below, and `&super::green::Green,` in [`BUILTIN`] (`registry.rs`).
//!
//! That is all: the command line, lesson files, the UI and its what-if form, `--cpython`, the
//! verdict, the text, JSON and SVG learn of it through the registry, its trait and its runs'
//! metadata; `tests/executors.rs` runs it. (An executor outside this crate, a test's, is added
//! at run time with [`register`].)

pub mod cloud;
mod ctx;
pub mod event_loop;
mod executor;
pub mod free_threads;
pub mod gil;
pub mod heartbeat;
pub mod notes;
pub mod pool;
pub mod process;
pub mod rayon_pool;
mod registry;
pub mod resources;
pub mod shared;
pub mod switching;
pub mod sync;
pub mod threads;
mod variant;
pub mod worker;

pub use ctx::{Env, Platform, RunCtx, Stop};
pub use executor::{cores, execute, meta, plain_label, ExecSpec, Executor, Gil, PythonModel};
pub use notes::Notes;
pub use registry::{all, find, names, names_of, register, with_gil, BUILTIN};
pub use shared::Shared;
pub use switching::Switching;
pub use variant::{Variant, GUARDS};
