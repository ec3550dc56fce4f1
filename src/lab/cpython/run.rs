//! One real program run beside a lesson's run (`--cpython`): started and sampled with
//! `runwait py`'s machinery straight into the run registered for it, so it is a run of the one
//! trace like any other. The sampler puts every process's threads in that one run (a pool's
//! worker processes are lanes, as they are in runwait's own `process` run, named
//! `process 1 (pid 4242)`). When the program has ended,
//! its own timing of its work (its last line, `runwait-report {...}`) becomes figures of the
//! run (see [`crate::trace::cpython`]).

use super::{source, Counterpart};
use crate::exec::Stop;
use crate::ingest::python::program::Program;
use crate::ingest::python::{Launch, Options, Sampler, Target};
use crate::instrument::{Clock, Mark, Msg, Record, Sink, NO_TASK};
use crate::trace::cpython::Report;
use crate::trace::RunMeta;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the real runs had to say once over (a program that failed, and why): runwait says it
/// on stderr after the runs, one line each.
#[derive(Clone, Debug, Default)]
pub struct Said(Arc<Mutex<Vec<String>>>);

impl Said {
    pub fn add(&self, line: String) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }

    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A real program to run into run `run` of the recorder `sink` feeds.
pub struct RealJob {
    pub run: u32,
    pub meta: RunMeta,
    pub python: String,
    /// Whether runwait's sampler reads this interpreter: else the program runs unsampled, for
    /// its own figures.
    pub sampled: bool,
    pub program: Counterpart,
    pub hz: u32,
    /// This binary, to watch the program should runwait die (`None`: no watchdog).
    pub watchdog: Option<PathBuf>,
    pub sink: Sink,
    pub clock: Clock,
    pub said: Said,
}

impl RealJob {
    /// Run the program to its end (or until `stop`), sampled into the run.
    pub fn run(self, stop: &Stop) {
        self.sink.send_surely(Msg::Report {
            run: self.run,
            report: self.told(None, None, 0),
        });
        let source = source(self.program.file).unwrap_or_default();
        let mut command = vec![self.python.clone()];
        command.extend(self.program.args.iter().cloned());
        let launch = Launch {
            command,
            keep_output: true,
            watchdog: self.watchdog.clone(),
            script: Some((self.program.file.to_string(), source.to_string())),
        };
        match self.sampled {
            true => self.sample(launch, stop),
            false => self.unsampled(launch, stop),
        }
    }

    /// Run the program to its end (or until `stop`) without sampling it (its interpreter is
    /// older than the sampler reads): the run starts and ends with it and has its own figures,
    /// no lanes.
    fn unsampled(&self, launch: Launch, stop: &Stop) {
        let epoch = monotonic_ns().saturating_sub(self.clock.now_ns());
        let start_ns = self.clock.now_ns();
        let mut program = match Program::start(&launch) {
            Ok(program) => program,
            Err(e) => return self.not_run(&e.to_string()),
        };
        self.sink
            .send_record(run_mark(self.run, start_ns, Mark::RunStart));
        while program.exited().is_none() && !stop.requested() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let end_ns = self.clock.now_ns();
        let code = program.exited();
        // Stopped (it has ended), its output is read to the end.
        program.stop();
        if !stop.requested() {
            let kept = program.output();
            let output = kept.lock().unwrap_or_else(|e| e.into_inner()).clone();
            self.report(
                Some(start_ns),
                &String::from_utf8_lossy(&output),
                code,
                epoch,
            );
        }
        self.sink
            .send_record(run_mark(self.run, end_ns, Mark::RunEnd));
    }

    fn sample(&self, launch: Launch, stop: &Stop) {
        let options = Options {
            hz: self.hz,
            paused: false,
        };
        let epoch = monotonic_ns().saturating_sub(self.clock.now_ns());
        let into = (self.run, self.meta.clone());
        let to = (self.sink.clone(), self.clock);
        let mut sampler = match Sampler::start_into(Target::Start(launch), options, to, into) {
            Ok(sampler) => sampler,
            Err((e, said)) => return self.over_unsampled(&e.to_string(), &said, epoch),
        };
        while !sampler.finished() && !stop.requested() {
            std::thread::sleep(Duration::from_millis(5));
        }
        sampler.stop();
        let start_ns = sampler.start_ns();
        if !stop.requested() {
            let output = String::from_utf8_lossy(&sampler.output()).into_owned();
            self.report(Some(start_ns), &output, sampler.exit_code(), epoch);
        }
        // The run ends with the last of its processes, once its report is in.
        let end = sampler.ended_ns().unwrap_or(start_ns).max(start_ns);
        self.sink.send_record(run_mark(self.run, end, Mark::RunEnd));
    }

    /// What the run says of the program: its work, as much of it as it did by its own clock
    /// (`told`, its timing from `from_ns` of the run), and how it exited.
    fn told(&self, told: Option<&Told>, from_ns: Option<u64>, code: i32) -> Report {
        Report {
            of: self.program.work,
            done: told.and_then(|t| t.done),
            timed_ns: told.map(|t| t.end_ns.saturating_sub(t.start_ns)),
            timed_from_ns: from_ns,
            exit_code: (code != 0).then_some(code),
        }
    }

    /// The program's own report and figures; a program that failed is said.
    fn report(&self, start_ns: Option<u64>, output: &str, code: Option<i32>, epoch: u64) {
        let told = parse_report(output);
        let code = code.unwrap_or(0);
        let from = told.as_ref().map(|t| {
            let from = t.start_ns.saturating_sub(epoch);
            from.saturating_sub(start_ns.unwrap_or(from))
        });
        self.sink.send_surely(Msg::Report {
            run: self.run,
            report: self.told(told.as_ref(), from, code),
        });
        for (name, value) in told.iter().flat_map(|t| &t.figures) {
            self.sink.send_surely(Msg::Figure {
                run: self.run,
                name: name.clone(),
                value: *value,
            });
        }
        if code != 0 || told.is_none() {
            let last = last_words(output);
            self.said.add(format!(
                "{}: {} {}{}",
                self.meta.label,
                self.program.file,
                match code {
                    0 => "ended without its report".to_string(),
                    c => format!("exited with code {c}"),
                },
                if last.is_empty() {
                    String::new()
                } else {
                    format!(": {last}")
                }
            ));
        }
    }

    /// The program could not be sampled: if it was over before its first sample and said what
    /// it did, the run has its figures but no lanes; else it was not run. Either way the run
    /// starts and ends at once, and why is said.
    fn over_unsampled(&self, why: &str, output: &[u8], epoch: u64) {
        let output = String::from_utf8_lossy(output);
        if parse_report(&output).is_none() {
            return self.not_run(why);
        }
        let now = self.clock.now_ns();
        self.sink
            .send_record(run_mark(self.run, now, Mark::RunStart));
        self.report(None, &output, Some(0), epoch);
        self.sink.send_record(run_mark(self.run, now, Mark::RunEnd));
        self.said.add(format!(
            "{}: {} was over before its first sample: its own figures only, no lanes drawn",
            self.meta.label, self.program.file
        ));
    }

    /// The program could not be run or sampled: the run starts and ends at once, and why is
    /// said.
    fn not_run(&self, why: &str) {
        let now = self.clock.now_ns();
        for mark in [Mark::RunStart, Mark::RunEnd] {
            self.sink.send_record(run_mark(self.run, now, mark));
        }
        self.said
            .add(format!("{}: not run: {why}", self.meta.label));
    }
}

fn run_mark(run: u32, t_ns: u64, mark: Mark) -> Record {
    Record {
        t_ns,
        run,
        lane: 0,
        task: NO_TASK,
        mark,
        reason: None,
    }
}

/// CLOCK_MONOTONIC now, in ns (what Python's `time.monotonic_ns()` reads).
fn monotonic_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

/// A program's report as it told it: its own timing of its work, how much it did, and the
/// figures of its lesson.
#[derive(Debug, PartialEq, Eq)]
struct Told {
    start_ns: u64,
    end_ns: u64,
    done: Option<u32>,
    figures: Vec<(String, u64)>,
}

/// The last `runwait-report {...}` line of `output`, if it has one.
fn parse_report(output: &str) -> Option<Told> {
    let line = output
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("runwait-report "))?;
    let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).ok()?;
    let get = |name: &str| fields.get(name).and_then(serde_json::Value::as_u64);
    let figures = fields
        .iter()
        .filter(|(name, _)| !["start_ns", "end_ns", "done"].contains(&name.as_str()))
        .filter_map(|(name, v)| Some((name.clone(), v.as_u64()?)))
        .collect();
    Some(Told {
        start_ns: get("start_ns")?,
        end_ns: get("end_ns")?,
        done: get("done").map(|d| d as u32),
        figures,
    })
}

/// The last line of output that is not the report: a traceback's last words.
fn last_words(output: &str) -> String {
    let line = output
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("runwait-report "));
    line.unwrap_or("").chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_is_the_programs_last_line_of_its_kind() {
        let output = "Downloaded 3 sites in 0.3 seconds\n\
                      runwait-report {\"start_ns\": 10, \"end_ns\": 25, \"done\": 3, \"pool_ns\": 4}\n";
        let report = parse_report(output).expect("a report");
        assert_eq!((report.start_ns, report.end_ns), (10, 25));
        assert_eq!(report.done, Some(3));
        assert_eq!(report.figures, [("pool_ns".to_string(), 4)]);
        assert_eq!(parse_report("Traceback\nImportError: no requests\n"), None);
        assert_eq!(
            last_words("Traceback\nImportError: no requests\n\n"),
            "ImportError: no requests"
        );
    }
}
