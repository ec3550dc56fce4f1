//! runwait: runs one workload under several concurrency models for real, records every task's
//! run / wait / ready spans through one `tracing` Layer, and shows them as timing diagrams.
//!
//! The engine (trace, instrumentation, workloads, executors) works with no terminal; the views
//! in `export` only read the trace.

pub mod app;
pub mod cli;
pub mod error;
pub mod exec;
pub mod export;
pub mod ingest;
pub mod instrument;
pub mod lab;
pub mod trace;
pub mod ui;
pub mod workload;

pub use error::Error;
