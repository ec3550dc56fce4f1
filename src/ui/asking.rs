//! Predict, then run: the runs asked about before they start. The lab plans them and puts
//! their questions in the trace (where the class's counts go); until they start, the session
//! shows a preview: the trace's runs and then the runs to come, named and empty.

use crate::lab::Plan;
use crate::trace::Trace;

/// What is asked about.
#[derive(Debug)]
pub enum Then {
    /// The lesson, not started yet (`--predict`).
    Start,
    /// The lesson again (`r` or `p`).
    Rerun,
    /// A what-if's settings, beside the runs there.
    WhatIf(Box<crate::lab::Options>),
}

/// The runs asked about, planned and not started.
pub struct Asking {
    /// The trace as it will be once they are registered, their spans to come.
    pub preview: Trace,
    /// Before the lesson's first runs: nothing to go back to.
    pub first: bool,
}

impl Asking {
    /// Set `set` of `plan` (planned, not started) as its runs will join `trace`: after its
    /// runs, in the order the lab registers them (each run followed by its real programs'; a
    /// run kept from the set before as its copy).
    pub fn new(trace: &Trace, plan: &Plan, set: u32, first: bool) -> Asking {
        let mut preview = trace.clone();
        // The questions are read where the counts go: the trace itself.
        preview.questions.clear();
        let ids = plan.run_ids(set, preview.runs.len() as u32);
        for (i, (meta, id)) in plan.metas(set).into_iter().zip(ids).enumerate() {
            match (id, plan.kept.get(i)) {
                (Some(id), _) => {
                    let reals = plan.real_metas(i, id, &meta);
                    preview.add_run(meta);
                    for (_, real) in reals {
                        preview.add_run(real);
                    }
                }
                (None, Some(&Some(from))) => {
                    let mut run = trace.runs[from as usize].clone();
                    run.meta.set = set;
                    run.meta.kept = true;
                    preview.runs.push(run);
                }
                (None, _) => {}
            }
        }
        Asking { preview, first }
    }
}
