//! Figures from who woke whom: the hand-off latency, for each wake the time from when it made
//! its lane runnable (`to_ns`) until that lane next ran (the start of its next run span, or 0
//! if it was running then; a lane that blocked again without a run span long enough to be seen
//! ran when it blocked). In `gil`, the I/O thread's wait for the GIL after each response is
//! the hand-off latency of its I/O completion's wake.
//!
//! Computed from the recorded wakes and spans only: a run without wakes (a file from before
//! version 5) has no hand-offs, and a wake whose lane never ran again has no latency.

use super::{Cause, Lane, Run, State, Wake};

/// One wake's hand-off latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handoff {
    /// The lane woken.
    pub lane: u32,
    pub cause: Cause,
    /// When it was made runnable.
    pub at_ns: u64,
    /// How long from then until it ran.
    pub ns: u64,
}

/// A lane's hand-offs of one cause: how many, their total and longest latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handoffs {
    pub lane: u32,
    pub cause: Cause,
    pub count: u32,
    pub total_ns: u64,
    pub max_ns: u64,
}

impl Handoffs {
    /// The mean latency.
    pub fn mean_ns(&self) -> u64 {
        self.total_ns / u64::from(self.count.max(1))
    }

    fn add(&mut self, h: &Handoff) {
        self.count += 1;
        self.total_ns += h.ns;
        self.max_ns = self.max_ns.max(h.ns);
    }
}

/// When `lane` next runs from `t_ns` on: `t_ns` itself if it is running then, else the start of
/// its next run span, or of a wait begun after `t_ns` (it ran, too briefly to be seen, and
/// blocked again), an open span's too; `None` if it never does. Ready spans, and the wait going
/// on at `t_ns` (the one the wake ends), are passed over.
pub fn next_run(lane: &Lane, t_ns: u64) -> Option<u64> {
    // Spans are sorted and never overlap: their ends are sorted too.
    let first = lane.spans.partition_point(|s| s.end_ns <= t_ns);
    let open = lane.open.map(|o| (o.state, o.start_ns));
    let after = lane.spans[first..].iter().map(|s| (s.state, s.start_ns));
    let ran = after.chain(open).find(|&(state, start)| match state {
        State::Run => true,
        State::Wait => start > t_ns,
        State::Ready => false,
    });
    ran.map(|(_, start)| start.max(t_ns))
}

/// The hand-off latency of one wake of `run`, if its lane ran after it.
pub fn latency(run: &Run, wake: &Wake) -> Option<Handoff> {
    let lane = run.lanes.get(wake.to as usize)?;
    let ran = next_run(lane, wake.to_ns)?;
    Some(Handoff {
        lane: wake.to,
        cause: wake.cause,
        at_ns: wake.to_ns,
        ns: ran - wake.to_ns,
    })
}

/// Every wake's hand-off latency, in the order the wakes were recorded (those whose lane never
/// ran again left out).
pub fn latencies(run: &Run) -> impl Iterator<Item = Handoff> + '_ {
    run.wakes.iter().filter_map(|w| latency(run, w))
}

/// Per lane and cause, its hand-offs: by lane, then cause (in [`Cause::ALL`]'s order).
pub fn summary(run: &Run) -> Vec<Handoffs> {
    let mut out: Vec<Handoffs> = Vec::new();
    for h in latencies(run) {
        match out
            .iter_mut()
            .find(|s| (s.lane, s.cause) == (h.lane, h.cause))
        {
            Some(s) => s.add(&h),
            None => out.push(Handoffs {
                lane: h.lane,
                cause: h.cause,
                count: 1,
                total_ns: h.ns,
                max_ns: h.ns,
            }),
        }
    }
    out.sort_by_key(|s| (s.lane, s.cause.index()));
    out
}

/// Per cause over all the run's lanes (for a run of many): its hand-offs (`lane`: the first
/// lane it woke) and how many lanes it woke; in [`Cause::ALL`]'s order.
pub fn by_cause(run: &Run) -> Vec<(Handoffs, u32)> {
    let mut out: Vec<(Handoffs, u32)> = Vec::new();
    for s in summary(run) {
        match out.iter_mut().find(|(h, _)| h.cause == s.cause) {
            Some((h, lanes)) => {
                h.count += s.count;
                h.total_ns += s.total_ns;
                h.max_ns = h.max_ns.max(s.max_ns);
                *lanes += 1;
            }
            None => out.push((s, 1)),
        }
    }
    out.sort_by_key(|(h, _)| h.cause.index());
    out
}

/// `lane`'s hand-offs of `cause`, if it had any.
pub fn of(run: &Run, lane: u32, cause: Cause) -> Option<Handoffs> {
    summary(run)
        .into_iter()
        .find(|s| (s.lane, s.cause) == (lane, cause))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Open, Reason, RunMeta, Span};

    fn span(state: State, reason: Option<Reason>, start_ns: u64, end_ns: u64) -> Span {
        Span {
            task: Some(0),
            state,
            reason,
            start_ns,
            end_ns,
        }
    }

    fn wake(from: Option<u32>, to: u32, at: u64, cause: Cause) -> Wake {
        Wake::instant(from, to, at, cause)
    }

    /// A GIL run by hand: lane 0 computes, lane 1 waits for a response (10-20), is ready for
    /// the GIL (20-35) and runs when lane 0 lets it go (35); again 50-60 waiting, 60-62 ready.
    fn gil_run() -> Run {
        let mut run = Run::new(RunMeta::default());
        let (run_, wait, ready) = (State::Run, State::Wait, State::Ready);
        let cpu = [(0, 35), (35, 62)].map(|(a, b)| span(run_, None, a, b));
        let gil = Some(Reason::Gil);
        let io = [
            span(run_, None, 0, 10),
            span(wait, Some(Reason::Io), 10, 20),
            span(ready, gil, 20, 35),
            span(run_, None, 35, 50),
            span(wait, Some(Reason::Io), 50, 60),
            span(ready, gil, 60, 62),
            span(run_, None, 62, 70),
        ];
        for spans in [&cpu[..], &io[..]] {
            let mut lane = Lane::default();
            spans.iter().for_each(|&s| lane.push(s));
            run.lanes.push(lane);
        }
        run.wakes = vec![
            wake(None, 1, 20, Cause::IoDone),
            wake(Some(0), 1, 35, Cause::GilReleased),
            wake(None, 1, 60, Cause::IoDone),
            wake(Some(0), 1, 62, Cause::GilInterval),
        ];
        run
    }

    #[test]
    fn a_wake_waits_until_its_lane_next_starts_running() {
        let run = gil_run();
        let got: Vec<(Cause, u64, u64)> =
            latencies(&run).map(|h| (h.cause, h.at_ns, h.ns)).collect();
        assert_eq!(
            got,
            [
                (Cause::IoDone, 20, 15),
                (Cause::GilReleased, 35, 0),
                (Cause::IoDone, 60, 2),
                (Cause::GilInterval, 62, 0),
            ]
        );
    }

    #[test]
    fn per_lane_and_cause_count_mean_and_longest() {
        let run = gil_run();
        let io = of(&run, 1, Cause::IoDone).unwrap();
        assert_eq!(
            (io.count, io.total_ns, io.max_ns, io.mean_ns()),
            (2, 17, 15, 8)
        );
        let rows: Vec<(u32, Cause, u32)> = summary(&run)
            .iter()
            .map(|s| (s.lane, s.cause, s.count))
            .collect();
        assert_eq!(
            rows,
            [
                (1, Cause::GilInterval, 1),
                (1, Cause::GilReleased, 1),
                (1, Cause::IoDone, 2),
            ]
        );
        assert_eq!(of(&run, 0, Cause::IoDone), None);
    }

    #[test]
    fn a_lane_running_when_woken_waits_nothing_and_one_never_run_again_has_no_latency() {
        let mut run = gil_run();
        run.wakes = vec![
            wake(Some(1), 0, 40, Cause::QueuePut),
            wake(Some(0), 1, 80, Cause::LockReleased),
        ];
        let got: Vec<(u32, u64)> = latencies(&run).map(|h| (h.lane, h.ns)).collect();
        assert_eq!(got, [(0, 0)], "lane 1 never runs after 80");
        run.lanes[1].open = Some(Open {
            task: Some(0),
            state: State::Run,
            reason: None,
            start_ns: 90,
        });
        let got: Vec<(u32, u64)> = latencies(&run).map(|h| (h.lane, h.ns)).collect();
        assert_eq!(got, [(0, 0), (1, 10)], "a run still going: its open span");
    }

    #[test]
    fn a_lane_that_blocks_again_at_once_ran_when_it_blocked() {
        let mut run = gil_run();
        // Lane 1 is handed the GIL at 35 but blocks again at 36, never seen running.
        let spans = &mut run.lanes[1].spans;
        spans[3] = span(State::Ready, Some(Reason::Cpu), 35, 36);
        spans.insert(4, span(State::Wait, Some(Reason::Lock), 36, 50));
        run.lanes[1].reindex();
        run.wakes = vec![wake(Some(0), 1, 35, Cause::GilInterval)];
        let got: Vec<u64> = latencies(&run).map(|h| h.ns).collect();
        assert_eq!(got, [1], "not until its run at 62");
    }

    #[test]
    fn by_cause_sums_every_lane() {
        let mut run = gil_run();
        run.wakes.push(wake(Some(1), 0, 40, Cause::GilReleased));
        let rows: Vec<(Cause, u32, u32, u64)> = by_cause(&run)
            .iter()
            .map(|(h, lanes)| (h.cause, *lanes, h.count, h.max_ns))
            .collect();
        assert_eq!(
            rows,
            [
                (Cause::GilInterval, 1, 1, 0),
                (Cause::GilReleased, 2, 2, 0),
                (Cause::IoDone, 1, 2, 15),
            ]
        );
    }

    #[test]
    fn a_run_without_wakes_has_no_handoffs() {
        let mut run = gil_run();
        run.wakes.clear();
        assert!(summary(&run).is_empty());
    }
}
