//! The engine with no terminal: real runs of small workloads, checked against the trace
//! invariants and the lessons' shapes (generous bounds: shapes, not benchmarks). A test that
//! runs or times work holds the machine from its start to its last assertion ([`take_machine`]).

mod common;

use common::*;
use runwait::ingest;
use runwait::trace::{file, Reason, State};

#[test]
fn io_runs_keep_every_invariant_and_show_the_lesson() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    let trace = run("io", "sync,threads:4,async,process:2", |o| {
        o.tasks = Some(12);
        o.latency_ms = Some(50);
    });
    assert_eq!(trace.runs.len(), 4);
    assert_eq!(trace.dropped, 0);
    for run in &trace.runs {
        assert_lanes_well_formed(run);
        assert_every_task_done_once(run);
        let s = run.stats();
        assert!(
            s.wait_ns >= 12 * 45_000_000,
            "{}: wait {}",
            run.meta.label,
            s.wait_ns
        );
    }
    for label in ["sync", "threads (GIL)", "async"] {
        assert_one_running_at_a_time(by_executor(&trace, label));
    }
    let wall = |label| by_executor(&trace, label).wall_ns().unwrap() as f64;
    assert!(wall("sync") >= 12.0 * 50e6, "sync can't beat the latency");
    assert!(
        wall("sync") / wall("threads (GIL)") > 2.5,
        "threads overlap waits"
    );
    assert!(
        wall("sync") / wall("async") > 5.0,
        "async overlaps all the waits"
    );
    assert_eq!(
        by_executor(&trace, "async").lanes.len(),
        12,
        "a lane per task"
    );
}

#[test]
fn async_tasks_start_ready_and_go_wait_ready_run_after_a_response() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    let trace = run("io", "async", |o| {
        o.tasks = Some(8);
        o.latency_ms = Some(30);
    });
    let run = &trace.runs[0];
    for lane in &run.lanes {
        let states: Vec<State> = lane.spans.iter().map(|s| s.state).collect();
        assert_eq!(
            states.first(),
            Some(&State::Ready),
            "{}: scheduled first",
            runwait::present::words::lane_text(lane)
        );
        let woken = states
            .windows(3)
            .any(|w| w == [State::Wait, State::Ready, State::Run]);
        assert!(
            woken,
            "{}: no wait → ready → run in {states:?}",
            runwait::present::words::lane_text(lane)
        );
    }
}

#[test]
fn cpu_runs_show_the_gil() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    let trace = run(
        "cpu",
        "sync,threads:3,free-threads:2,async,process:2,rayon:2",
        |o| {
            o.tasks = Some(6);
            o.size = Some(20_000_000);
        },
    );
    for run in &trace.runs {
        assert_lanes_well_formed(run);
        assert_every_task_done_once(run);
    }
    for label in ["sync", "threads (GIL)", "async"] {
        assert_one_running_at_a_time(by_executor(&trace, label));
        assert_eq!(by_executor(&trace, label).stats().max_running, 1);
    }
    let gil = by_executor(&trace, "threads (GIL)").stats();
    assert!(
        gil.wall_ns >= gil.run_ns,
        "one thread at a time: the work is serialised"
    );
    assert!(
        gil.ready_ns > 10_000_000,
        "threads queue for the GIL: ready {}",
        gil.ready_ns
    );
    let sync = by_executor(&trace, "sync").wall_ns().unwrap() as f64;
    let threads = by_executor(&trace, "threads (GIL)").wall_ns().unwrap() as f64;
    // Generous: another process loading the machine can slow the sync run down too.
    assert!(
        sync / threads < 1.6,
        "the GIL keeps threads from helping: {}",
        sync / threads
    );
    if runwait::exec::cores() >= 2 {
        for label in ["free-threads", "process", "rayon"] {
            let s = by_executor(&trace, label).stats();
            assert!(
                s.max_running >= 2,
                "{label} uses the cores: {}",
                s.max_running
            );
        }
    }
}

#[test]
fn worker_processes_are_on_the_parents_clock() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    let trace = run("io", "process:2", |o| {
        o.tasks = Some(6);
        o.latency_ms = Some(20);
    });
    let run = &trace.runs[0];
    assert_eq!(run.lanes.len(), 2);
    for lane in &run.lanes {
        let error = lane.clock_error_ns.expect("a handshake per worker");
        assert!(
            error < 1_000_000,
            "{}: clock error {error} ns",
            runwait::present::words::lane_text(lane)
        );
        // Start-up is stamped by the parent, the tasks by the worker: causal order must hold.
        let start_up = lane
            .spans
            .iter()
            .find(|s| s.task.is_none())
            .expect("start-up");
        assert_eq!(start_up.state, State::Run);
        let first_task = lane
            .spans
            .iter()
            .find(|s| s.task.is_some())
            .expect("a task");
        assert!(first_task.start_ns + 1_000_000 >= start_up.end_ns);
        assert!(lane.id.is_process(), "{:?}", lane.id);
    }
    assert!(run
        .spans()
        .all(|(_, s)| s.end_ns <= run.end_ns.unwrap() + 1_000_000));
}

#[test]
fn save_then_load_gives_the_same_trace() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    let trace = run("io", "threads:2,process:2", |o| {
        o.tasks = Some(4);
        o.latency_ms = Some(10);
    });
    let back = ingest::from_json(&file::to_json(&trace), "memory").unwrap();
    assert_eq!(back, trace);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    file::save(&trace, &path).unwrap();
    assert_eq!(ingest::load(&path).unwrap(), trace);
}

#[test]
fn foreign_or_damaged_trace_files_are_refused() {
    for (text, why) in [
        ("{\"hello\": 1}", "not a runwait-trace file"),
        (
            "{\"format\": \"runwait-trace\", \"version\": 99, \"trace\": {}}",
            "version 99",
        ),
        ("{\"format\": \"runwait-trace\"", "EOF"),
        (
            "{\"format\": \"runwait-trace\", \"version\": 1, \"trace\": {\"scenario\": \"x\", \"dropped\": 0, \"runs\": [{\"meta\": {\"executor\": \"sync\", \"label\": \"sync\", \"workers\": 1, \"gil\": false, \"tasks\": 1, \"lane_kind\": \"thread\"}, \"start_ns\": 10, \"end_ns\": 5, \"lanes\": [], \"ends\": []}]}}",
            "ends before it starts",
        ),
        (
            "{\"format\": \"runwait-trace\", \"version\": 1, \"trace\": {\"scenario\": \"x\", \"dropped\": 0, \"runs\": [{\"meta\": {\"executor\": \"sync\", \"label\": \"sync\", \"workers\": 1, \"gil\": false, \"tasks\": 4000000000, \"lane_kind\": \"thread\"}, \"start_ns\": 1, \"end_ns\": 5, \"lanes\": [], \"ends\": []}]}}",
            "the number of tasks is at most 100,000",
        ),
    ] {
        let e = ingest::from_json(text, "x.json").unwrap_err().to_string();
        assert!(e.contains("x.json") && e.contains(why), "{e}");
    }
}

#[test]
fn stopping_ends_every_run_promptly_and_kills_worker_processes() {
    let _machine = take_machine();
    use runwait::lab::{Lab, Order};
    use std::time::{Duration, Instant};
    let lesson = runwait::lab::scenario::find("io").unwrap();
    let session = session(lesson, Some("threads:2,async,process:2"), |o| {
        o.tasks = Some(50);
        o.latency_ms = Some(1000);
    });
    let mut lab = Lab::new(session.in_order(Order::Together));
    lab.start();
    std::thread::sleep(Duration::from_millis(300));
    assert!(!lab.finished());
    let t = Instant::now();
    lab.stop();
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "stop took {:?}",
        t.elapsed()
    );
    let trace = lab.into_trace();
    for run in &trace.runs {
        assert!(run.finished(), "{} ended", run.meta.label);
        assert!(run.ends.len() < 50, "{} stopped early", run.meta.label);
    }
    let pids: Vec<u32> = trace.runs[2]
        .lanes
        .iter()
        .filter_map(|l| l.id.process.map(|p| p.pid))
        .collect();
    assert_eq!(pids.len(), 2);
    for pid in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "worker {pid} still there"
        );
    }
}

#[test]
fn cpu_work_stops_at_its_next_chunk() {
    let _machine = take_machine();
    use runwait::lab::{Lab, Order};
    use std::time::{Duration, Instant};
    let lesson = runwait::lab::scenario::find("cpu").unwrap();
    let session = session(lesson, Some("sync,threads:2,async"), |o| {
        o.tasks = Some(4);
        o.size = Some(50_000_000_000);
    });
    let mut lab = Lab::new(session.in_order(Order::Together));
    lab.start();
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    lab.stop();
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "stop took {:?}",
        t.elapsed()
    );
}

/// The wake is measured where it happens, not guessed at the next poll: a task woken from
/// another thread while a CPU-bound task blocks the loop is `ready` from the wake on.
#[test]
fn an_async_wake_from_another_thread_starts_ready_when_it_happens() {
    let _machine = take_machine();
    use runwait::exec::event_loop::Traced;
    use runwait::instrument::{At, Mark, Recorder};
    use runwait::trace::{LaneKind, RunMeta};
    use std::time::Duration;

    let mut recorder = Recorder::new("wake");
    let run = recorder.add_run(RunMeta {
        executor: "async".into(),
        label: "async".into(),
        variant: None,
        workers: 1,
        gil: false,
        tasks: 2,
        lane_kind: LaneKind::Task,
        queues: Vec::new(),
        model: None,
        ..RunMeta::default()
    });
    let dispatch = recorder.dispatch();
    let clock = recorder.clock();
    let _default = tracing::dispatcher::set_default(&dispatch);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let woken_at = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let woke = woken_at.clone();
    runwait::instrument::mark_run(run, Mark::RunStart);
    runtime.block_on(async {
        let at = |lane| At {
            run,
            lane,
            task: lane,
        };
        let waiter = tokio::spawn(Traced::new(at(0), dispatch.clone(), async move {
            let _ = rx.await;
            Mark::Done
        }));
        let hog = tokio::spawn(Traced::new(at(1), dispatch.clone(), async move {
            // Let the waiter wait, then block the loop for 150 ms.
            tokio::time::sleep(Duration::from_millis(5)).await;
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                woke.store(clock.now_ns(), std::sync::atomic::Ordering::SeqCst);
                let _ = tx.send(());
            });
            std::thread::sleep(Duration::from_millis(150));
            Mark::Done
        }));
        let _ = tokio::join!(waiter, hog);
    });
    runwait::instrument::mark_run(run, Mark::RunEnd);
    drop(_default);
    let trace = recorder.into_trace();
    let lane = &trace.runs[0].lanes[0];
    let ready = lane
        .spans
        .iter()
        .rfind(|s| s.state == runwait::trace::State::Ready)
        .expect("the waiter is ready after its wake");
    let woken = woken_at.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        ready.start_ns + 2_000_000 >= woken && ready.start_ns <= woken + 2_000_000,
        "ready starts at the wake ({} ns), not at the poll: {ready:?}",
        woken
    );
    assert!(
        ready.end_ns - ready.start_ns > 80_000_000,
        "ready until the loop is free again: {ready:?}"
    );
}

/// `pool-size`: more threads help until the server's capacity (10 at a time), then stop.
#[test]
fn pool_size_speedup_grows_then_stops_growing() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    let trace = run("pool-size", "sync,threads:2,threads:10,threads:40", |o| {
        o.tasks = Some(40);
        o.latency_ms = Some(20);
    });
    let wall = |i: usize| trace.runs[i].wall_ns().unwrap() as f64;
    for r in &trace.runs {
        assert_every_task_done_once(r);
    }
    assert!(
        wall(0) / wall(1) > 1.6,
        "2 threads help: {}",
        wall(0) / wall(1)
    );
    assert!(
        wall(1) / wall(2) > 3.0,
        "10 threads help more: {}",
        wall(1) / wall(2)
    );
    assert!(
        wall(2) / wall(3) < 1.3,
        "40 threads no longer help: {}",
        wall(2) / wall(3)
    );
}

#[test]
fn a_lesson_file_runs_like_a_builtin_one() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(
        &path,
        "name = \"mine\"\npoint = \"mixed work\"\nexecutors = [\"sync\", \"threads:3\"]\n\n[[tasks]]\ncount = 3\nsegments = [{ cpu = 1_000_000 }, { sleep_ms = 20 }, { http = \"loopback\" }]\n",
    )
    .unwrap();
    let scenario = runwait::lab::scenario::find(path.to_str().unwrap()).unwrap();
    assert_eq!(scenario.name, "mine");
    let trace = measured(session(scenario, None, |o| o.latency_ms = Some(10)));
    assert_eq!(trace.scenario, "mine");
    for r in &trace.runs {
        assert_lanes_well_formed(r);
        assert_every_task_done_once(r);
        let s = r.stats();
        assert!(
            s.wait_ns >= 3 * 30_000_000,
            "{}: sleeps and requests wait",
            r.meta.label
        );
    }
}

/// `gil`: never two threads running; the I/O thread queues for the GIL after its responses
/// (ready right after wait), which it never does without the GIL.
#[test]
fn gil_lesson_shows_the_convoy() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    use runwait::lab::scenario::SegmentSpec;
    let mut scenario = runwait::lab::scenario::find("gil").unwrap();
    // The CPU threads' work about 150 ms each in this build: many switch intervals long, and
    // many of the I/O thread's 5 ms requests.
    scenario.groups[0].segments = vec![SegmentSpec::Cpu {
        n: cpu_for_ms(150),
        step: 0,
        offload: false,
    }];
    let trace = measured(session(scenario, None, |_| {}));
    let io_lane = |run: &runwait::trace::Run| {
        run.lanes
            .iter()
            .find(|l| l.spans.iter().any(|s| s.task == Some(2)))
            .cloned()
            .expect("the I/O task ran")
    };
    let gil = &trace.runs[0];
    assert!(gil.meta.gil);
    assert_lanes_well_formed(gil);
    assert_every_task_done_once(gil);
    assert_one_running_at_a_time(gil);
    let lane = io_lane(gil);
    let convoys = lane
        .spans
        .windows(2)
        .filter(|w| w[0].state == State::Wait && w[1].state == State::Ready)
        .count();
    assert!(
        convoys >= 5,
        "the I/O thread waits for the GIL after its responses: {convoys}"
    );
    let free = &trace.runs[1];
    assert!(!free.meta.gil);
    // Without the GIL the I/O thread never waits for it (it may wait for a CPU: 3 threads,
    // 2 cores, measured).
    let gil_waits = io_lane(free)
        .spans
        .iter()
        .filter(|s| s.state == State::Ready && s.reason != Some(Reason::Cpu))
        .count();
    assert_eq!(gil_waits, 0);
}

/// `starve`: on the loop, the long computation leaves every other task `ready` for about its
/// whole length; offloaded to a pool, nobody waits for the loop.
#[test]
fn starve_lesson_shows_a_starved_loop_and_a_free_one() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    use runwait::lab::scenario::SegmentSpec;
    let mut scenario = runwait::lab::scenario::find("starve").unwrap();
    // The hog's work sized to about 150 ms in this build, several of the tickers' 20 ms
    // periods; the shape stays.
    for s in &mut scenario.groups[1].segments {
        if let SegmentSpec::Cpu { n, .. } = s {
            *n = cpu_for_ms(150);
        }
    }
    let trace = measured(session(scenario, None, |_| {}));
    assert_eq!(trace.runs[0].meta.variant.as_deref(), Some("blocking"));
    assert_eq!(trace.runs[1].meta.variant.as_deref(), Some("offload"));
    // The hog's longest stretch of computing: running, or waiting for a CPU to go on (a busy
    // machine splits its run).
    let hog_len = |run: &runwait::trace::Run| {
        let computing =
            |s: &&runwait::trace::Span| s.state == State::Run || s.reason == Some(Reason::Cpu);
        let spans = &run.lanes[5].spans;
        let mut longest = 0;
        let mut from = None;
        for (i, s) in spans.iter().enumerate() {
            if !computing(&s) {
                from = None;
                continue;
            }
            let start = *from.get_or_insert(s.start_ns);
            if spans
                .get(i + 1)
                .is_none_or(|n| !computing(&n) || n.start_ns != s.end_ns)
            {
                longest = longest.max(s.end_ns - start);
                from = None;
            }
        }
        longest
    };
    // Ready for the loop (a wait for a CPU is the machine's, not the loop's).
    let longest_ready = |run: &runwait::trace::Run, lane: usize| {
        run.lanes[lane]
            .spans
            .iter()
            .filter(|s| s.state == State::Ready && s.reason == Some(Reason::Loop))
            .map(|s| s.len_ns())
            .max()
            .unwrap_or(0)
    };
    let blocking = &trace.runs[0];
    assert_lanes_well_formed(blocking);
    assert_every_task_done_once(blocking);
    let hog = hog_len(blocking);
    // A ticker's timer expires within one period (20 ms) of the hog's start: from then on it
    // is ready until the hog ends.
    for lane in 0..5 {
        let ready = longest_ready(blocking, lane);
        assert!(
            ready + 25_000_000 >= hog && hog > 60_000_000,
            "task {lane} ready {ready} ns of the hog's {hog} ns"
        );
    }
    let offload = &trace.runs[1];
    assert_lanes_well_formed(offload);
    assert_every_task_done_once(offload);
    for lane in 0..5 {
        let ready = longest_ready(offload, lane);
        assert!(
            ready * 4 < hog,
            "task {lane} ready {ready} ns with the work offloaded"
        );
    }
}

/// `race`, run in trials: under the GIL with 3.12's switching no switch falls inside `counter
/// += 1`; with `time.sleep(0)` between the read and the write updates are lost; with a lock or
/// an atomic add, never. Every trial's tasks are tasks of the run, each done once.
#[test]
fn race_lesson_loses_updates_where_a_switch_can_fall_between_read_and_write() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    let trace = run(
        "race",
        "threads:4/unprotected,threads:4/sleep0,threads:4/lock,threads:4/atomic",
        |o| {
            o.tasks = Some(4);
            o.trials = Some(20);
        },
    );
    let figures = |i: usize| {
        let lesson = &trace.runs[i].lesson;
        (
            lesson["expected"],
            lesson["actual"],
            lesson["trials"],
            lesson["trials_lost"],
        )
    };
    assert_eq!(
        figures(0),
        (8000, 8000, 20, 0),
        "3.12 never switches inside +="
    );
    let (_, actual, trials, lossy) = figures(1);
    assert!(
        trials == 20 && lossy >= 10 && actual < 8000,
        "{:?}",
        figures(1)
    );
    assert_eq!(
        figures(2),
        (8000, 8000, 20, 0),
        "the lock never loses an update"
    );
    assert_eq!(
        figures(3),
        (8000, 8000, 20, 0),
        "the atomic add never loses one"
    );
    for r in &trace.runs {
        assert_eq!(r.meta.tasks, 80);
        assert_eq!(r.meta.settings.switching.as_deref(), Some("3.12"));
        assert_one_running_at_a_time(r);
        assert_every_task_done_once(r);
    }
    assert_eq!(trace.runs[0].meta.variant.as_deref(), Some("unprotected"));
}

/// A long loop of `counter += 1` under the GIL: 3.9's switching loses updates, 3.12's none.
#[test]
fn a_long_loop_loses_updates_under_3_9s_switching_and_none_under_3_12s() {
    let _machine = take_machine();
    let lost = |minor: &str| {
        let trace = run("race", "threads:4/unprotected", |o| {
            o.tasks = Some(4);
            o.adds = Some(200_000);
            o.trials = Some(1);
            o.python = Some(minor.parse().unwrap());
        });
        let run = &trace.runs[0];
        assert_eq!(run.meta.settings.switching.as_deref(), Some(minor));
        run.counter().unwrap()
    };
    assert_eq!(lost("3.12"), (0, 800_000));
    let (lost, of) = lost("3.9");
    assert!(lost > 10_000 && of == 800_000, "3.9 lost {lost} of {of}");
}

/// `chefs`: a seeded 1 to 10 customers; three chefs as threads or as a semaphore of 3 on one
/// loop take about as long, both well ahead of one cook.
#[test]
fn chefs_lesson_three_threads_or_a_semaphore_of_three() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    let lesson = || runwait::lab::scenario::find("chefs").unwrap();
    let counts: Vec<u32> = (0..4)
        .map(|seed| session(lesson(), None, |o| o.seed = seed).tasks.len() as u32)
        .collect();
    assert!(counts.iter().all(|&n| (1..=10).contains(&n)), "{counts:?}");
    let again = session(lesson(), None, |o| o.seed = 2).tasks;
    assert_eq!(
        again,
        session(lesson(), None, |o| o.seed = 2).tasks,
        "the seed fixes the orders"
    );
    let trace = measured(session(lesson(), None, |o| {
        o.seed = 2;
        o.tasks = Some(6);
    }));
    for r in &trace.runs {
        assert_every_task_done_once(r);
    }
    let wall = |i: usize| trace.runs[i].wall_ns().unwrap() as f64;
    assert_eq!(trace.runs[2].meta.label, "async (3 at a time)");
    assert!(
        wall(0) / wall(1) > 1.8,
        "three chefs beat one: {}",
        wall(0) / wall(1)
    );
    assert!(
        (wall(1) / wall(2) - 1.0).abs() < 0.3,
        "threads and the semaphore alike"
    );
}

/// `burgers`: three tasks joined by queues; the bounded orders queue never holds more than 5,
/// every queue ends empty, every task is done, as threads and on the loop.
#[test]
fn burgers_queues_keep_their_bounds() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    let trace = run("burgers", "threads:3,async", |o| o.tasks = Some(1));
    for r in &trace.runs {
        assert_lanes_well_formed(r);
        assert_every_task_done_once(r);
        assert_eq!(r.meta.queues.len(), 2);
        for (q, meta) in r.meta.queues.iter().enumerate() {
            let lengths = &r.queue_lengths[q];
            assert_eq!(
                lengths.len(),
                31,
                "{}: its start, 15 puts and 15 gets",
                meta.name
            );
            let most = lengths.iter().map(|&(_, l)| l).max().unwrap();
            if meta.capacity > 0 {
                assert!(most <= meta.capacity, "{} held {most}", meta.name);
            }
            assert_eq!(lengths.last().unwrap().1, 0, "{} ends empty", meta.name);
            assert!(
                lengths.windows(2).all(|w| w[0].0 <= w[1].0),
                "in time order"
            );
        }
    }
}

/// `salads`: the staff as worker processes, joined by queues that live in runwait and are
/// reached over the workers' pipes; as threads under the GIL. Every bowl comes back, no queue
/// holds more bowls than there are, the processes work at once and the threads take turns.
#[test]
fn salads_staff_share_queues_across_processes() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    let trace = run("salads", "process:3,threads:3", |o| {
        o.size = Some(20_000_000)
    });
    for r in &trace.runs {
        assert_lanes_well_formed(r);
        assert_every_task_done_once(r);
        let names: Vec<&str> = r.meta.queues.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["customers", "clean_bowls", "dirty_bowls"]);
        let lengths = |q: usize| -> Vec<u32> { r.queue_lengths[q].iter().map(|p| p.1).collect() };
        let customers = lengths(0);
        assert_eq!(
            customers.len(),
            13,
            "12 customers at the start, each taken once"
        );
        assert!(customers.windows(2).all(|w| w[1] + 1 == w[0]));
        let (clean, dirty) = (lengths(1), lengths(2));
        assert_eq!(
            (clean[0], *clean.last().unwrap()),
            (3, 3),
            "3 bowls, all back"
        );
        assert_eq!(*dirty.last().unwrap(), 0, "every bowl washed");
        assert!(
            clean.iter().chain(&dirty).all(|&n| n <= 3),
            "never more than 3 bowls"
        );
        assert_eq!(
            clean.len() + dirty.len(),
            1 + 24 + 1 + 24,
            "12 salads, 12 washes"
        );
    }
    let (process, threads) = (&trace.runs[0], &trace.runs[1]);
    assert!(process.stats().max_running >= 2, "processes work at once");
    assert_eq!(
        threads.stats().max_running,
        1,
        "threads take turns under the GIL"
    );
    assert!(process.wall_ns() < threads.wall_ns());
}

/// `coffees`: the cloud executor. The first order starts an instance cold, a later one finds it
/// warm, the crowd makes new instances start, the complex order is thrown away at the time
/// limit with its instance, and the straggler, after every idle instance was reclaimed, starts
/// cold again. The figures agree with the trace, and no instance process outlives the run.
/// The pool of two processes gets the same arrivals.
#[test]
fn coffees_cold_starts_warm_reuse_and_a_timeout() {
    // The whole test holds the machine: nothing of this binary runs beside it.
    let _machine = take_machine();
    use runwait::trace::Outcome;
    let trace = run("coffees", "cloud,process:2", |o| o.size = Some(2_000_000));
    let (cloud, pool) = (&trace.runs[0], &trace.runs[1]);
    assert_lanes_well_formed(cloud);
    let figure = |name: &str| cloud.lesson[name];
    assert_eq!(figure("timeouts"), 1, "{:?}", cloud.lesson);
    assert_eq!(cloud.count(Outcome::Timeout), 1);
    assert!(figure("warm_starts") >= 1, "{:?}", cloud.lesson);
    assert!(figure("reclaimed") >= 1, "{:?}", cloud.lesson);
    assert!(figure("cold_starts") >= 3, "{:?}", cloud.lesson);
    assert_eq!(
        figure("cold_starts"),
        cloud.lanes.len() as u64,
        "one instance per cold start"
    );
    assert_eq!(
        figure("cold_starts") + figure("warm_starts"),
        12,
        "every request started"
    );
    // Every request ended exactly once: 11 done and the complex order thrown away.
    let mut ends = [0; 12];
    for end in &cloud.ends {
        ends[end.task as usize] += 1;
    }
    assert_eq!(ends, [1; 12], "{:?}", cloud.ends);
    assert_eq!(cloud.count(Outcome::Done), 11);
    assert!(!cloud.all_done(), "a thrown-away request is not done");
    // Each instance serves one request at a time and begins with its cold start: a span with
    // no task before its first request.
    for lane in &cloud.lanes {
        assert_eq!(
            lane.spans[0].task,
            None,
            "{}: starts cold",
            runwait::present::words::lane_text(lane)
        );
    }
    // The timed-out request: thrown away a second (the limit) after it began.
    let end = cloud
        .ends
        .iter()
        .find(|e| e.outcome == Outcome::Timeout)
        .unwrap();
    let began = cloud.lanes[end.lane as usize]
        .spans
        .iter()
        .find(|s| s.task == Some(end.task))
        .unwrap()
        .start_ns;
    let lasted_ms = (end.at_ns - began) as f64 / 1e6;
    assert!(
        (990.0..1500.0).contains(&lasted_ms),
        "thrown away after {lasted_ms} ms"
    );
    // The straggler, after every idle instance was reclaimed, gets a new one, started cold.
    let straggler = cloud.ends.iter().find(|e| e.task == 11).unwrap();
    assert_eq!(
        straggler.lane as usize,
        cloud.lanes.len() - 1,
        "a new instance"
    );
    // No instance outlives the run.
    for lane in cloud.lanes.iter().filter(|_| cfg!(target_os = "linux")) {
        let pid = lane.id.process.expect("an instance's process").pid;
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "{} still there",
            runwait::present::words::lane_text(lane)
        );
    }
    // The pool: every request done, the straggler taken only once it arrived (3 s in).
    assert_lanes_well_formed(pool);
    assert_every_task_done_once(pool);
    let straggler = pool
        .spans()
        .filter(|(_, s)| s.task == Some(11))
        .map(|(_, s)| s.start_ns)
        .min()
        .unwrap();
    assert!(straggler - pool.start_ns.unwrap() >= 3_000_000_000);
}
