//! What the instrumentation costs.
//!
//! Two groups:
//!
//! - `layer`: one [`mark`] call (alternating `Run` / `Wait`, so every call is a state change),
//!   under the real dispatcher of a session (`instrument::dispatch`: the registry with the
//!   `RecordLayer`, sending into the channel (as the recorder's, unbounded, dropping past its capacity) that a background thread drains for the
//!   whole bench, so the measured path is the real send, never the drop path), and under
//!   `Dispatch::none()` with the mark callsite disabled (no instrumentation at all). The
//!   difference is what the Layer adds per state change. Target: at most 150 ns.
//!   `mark_instrumented` drains in bursts, as the recorder does; `mark_instrumented_busy_drain`
//!   has the receiver chase the sender slot by slot, the channel's worst case (not a target).
//!   `wake_instrumented`: one [`wake`] call (a hand-off recorded by an executor: one mark of
//!   its own through the same Layer and channel), drained in bursts like `mark_instrumented`.
//! - `cpu`: the cpu workload (`cpu_tasks(TASKS, SIZE)`) run by `exec::execute` under `sync` and
//!   under `threads` with the emulated GIL (which marks at every GIL switch), once with a
//!   recorder's dispatcher and once with `Dispatch::none()`. Target: instrumented at most 3%
//!   slower than uninstrumented.
//!
//! Run it with `cargo bench --bench instrument` (or `-- layer`, `-- cpu` for one group). The
//! `cpu` group also calibrates `workload::cpu::DEFAULT_SIZE`: one iteration does
//! `TASKS * SIZE` iterations of the sum of squares.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};
use crossbeam_channel::{unbounded, Receiver, TryRecvError};
use runwait::exec::{execute, Env, ExecSpec, RunCtx};
use runwait::instrument::{dispatch, mark, wake, At, Clock, Mark, Msg, Recorder, Sink};
use runwait::trace::Cause;
use runwait::workload::cpu_tasks;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::dispatcher::with_default;
use tracing::Dispatch;

/// Tasks per cpu run.
const TASKS: u32 = 4;
/// Sum-of-squares iterations per task: one cpu run takes roughly 100 ms on a 2-core machine.
const SIZE: u64 = 60_000_000;

/// Re-derive every callsite's interest from the dispatchers alive now: with none alive, the
/// mark callsite's cached interest becomes "never" and a mark stops at its first checks.
/// Dropping a dispatcher does not do it, so without this a mark callsite registered while an
/// instrumented dispatcher lived would stay enabled, and go on to `Dispatch::none()`'s no-op
/// `event`, in the uninstrumented benches.
fn disable_dead_callsites() {
    tracing::callsite::rebuild_interest_cache();
}

/// `Run`, `Wait`, `Run`, ...: each call is a state change.
fn next_mark(flip: &mut bool) -> Mark {
    *flip = !*flip;
    if *flip {
        Mark::Run
    } else {
        Mark::Wait
    }
}

/// Where marks go: the channel of a session, and who drains it while the bench runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Drain {
    /// Every [`DRAIN_EVERY`], everything waiting, as the recorder does (once per frame in the
    /// UI, every 5 ms headless).
    Periodic,
    /// Continuously, spinning on `try_recv` (never parking, so no send pays for a wake-up):
    /// the receiver chases the sender slot by slot, the worst case for the channel's cache
    /// lines.
    Busy,
}

/// Often enough that a tight loop of marks never fills `instrument::CHANNEL_CAPACITY` in between (that
/// takes about 3 ms at 45 ns a mark), seldom enough that the drain works in bursts.
const DRAIN_EVERY: Duration = Duration::from_micros(250);

/// Drain `rx` until every sender is gone; returns how many messages it received.
fn drain(rx: Receiver<Msg>, how: Drain) -> u64 {
    let mut received = 0u64;
    loop {
        match rx.try_recv() {
            Ok(msg) => {
                black_box(msg);
                received += 1;
            }
            Err(TryRecvError::Empty) => match how {
                Drain::Periodic => {
                    // Spin, not sleep: a sleeping thread here sometimes wakes milliseconds
                    // late and the channel overflows. The channel is left alone meanwhile.
                    let until = Instant::now() + DRAIN_EVERY;
                    while Instant::now() < until {
                        std::hint::spin_loop();
                    }
                }
                Drain::Busy => std::hint::spin_loop(),
            },
            Err(TryRecvError::Disconnected) => return received,
        }
    }
}

/// What a bench case records each time round: a state change at `At`, or a hand-off.
#[derive(Clone, Copy)]
enum Record {
    Mark(At),
    /// From a lane to another, alternating GIL causes.
    Wake(At),
}

impl Record {
    fn once(self, flip: &mut bool) {
        match self {
            Record::Mark(at) => mark(black_box(at), next_mark(flip)),
            Record::Wake(at) => {
                *flip = !*flip;
                let cause = match flip {
                    true => Cause::GilInterval,
                    false => Cause::GilReleased,
                };
                wake(black_box(at.run), Some(at.lane), black_box(at.task), cause)
            }
        }
    }
}

/// `mark` (or `wake`) under the session's dispatcher (`instrument::dispatch`), its channel
/// drained and discarded by a background thread for the whole bench.
fn bench_instrumented(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    how: Drain,
    what: Record,
) {
    let (tx, rx) = unbounded();
    let dropped = Arc::new(AtomicU64::new(0));
    let drainer = std::thread::spawn(move || drain(rx, how));
    let instrumented = dispatch(Clock::new(), Sink::new(tx, dropped.clone()));
    let mut sent = 0u64;
    with_default(&instrumented, || {
        group.bench_function(id, |b| {
            let mut flip = false;
            b.iter(|| {
                what.once(&mut flip);
                sent += 1;
            })
        });
    });
    // The dispatcher owned the only sender: dropping it ends the drain once it is empty.
    drop(instrumented);
    let received = drainer.join().expect("the drain thread panicked");
    let dropped = dropped.load(Ordering::Relaxed);
    if sent > 0 {
        eprintln!("layer/{id}: {sent} marks, {received} received, {dropped} dropped");
    }
    assert_eq!(received + dropped, sent, "marks went missing");
}

fn layer(c: &mut Criterion) {
    let mut group = c.benchmark_group("layer");
    let at = At {
        run: 0,
        lane: 1,
        task: 2,
    };
    let marks = Record::Mark(at);
    bench_instrumented(&mut group, "mark_instrumented", Drain::Periodic, marks);
    bench_instrumented(
        &mut group,
        "mark_instrumented_busy_drain",
        Drain::Busy,
        marks,
    );
    let wakes = Record::Wake(at);
    bench_instrumented(&mut group, "wake_instrumented", Drain::Periodic, wakes);

    // Uninstrumented: no dispatcher wants marks, so the callsite is disabled.
    disable_dead_callsites();
    with_default(&Dispatch::none(), || {
        group.bench_function("mark_uninstrumented", |b| {
            let mut flip = false;
            b.iter(|| mark(black_box(at), next_mark(&mut flip)))
        });
    });
    group.finish();
}

/// One cpu run under `spec`, timed without the recorder's setup and drain; returns its time
/// and how many marks it recorded.
fn cpu_run(spec: &ExecSpec, instrumented: bool) -> (Duration, usize) {
    let mut recorder = Recorder::new("bench");
    let run = recorder.add_run(runwait::trace::RunMeta {
        tasks: TASKS,
        ..spec.describe(&Env::default())
    });
    let dispatch = if instrumented {
        recorder.dispatch()
    } else {
        disable_dead_callsites();
        Dispatch::none()
    };
    let ctx = RunCtx::new(run, dispatch, &recorder, Arc::new(Env::default()));
    let tasks = cpu_tasks(TASKS, SIZE);
    let start = Instant::now();
    execute(spec, &ctx, tasks);
    let elapsed = start.elapsed();
    drop(ctx);
    let applied = recorder.drain();
    let trace = recorder.into_trace();
    assert_eq!(trace.dropped, 0, "records were dropped");
    if instrumented {
        assert!(applied > 0, "the instrumented run recorded nothing");
    } else {
        assert_eq!(applied, 0, "the uninstrumented run recorded something");
    }
    (elapsed, applied)
}

fn cpu_bench(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, executor: &str) {
    let spec: ExecSpec = executor.parse().expect("a built-in executor");
    for instrumented in [true, false] {
        let suffix = if instrumented {
            "instrumented"
        } else {
            "uninstrumented"
        };
        let id = format!("{name}_{suffix}");
        let (mut runs, mut marks) = (0usize, 0usize);
        group.bench_function(&id, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (elapsed, applied) = cpu_run(&spec, instrumented);
                    total += elapsed;
                    runs += 1;
                    marks += applied;
                }
                total
            })
        });
        if instrumented && runs > 0 {
            eprintln!("cpu/{id}: {} marks per run", marks / runs);
        }
    }
}

fn cpu(c: &mut Criterion) {
    let mut group = c.benchmark_group("cpu");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    cpu_bench(&mut group, "sync", "sync");
    cpu_bench(&mut group, "threads_gil", "threads");
    group.finish();
}

criterion_group!(benches, layer, cpu);
criterion_main!(benches);
