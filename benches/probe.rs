//! What the CPU-wait probe costs.
//!
//! - `probe/read_one_thread`: one read of a thread's scheduler accounting (`pread` of its
//!   `schedstat`, kept open, and parsing it): the probe does this per watched thread per sample.
//! - `probe/cpu_per_10ms_5_busy_threads`: the probe thread's own CPU time for every 10 ms of wall
//!   time while it watches 5 busy threads (on a 2-core machine they wait for CPUs, so it marks
//!   CPU waits at nearly every read): 100 µs here is 1% of a core. Target: at most 2%.
//!
//! Run it with `cargo bench --bench probe`.

use criterion::{criterion_group, criterion_main, Criterion};
use runwait::instrument::probe::{read_waited, watch, PROBE_HZ};
use runwait::instrument::{At, Recorder};
use std::fs::File;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The probe thread's CPU time so far (ns), found by its name.
fn probe_cpu_ns() -> u64 {
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc");
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == "runwait-probe" {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            return stat
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        }
    }
    0
}

fn probe(c: &mut Criterion) {
    let mut group = c.benchmark_group("probe");
    let file = File::open("/proc/thread-self/schedstat").expect("schedstat");
    group.bench_function("read_one_thread", |b| {
        b.iter(|| black_box(read_waited(&file)))
    });
    let recorder = Recorder::new("bench");
    let dispatch = recorder.dispatch();
    group.sample_size(10);
    group.bench_function("cpu_per_10ms_5_busy_threads", |b| {
        b.iter_custom(|iters| {
            let stop = Arc::new(AtomicBool::new(false));
            let threads: Vec<_> = (0..5u32)
                .map(|lane| {
                    let (stop, dispatch) = (stop.clone(), dispatch.clone());
                    std::thread::spawn(move || {
                        let at = At {
                            run: 0,
                            lane,
                            task: 0,
                        };
                        let _watch = watch(&dispatch, at);
                        while !stop.load(Ordering::Relaxed) {
                            black_box((0..1000u64).sum::<u64>());
                        }
                    })
                })
                .collect();
            std::thread::sleep(Duration::from_millis(50));
            let (cpu0, t0) = (probe_cpu_ns(), Instant::now());
            std::thread::sleep(Duration::from_millis(10) * iters as u32);
            let (cpu, wall) = (probe_cpu_ns() - cpu0, t0.elapsed());
            stop.store(true, Ordering::Relaxed);
            threads.into_iter().for_each(|t| t.join().unwrap());
            // Per 10 ms of wall, exactly.
            Duration::from_nanos(cpu * iters * 10_000_000 / wall.as_nanos().max(1) as u64)
        })
    });
    group.finish();
    println!("(the probe reads every watched thread {PROBE_HZ} times a second)");
}

criterion_group!(benches, probe);
criterion_main!(benches);
