//! What sampling a real Python program costs (CPython 3.12, found like `tests/python.rs` does:
//! `python3.12` in PATH, else pyenv's newest 3.12.*).
//!
//! - `python/sample_N_threads`: one sample of a process with N Python threads (py-spy's stacks,
//!   each thread's `schedstat`, the system call of those asleep, the marks sent): µs per sample.
//! - the slowdown of a CPU-bound 2-thread program (`tests/data/python/cpu2.py`, its own timing,
//!   the median of 7 runs, taken in turn) sampled at the default rate and at 1 kHz, against not sampled. Target:
//!   at most 5% at the default.
//!
//! Run it with `cargo bench --bench python`.

use criterion::{criterion_group, criterion_main, Criterion};
use runwait::ingest::python::process::{self, How, Process};
use runwait::ingest::python::{Launch, Options, Target, DEFAULT_HZ};
use runwait::instrument::Recorder;
use runwait::lab::Lab;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn python() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_default();
    let mut found: Vec<PathBuf> = std::fs::read_dir(Path::new(&home).join(".pyenv/versions"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("3.12."))
        })
        .map(|p| p.join("bin/python3"))
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| PathBuf::from("python3.12"))
}

fn data(name: &str) -> String {
    format!("{}/tests/data/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn sample_cost(c: &mut Criterion) {
    let mut group = c.benchmark_group("python");
    for n in [1, 4, 16, 64] {
        let mut child = Command::new(python())
            .args([data("threads_idle.py"), n.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("python3.12");
        std::thread::sleep(Duration::from_millis(500));
        let spy = process::open(child.id(), false).expect("a Python process");
        let how = How {
            hz: DEFAULT_HZ,
            paused: false,
            tasks: false,
        };
        let mut recorder = Recorder::new("bench");
        let meta = process::meta(child.id(), Some(&spy), &how);
        let run = recorder.add_run(meta.clone());
        let into = (process::RunInto::new(run, meta.clone(), false), 0);
        let mut p = Process::new(spy, &meta, into, recorder.sink(), recorder.clock());
        group.bench_function(format!("sample_{}_threads", n + 1), |b| {
            b.iter(|| {
                p.sample();
                recorder.drain();
            })
        });
        let _ = child.kill();
        let _ = child.wait();
    }
    group.finish();
}

/// cpu2.py's own time, sampled at `hz` (or not at all), in seconds.
fn cpu2_seconds(hz: Option<u32>) -> f64 {
    let command = vec![python().to_string_lossy().into_owned(), data("cpu2.py")];
    let output = match hz {
        None => {
            Command::new(&command[0])
                .arg(&command[1])
                .output()
                .unwrap()
                .stdout
        }
        Some(hz) => {
            let launch = Launch {
                command,
                keep_output: true,
                watchdog: None,
                script: None,
            };
            let options = Options { hz, paused: false };
            let mut lab = Lab::sample("cpu2", Target::Start(launch), options).expect("sampled");
            while !lab.finished() {
                lab.drain();
                std::thread::sleep(Duration::from_millis(5));
            }
            lab.stop();
            lab.program_output()
        }
    };
    String::from_utf8_lossy(&output)
        .trim()
        .parse()
        .unwrap_or(f64::NAN)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Runs of each setting, taken in turn (so a drift of the machine's speed hits them alike).
const ROUNDS: usize = 7;

fn slowdown(_c: &mut Criterion) {
    let started = Instant::now();
    let settings = [None, Some(DEFAULT_HZ), Some(1_000)];
    let mut times = vec![Vec::new(); settings.len()];
    for _ in 0..ROUNDS {
        for (i, hz) in settings.iter().enumerate() {
            times[i].push(cpu2_seconds(*hz));
        }
    }
    let medians: Vec<f64> = times.into_iter().map(median).collect();
    let base = medians[0];
    println!("cpu2.py not sampled: {base:.3} s (median of {ROUNDS})");
    for (hz, t) in settings.iter().zip(&medians).skip(1) {
        let pct = (t / base - 1.0) * 100.0;
        let hz = hz.unwrap_or(0);
        println!("cpu2.py sampled at {hz} Hz: {t:.3} s, slowdown {pct:+.1}% (target at the default, {DEFAULT_HZ} Hz: at most 5%)");
    }
    println!("(measured in {:.0} s)", started.elapsed().as_secs_f64());
}

criterion_group!(benches, sample_cost, slowdown);
criterion_main!(benches);
