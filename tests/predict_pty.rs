//! Predict, then run, end to end: `runwait run cpu --predict` in a pseudo-terminal, the class's
//! answers counted by key for two runs (one taken back), space, and once every run is DONE each
//! of those runs' titles shows the counts, the measured speedup and the right answer marked,
//! as the saved trace has them; at 120x40 and at 80x24.

#![cfg(unix)]

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use runwait::trace::{Question, Trace};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long anything may take to show (generous: the machine is shared).
const TIMEOUT: Duration = Duration::from_secs(60);

struct Tui {
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    screen: Arc<Mutex<vt100::Parser>>,
}

impl Tui {
    fn start(args: &[&str], (cols, rows): (u16, u16)) -> Tui {
        let size = PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        };
        let pair = native_pty_system().openpty(size).expect("a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_runwait"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        let child = pair.slave.spawn_command(cmd).expect("runwait starts");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("a reader");
        let writer = pair.master.take_writer().expect("a writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let into = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                into.lock().unwrap().process(&buf[..n]);
            }
        });
        Tui {
            _master: pair.master,
            writer,
            child,
            screen,
        }
    }

    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Poll the screen until `ok` holds; panic with the screen if it does not in time.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let text = self.text();
            if ok(&text) {
                return text;
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "waited {TIMEOUT:?} for {what}; the screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The title row of the panel of run `label`.
fn title<'a>(screen: &'a str, label: &str) -> &'a str {
    // Its figures, or (given up to what the class said) two spaces, after its name.
    let prefixes = [format!("{label} · "), format!("{label}  ")];
    (screen.lines())
        .find(|l| {
            let l = l.trim_start_matches(['▶', ' ']);
            prefixes.iter().any(|p| l.starts_with(p))
        })
        .unwrap_or_else(|| panic!("no {label} panel:\n{screen}"))
}

/// The speedup a finished run's title row shows: `measured 0.95x:` in what the class said.
fn speedup(title: &str) -> f64 {
    let figure = title
        .split_once("measured ")
        .and_then(|(_, r)| r.split_once("x:"));
    figure
        .and_then(|(f, _)| f.trim().parse().ok())
        .unwrap_or_else(|| panic!("no measured speedup in {title:?}"))
}

/// Whether answer `key` (`3`) shows `n` hands somewhere on `screen`: `3) about 2x: ▊ 2`, or
/// `3) about 2x      ▊ 2` (after its words, its bar, then the count).
fn shown(screen: &str, key: u32, n: u32) -> bool {
    let bar = |c: char| ('\u{2588}'..='\u{258f}').contains(&c);
    screen.match_indices(&format!("{key}) ")).any(|(at, m)| {
        let rest = &screen[at + m.len()..];
        let end = [rest.find(": "), rest.find("  "), rest.find(bar)];
        let Some(end) = end.into_iter().flatten().min() else {
            return false;
        };
        let rest = rest[end..].trim_start_matches(|c: char| c == ' ' || c == ':' || bar(c));
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse() == Ok(n)
    })
}

/// The question asked of the run labelled `label`.
fn asked<'a>(trace: &'a Trace, label: &str) -> &'a Question {
    let run = trace.runs.iter().position(|r| r.meta.label == label);
    let run = run.unwrap_or_else(|| panic!("no {label} run")) as u32;
    (trace.questions.iter())
        .find(|q| q.run == Some(run))
        .unwrap_or_else(|| panic!("nothing asked of {label}"))
}

fn predict_then_run(size: (u16, u16)) {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("predicted.json");
    let saved_arg = saved.to_str().unwrap();
    let args = [
        "run",
        "cpu",
        "--predict",
        "--tasks",
        "10",
        "--size",
        "500000",
    ];
    let mut tui = Tui::start(&[&args[..], &["--save", saved_arg]].concat(), size);
    // More tasks than a pool has workers, each long enough that every worker gets one: a pool
    // of 5 that used only 4 shows each in a row of its own, too many rows at 80x24.
    // Asked first: every run named and not started, each but sync with its question.
    let screen = tui.wait_for("the question", |s| {
        s.contains("PREDICT") && s.contains("How fast against sync?")
    });
    assert!(title(&screen, "threads (GIL)").contains("waiting to start"));
    assert!(title(&screen, "process").contains("waiting to start"));
    assert!(screen.contains("1) slower"), "answers numbered:\n{screen}");
    assert!(!screen.contains("DONE"));
    // The first panel asked of is threads (GIL): three hands for 3, one for 2 taken back.
    tui.press("332");
    tui.wait_for("the hands for 3 and 2", |s| {
        shown(s, 3, 2) && shown(s, 2, 1)
    });
    tui.press("u");
    tui.wait_for("the hand taken back", |s| !shown(s, 2, 1));
    // Tab on to process (free-threads, async, then process): one hand for 1, two for 4.
    tui.press("\t\t\t");
    tui.wait_for("process chosen", |s| s.contains("▶ process"));
    tui.press("144");
    tui.wait_for("process's hands", |s| shown(s, 1, 1) && shown(s, 4, 2));
    tui.press(" ");
    let done = tui.wait_for("every run done", |s| s.contains("· DONE ·"));
    tui.press("q");
    let _ = tui.child.wait();
    let trace = runwait::ingest::load(&saved).expect("the trace saved on quitting");
    let expect = [
        ("threads (GIL)", vec![0, 0, 2, 0]),
        ("process", vec![1, 0, 0, 2]),
    ];
    for (label, mut counts) in expect {
        let q = asked(&trace, label);
        // The answers past those counted, none.
        counts.resize(q.counts.len().max(counts.len()), 0);
        assert_eq!(q.counts, counts, "{label}'s counts in the trace");
        let row = title(&done, label);
        let measured = q.measured(&trace).expect("measured");
        assert!(
            (measured - speedup(row)).abs() < 0.006,
            "{measured} in {row:?}"
        );
        let right = q.right(&trace).expect("a right answer");
        let said = format!("✓ {}", q.answers[right].label);
        assert!(
            row.contains(&said),
            "{label}: {said:?} marked right in {row:?}"
        );
        for (i, &n) in counts.iter().enumerate().filter(|(_, &n)| n > 0) {
            let count = format!("{}: {n}", q.answers[i].label);
            assert!(row.contains(&count), "{label}: {count:?} in {row:?}");
        }
    }
    // Runs nobody answered for show nothing of the kind.
    assert!(!title(&done, "rayon").contains('✓'), "{done}");
}

#[test]
fn predict_then_run_at_120x40() {
    predict_then_run((120, 40));
}

#[test]
fn predict_then_run_at_80x24() {
    predict_then_run((80, 24));
}

#[test]
fn a_recording_marks_the_question_so_playing_it_pauses_there() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("asked.cast");
    let args = ["run", "cpu", "--predict", "--tasks", "10", "--size", "1000"];
    let mut tui = Tui::start(
        &[&args[..], &["--record", cast.to_str().unwrap()]].concat(),
        (100, 30),
    );
    tui.wait_for("the question", |s| s.contains("How fast against sync?"));
    tui.press("q");
    let _ = tui.child.wait();
    let recorded = std::fs::read_to_string(&cast).unwrap();
    let markers: Vec<&str> = (recorded.lines())
        .filter(|l| l.contains(r#","m","#))
        .collect();
    assert!(
        markers
            .iter()
            .any(|m| m.contains("PREDICT · How fast against sync?")),
        "{markers:?}"
    );
}
