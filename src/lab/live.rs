//! A lab whose records come from a live source instead of a plan: a real Python program,
//! sampled (`runwait py`, `runwait attach`). The lab owns the sampler as it owns runs: it
//! stops it (and the program runwait started) on quit, and the UI only reads the trace.

use super::{Lab, Order};
use crate::error::Error;
use crate::ingest::python::{Options, Sampler, Target};
use crate::instrument::Recorder;

impl Lab {
    /// Sample `target` into a trace named `name`; an error (not Python, not permitted, exited
    /// at once) leaves nothing running.
    pub fn sample(name: &str, target: Target, options: Options) -> Result<Lab, Error> {
        let recorder = Recorder::new(name);
        let sampler = Sampler::start(target, options, recorder.sink(), recorder.clock(), 0)?;
        Ok(Lab {
            recorder,
            sets: Vec::new(),
            order: Order::Together,
            notes: super::Notes::default(),
            sampler: Some(sampler),
            said: super::cpython::Said::default(),
        })
    }

    /// The exit code of the program runwait started, once it has ended by itself (not when
    /// runwait stopped it, nor for a program attached to).
    pub fn exit_code(&mut self) -> Option<i32> {
        self.sampler.as_mut().and_then(Sampler::exit_code)
    }

    /// What the started program wrote while the terminal UI was up.
    pub fn program_output(&self) -> Vec<u8> {
        self.sampler.as_ref().map_or(Vec::new(), Sampler::output)
    }
}
