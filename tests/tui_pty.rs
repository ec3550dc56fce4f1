//! The terminal UI end to end: the real binary in a pseudo-terminal, keys typed as a user types
//! them, the screen read back through a terminal emulator (vt100).
//!
//! Every wait polls the parsed screen; nothing sleeps a fixed time except the 300 ms the paused
//! screen is watched to hold still.

#![cfg(unix)]
// The live test needs /proc; without it some helpers go unused.
#![cfg_attr(not(target_os = "linux"), allow(dead_code))]

#[cfg(target_os = "linux")]
#[path = "common/procs.rs"]
mod procs;
#[cfg(target_os = "linux")]
use procs::{alive, live_children};

use portable_pty::{native_pty_system, Child, CommandBuilder, ExitStatus, MasterPty, PtySize};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROWS: u16 = 30;
const COLS: u16 = 100;
/// How long any one thing on screen may take to appear (generous: CI machines are slow).
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long the binary may take to exit after `q`.
const EXIT_TIMEOUT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(20);

const LEAVE_ALT_SCREEN: &[u8] = b"\x1b[?1049l";
const ENTER_ALT_SCREEN: &[u8] = b"\x1b[?1049h";

/// What the reader thread saw: the emulated screen, every byte, and when the last one came.
struct Seen {
    parser: vt100::Parser,
    raw: Vec<u8>,
    last_byte: Instant,
}

/// runwait running in a pseudo-terminal.
struct Tui {
    // Kept open: dropping the master hangs up the terminal.
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    seen: Arc<Mutex<Seen>>,
    exited: Option<ExitStatus>,
    /// The terminal's line discipline flags before runwait started (see [`Tui::local_flags`]).
    flags_before: u64,
}

impl Tui {
    fn start(args: &[&str], cwd: &Path) -> Tui {
        Tui::start_program(env!("CARGO_BIN_EXE_runwait"), args, cwd, &[])
    }

    /// `program` (runwait, or a command that runs it) with `args` and `env` besides.
    fn start_program(program: &str, args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        for (key, value) in env {
            cmd.env(key, value);
        }
        cmd.cwd(cwd);
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        cmd.env_remove("RUST_LOG");
        let flags_before = local_flags(&*pair.master);
        let child = pair.slave.spawn_command(cmd).expect("runwait starts");
        // Only the child holds the slave now: the master reads end when it is gone.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let seen = Arc::new(Mutex::new(Seen {
            parser: vt100::Parser::new(ROWS, COLS, 0),
            raw: Vec::new(),
            last_byte: Instant::now(),
        }));
        let into = seen.clone();
        std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = [0u8; 8192];
                // Ends with EOF or EIO once the child (and so the slave) is gone.
                while let Ok(n @ 1..) = reader.read(&mut buf) {
                    let mut seen = into.lock().unwrap_or_else(|e| e.into_inner());
                    seen.parser.process(&buf[..n]);
                    seen.raw.extend_from_slice(&buf[..n]);
                    seen.last_byte = Instant::now();
                }
            })
            .expect("start the pty reader");
        Tui {
            master: pair.master,
            writer,
            child,
            seen,
            exited: None,
            flags_before,
        }
    }

    fn pid(&self) -> u32 {
        self.child.process_id().expect("runwait has a pid")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn screen(&self) -> String {
        self.lock().parser.screen().contents()
    }

    /// The screen with its attributes (reverse video, dim, ...), as escape sequences.
    fn formatted(&self) -> Vec<u8> {
        self.lock().parser.screen().contents_formatted()
    }

    fn raw_len(&self) -> usize {
        self.lock().raw.len()
    }

    fn press(&mut self, keys: &[u8]) {
        self.writer.write_all(keys).expect("type into the pty");
        self.writer.flush().expect("type into the pty");
    }

    /// Whether runwait has exited (and how), without waiting.
    fn status(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().ok().flatten();
        }
        self.exited.clone()
    }

    /// Poll the screen until `ok` holds; panic with the screen if it doesn't within [`TIMEOUT`].
    fn wait_for(&mut self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if started.elapsed() > TIMEOUT {
                let status = self.status();
                panic!(
                    "waited {TIMEOUT:?} for {what}; runwait exited: {status:?}; the screen:\n{}",
                    framed(&screen)
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Wait until nothing has been written for `quiet` (a frame is never half drawn), and
    /// return the screen; panic if the output never stops for that long.
    fn settle(&mut self, quiet: Duration) -> String {
        // At 30 frames a second, a live screen is never quiet this long.
        const SETTLE_TIMEOUT: Duration = Duration::from_secs(3);
        let started = Instant::now();
        loop {
            let (last, screen) = {
                let seen = self.lock();
                (seen.last_byte, seen.parser.screen().contents())
            };
            if last.elapsed() >= quiet {
                return screen;
            }
            if started.elapsed() > SETTLE_TIMEOUT {
                panic!(
                    "the screen never held still for {quiet:?} within {SETTLE_TIMEOUT:?}:\n{}",
                    framed(&screen)
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Wait for runwait to exit; panic with the screen if it doesn't within `timeout`.
    fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.status() {
                return status;
            }
            if started.elapsed() > timeout {
                panic!(
                    "runwait did not exit within {timeout:?}; the screen:\n{}",
                    framed(&self.screen())
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// After runwait exited: the terminal is back as it was (main screen, cursor shown), and
    /// the bytes written after `from` (the offset at the quit) left the alternate screen.
    fn assert_restored(&mut self, from: usize) {
        let started = Instant::now();
        // The last bytes may still be on their way through the pty.
        loop {
            let left = {
                let seen = self.lock();
                find(&seen.raw[from.min(seen.raw.len())..], LEAVE_ALT_SCREEN).is_some()
            };
            if left {
                break;
            }
            if started.elapsed() > EXIT_TIMEOUT {
                let seen = self.lock();
                let tail = &seen.raw[from.min(seen.raw.len())..];
                panic!(
                    "no {:?} (leave the alternate screen) after the quit; {} bytes came after it, ending {:?}",
                    String::from_utf8_lossy(LEAVE_ALT_SCREEN),
                    tail.len(),
                    String::from_utf8_lossy(&tail[tail.len().saturating_sub(200)..])
                );
            }
            std::thread::sleep(POLL);
        }
        let seen = self.lock();
        let screen = seen.parser.screen();
        assert!(
            !screen.alternate_screen(),
            "still on the alternate screen after quitting"
        );
        assert!(
            rfind(&seen.raw, ENTER_ALT_SCREEN) < rfind(&seen.raw, LEAVE_ALT_SCREEN),
            "the output does not end having left the alternate screen"
        );
        assert!(
            !screen.hide_cursor(),
            "the cursor is still hidden after quitting"
        );
    }

    fn local_flags(&self) -> u64 {
        local_flags(&*self.master)
    }
}

impl Drop for Tui {
    /// A failed test must not leave runwait (and its workers) running: hang up, then kill.
    fn drop(&mut self) {
        if self.status().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The terminal's line discipline flags (c_lflag: ICANON, ECHO, ...): raw mode clears some.
fn local_flags(master: &dyn MasterPty) -> u64 {
    let termios = master.get_termios().expect("the pty's termios");
    u64::from(termios.local_flags.bits())
}

/// A screen with a frame around it, for failure messages.
fn framed(screen: &str) -> String {
    let bar = "-".repeat(COLS as usize);
    let rows: Vec<String> = screen.lines().map(|l| format!("|{l}")).collect();
    format!("{bar}\n{}\n{bar}", rows.join("\n"))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

/// The header's mode word is `mode` (" runwait · io · PAUSED · t = 1.23 s").
fn mode_is(screen: &str, mode: &str) -> bool {
    header(screen).contains(&format!(" · {mode} · t = "))
}

/// The playhead's time in the header, as shown ("1.23 s").
fn header_t(screen: &str) -> Option<&str> {
    header(screen).split_once(" · t = ").map(|(_, t)| t.trim())
}

/// "412.3 ms", "1.23 s", "897.9 µs" or "120 ns" in milliseconds.
fn ms(shown: &str) -> f64 {
    let parse = |n: &str| n.trim().parse::<f64>().ok();
    [(" ms", 1.0), (" s", 1000.0), (" µs", 1e-3), (" ns", 1e-6)]
        .iter()
        .find_map(|(unit, scale)| shown.strip_suffix(unit).and_then(parse).map(|n| n * scale))
        .unwrap_or_else(|| panic!("not a time: {shown:?}"))
}

/// The title line of the panel of the run labelled `label` ("▶ sync · 1 worker · ...").
fn panel_title<'a>(screen: &'a str, label: &str) -> Option<&'a str> {
    let prefix = format!("{label} · ");
    screen
        .lines()
        .map(|l| l.trim_start_matches(['▶', ' ']))
        .find(|l| l.starts_with(&prefix))
}

/// How long a run has gone on, from its panel title while it runs
/// ("sync · 1 worker · 1.23 s · 3/24 done").
fn elapsed_ms(screen: &str, label: &str) -> f64 {
    let title = panel_title(screen, label)
        .unwrap_or_else(|| panic!("no {label} panel:\n{}", framed(screen)));
    let elapsed = title
        .split(" · ")
        .find(|part| part.ends_with(" ms") || part.ends_with(" s"))
        .unwrap_or_else(|| panic!("no elapsed time in {title:?}"));
    ms(elapsed)
}

/// The verbs of an event in words ("t = 1.25 s · sync: thread 1 starts waiting for I/O").
const VERBS: &[&str] = &[
    "starts up",
    "runs",
    "starts waiting",
    "is ready",
    "is up",
    "finishes task",
    "stops",
    "goes idle",
];

/// The caption of an event step, if one is on screen.
fn event_caption(screen: &str) -> Option<&str> {
    screen.lines().map(str::trim).find(|l| {
        l.starts_with("t = ")
            && l.contains(" · ")
            && l.contains(": ")
            && VERBS.iter().any(|v| l.contains(&format!(" {v}")))
    })
}

/// Poll `get` until it returns something, or give up after `timeout`.
fn poll<T>(timeout: Duration, mut get: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    loop {
        if let Some(v) = get() {
            return Some(v);
        }
        if started.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(POLL);
    }
}

/// termios c_lflag bits on Linux.
#[cfg(target_os = "linux")]
const ICANON: u64 = 0o000002;
#[cfg(target_os = "linux")]
const ECHO: u64 = 0o000010;

/// Live runs: the diagrams draw, space pauses and the screen holds still while the runs go on,
/// `.` steps a frame, `]` steps to an event and says it in words, `?` opens and closes the
/// help, and `q` quits at once with every worker process gone and the terminal restored.
#[cfg(target_os = "linux")]
#[test]
fn live_ui_pauses_steps_explains_and_quits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    // Long enough that every run but async is still going when `q` is pressed (process:2
    // takes 12 × 300 ms, sync 7.2 s); quitting ends them, so this costs no time.
    let mut tui = Tui::start(
        &[
            "run",
            "io",
            "--tasks",
            "24",
            "--latency",
            "300",
            "--executors",
            "sync,threads:3,async,process:2",
        ],
        dir.path(),
    );
    assert_eq!(
        tui.flags_before & (ICANON | ECHO),
        ICANON | ECHO,
        "a new pty is not in raw mode"
    );

    // 1. The diagrams appear, live.
    let labels = ["sync", "threads (GIL)", "async", "process"];
    tui.wait_for("the live diagrams of all four runs", |s| {
        mode_is(s, "LIVE")
            && labels.iter().all(|l| panel_title(s, l).is_some())
            && s.contains('█')
            && s.contains('░')
    });
    assert_eq!(
        tui.local_flags() & (ICANON | ECHO),
        0,
        "the terminal is in raw mode while the UI runs"
    );

    // 2. The process executor's two workers are children of runwait.
    let pid = tui.pid();
    let workers = poll(TIMEOUT, || {
        let kids = live_children(pid);
        (kids.len() == 2).then_some(kids)
    })
    .unwrap_or_else(|| {
        panic!(
            "expected 2 worker processes under runwait (pid {pid}), found {:?}",
            live_children(pid)
        )
    });

    // 3. Space pauses: the header says so, and the screen holds still.
    tui.press(b" ");
    tui.wait_for("PAUSED in the header after space", |s| mode_is(s, "PAUSED"));
    let paused = tui.settle(Duration::from_millis(150));
    let paused_at = Instant::now();
    assert!(
        mode_is(&paused, "PAUSED")
            && !panel_title(&paused, "sync")
                .unwrap_or("")
                .contains(" wall "),
        "expected PAUSED with the sync run still going:\n{}",
        framed(&paused)
    );
    let (bytes, paused_look) = (tui.raw_len(), tui.formatted());
    std::thread::sleep(Duration::from_millis(300));
    let (still, still_look) = (tui.screen(), tui.formatted());
    assert!(
        paused == still && paused_look == still_look,
        "paused, the screen changed within 300 ms ({} bytes written):\n{}\nthen:\n{}",
        tui.raw_len() - bytes,
        framed(&paused),
        framed(&still)
    );
    let t_paused = header_t(&paused).expect("t in the header").to_string();

    // 4. `.` moves the playhead one frame forward, still paused; the runs went on recording
    // meanwhile (the panel titles show how far they got, not the playhead).
    tui.press(b".");
    let stepped = tui.wait_for("the header's t to move after `.`", |s| {
        header_t(s).is_some_and(|t| t != t_paused)
    });
    assert!(
        mode_is(&stepped, "PAUSED"),
        "`.` left pause:\n{}",
        framed(&stepped)
    );
    let t_stepped = header_t(&stepped).unwrap().to_string();
    assert!(
        ms(&t_stepped) > ms(&t_paused),
        "`.` moved the playhead back: {t_paused} -> {t_stepped}"
    );
    let stepped = tui.settle(Duration::from_millis(100));
    let grew = elapsed_ms(&stepped, "sync") - elapsed_ms(&paused, "sync");
    let waited = paused_at.elapsed().as_secs_f64() * 1000.0;
    assert!(
        grew >= 250.0,
        "paused for {waited:.0} ms, but the sync run's elapsed time grew by only {grew:.1} ms:\n{}\nthen:\n{}",
        framed(&paused),
        framed(&stepped)
    );

    // 5. `]` jumps to the next event and says what happened, at the playhead's time.
    tui.press(b"]");
    tui.wait_for("an event in words after `]`", |s| {
        event_caption(s).is_some()
    });
    // The whole frame, not just the part drawn so far.
    let evented = tui.settle(Duration::from_millis(100));
    let caption = event_caption(&evented)
        .unwrap_or_else(|| panic!("the event caption went away:\n{}", framed(&evented)));
    assert!(
        mode_is(&evented, "PAUSED"),
        "`]` left pause:\n{}",
        framed(&evented)
    );
    let t_event = header_t(&evented).unwrap();
    assert!(
        caption.starts_with(&format!("t = {t_event} · ")),
        "the caption {caption:?} is not at the playhead (t = {t_event})"
    );
    assert!(
        ms(t_event) >= ms(&t_stepped),
        "`]` went back: {t_stepped} -> {t_event}"
    );
    let label = caption
        .split_once(" · ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map(|(label, _)| label)
        .unwrap_or("");
    assert!(
        labels.contains(&label),
        "the caption {caption:?} does not name a run"
    );

    // 6. `?` opens the help, `?` again closes it.
    tui.press(b"?");
    tui.wait_for("the help overlay after `?`", |s| {
        s.contains("keys (? closes)")
    });
    tui.press(b"?");
    tui.wait_for("the help overlay to close after a second `?`", |s| {
        !s.contains("keys (? closes)") && mode_is(s, "PAUSED")
    });

    // 7. `q` quits at once: exit 0, no worker left, the terminal as it was.
    let running: Vec<u32> = workers.iter().copied().filter(|&w| alive(w)).collect();
    assert_eq!(
        running, workers,
        "the worker processes ended before the quit: the workload is too short to test that `q` stops them"
    );
    let quit_at = tui.raw_len();
    tui.press(b"q");
    let status = tui.wait_exit(EXIT_TIMEOUT);
    assert!(
        status.success(),
        "runwait exited with {status:?}:\n{}",
        framed(&tui.screen())
    );
    let left: Vec<u32> = workers.iter().copied().filter(|&w| alive(w)).collect();
    assert!(
        left.is_empty(),
        "worker processes left behind after runwait exited: {left:?} (of {workers:?})"
    );
    tui.assert_restored(quit_at);
    let flags = tui.local_flags();
    assert_eq!(
        flags, tui.flags_before,
        "raw mode was not turned off: c_lflag {flags:#o}, was {:#o}",
        tui.flags_before
    );
}

/// A saved trace replays paused at its start; End goes to its end, where every task is done.
/// A small io trace (sync and async, 4 tasks of 20 ms), saved in `dir`.
fn saved_io_trace(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("io.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args([
            "run",
            "io",
            "--json",
            "--tasks",
            "4",
            "--latency",
            "20",
            "--executors",
            "sync,async",
            "--save",
            path.to_str().unwrap(),
        ])
        .env_remove("RUST_LOG")
        .output()
        .expect("runwait starts");
    assert!(
        out.status.success(),
        "saving the trace failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

#[test]
fn replay_opens_at_the_start_and_end_goes_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved_io_trace(dir.path());
    let trace = runwait::ingest::load(&path).expect("the saved trace loads");
    let longest = trace
        .runs
        .iter()
        .filter_map(|r| r.wall_ns())
        .max()
        .expect("finished runs");
    let end = runwait::present::human_ms(longest as f64 / 1e6);

    let mut tui = Tui::start(&["replay", path.to_str().unwrap()], dir.path());
    let opened = tui.wait_for("the replay paused at its start", |s| {
        mode_is(s, "REPLAY")
            && header_t(s) == Some("0.0 ms")
            && panel_title(s, "sync").is_some()
            && panel_title(s, "async").is_some()
    });
    assert!(
        opened.contains('█') || opened.contains('░'),
        "no diagram drawn:\n{}",
        framed(&opened)
    );

    // End, as xterm sends it (crossterm also reads `\x1b[4~` and `\x1bOF` as End).
    tui.press(b"\x1b[F");
    tui.wait_for(&format!("t = {end} (the end) after End"), |s| {
        header_t(s) == Some(end.as_str())
    });
    let at_end = tui.settle(Duration::from_millis(100));
    assert!(
        mode_is(&at_end, "REPLAY"),
        "End should pause at the end (REPLAY, not playing):\n{}",
        framed(&at_end)
    );
    assert_eq!(
        at_end
            .lines()
            .filter(|l| l.trim_start().starts_with(&format!("at {end}: "))
                && l.trim_end().ends_with(" · 4 done"))
            .count(),
        2,
        "at the end, both runs' captions say all 4 tasks are done:\n{}",
        framed(&at_end)
    );

    let quit_at = tui.raw_len();
    tui.press(b"q");
    let status = tui.wait_exit(EXIT_TIMEOUT);
    assert!(
        status.success(),
        "runwait exited with {status:?}:\n{}",
        framed(&tui.screen())
    );
    tui.assert_restored(quit_at);
}

/// `--record`: the asciicast holds exactly what was drawn (played into asciinema's own
/// terminal emulator, it ends on the screen the pty shows), every line is JSON, times never go
/// back, and there is a marker at every step taken.
#[test]
fn a_recording_holds_what_was_drawn_and_a_marker_per_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved_io_trace(dir.path());
    let cast_path = dir.path().join("io.cast");
    let mut tui = Tui::start(
        &[
            "replay",
            path.to_str().unwrap(),
            "--record",
            cast_path.to_str().unwrap(),
        ],
        dir.path(),
    );
    tui.wait_for("the replay paused at its start", |s| {
        mode_is(s, "REPLAY") && header_t(s) == Some("0.0 ms")
    });
    // Five steps: two frames forward, the next event, the previous event, a frame back.
    for key in [b".", b".", b"]", b"[", b","] {
        let before = tui.raw_len();
        tui.press(key);
        poll(TIMEOUT, || (tui.raw_len() > before).then_some(())).expect("a frame drawn");
        tui.settle(Duration::from_millis(150));
    }
    // A smaller terminal: recorded as a resize before the frames drawn at its size.
    let (rows, cols) = (ROWS - 4, COLS - 10);
    tui.lock().parser.screen_mut().set_size(rows, cols);
    let before = tui.raw_len();
    tui.master
        .resize(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("resize the pty");
    poll(TIMEOUT, || (tui.raw_len() > before).then_some(())).expect("a frame drawn");
    let shown = tui.settle(Duration::from_millis(150));
    tui.press(b"q");
    let status = tui.wait_exit(EXIT_TIMEOUT);
    assert!(status.success(), "runwait exited with {status:?}");

    let text = std::fs::read_to_string(&cast_path).expect("the recording was written");
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["version"], 2);
    assert_eq!(header["width"], COLS);
    assert_eq!(header["height"], ROWS);
    assert!(header["title"].as_str().unwrap().contains("io"));
    let events: Vec<serde_json::Value> = lines
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let times: Vec<f64> = events.iter().map(|e| e[0].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "times in order");
    let markers: Vec<&str> = events
        .iter()
        .filter(|e| e[1] == "m")
        .map(|e| e[2].as_str().unwrap())
        .collect();
    assert_eq!(markers.len(), 5, "{markers:?}");
    assert!(markers.iter().all(|m| m.contains("t = ")), "{markers:?}");

    let resizes: Vec<&str> = events
        .iter()
        .filter(|e| e[1] == "r")
        .map(|e| e[2].as_str().unwrap())
        .collect();
    assert_eq!(resizes, [format!("{cols}x{rows}")]);
    let mut vt = avt::Vt::new(COLS as usize, ROWS as usize);
    for e in &events {
        let data = e[2].as_str().unwrap();
        match e[1].as_str().unwrap() {
            "o" => {
                vt.feed_str(data);
            }
            "r" => {
                let (c, r) = data.split_once('x').unwrap();
                vt.resize(c.parse().unwrap(), r.parse().unwrap());
            }
            _ => {}
        }
    }
    // The screen a player shows at the end (not the lines scrolled off it).
    let played: Vec<String> = vt.view().map(|l| l.text().trim_end().to_string()).collect();
    let seen: Vec<String> = shown.lines().map(|l| l.trim_end().to_string()).collect();
    let trim = |mut v: Vec<String>| {
        while v.last().is_some_and(|l| l.is_empty()) {
            v.pop();
        }
        v
    };
    assert_eq!(
        trim(played),
        trim(seen),
        "the recording, played, ends on the screen that was shown"
    );
}

/// "threads (GIL) · now 9.6x with 10 threads, was 5.0x with 5 threads" in the threads run's
/// title: (now, was).
fn then_and_now(screen: &str) -> Option<(f64, f64)> {
    let line = screen
        .lines()
        .find(|l| l.contains("threads (GIL) · now ") && l.contains(", was "))?;
    let figure = |after: &str| -> Option<f64> {
        let rest = line.split(after).nth(1)?;
        rest.split('x').next()?.trim().parse().ok()
    };
    Some((figure(" · now ")?, figure(", was ")?))
}

/// What if the pool had 10 threads? The form changes it, the lesson runs again beside, and the
/// new panel's speedup, about twice the ghost's, is on screen with the ghost under it.
#[test]
fn what_if_ten_threads_runs_again_beside_the_last_runs() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "io",
        "--tasks",
        "20",
        "--latency",
        "50",
        "--executors",
        "sync,threads",
    ];
    let mut tui = Tui::start(&args, dir.path());
    tui.wait_for("the first runs done", |s| mode_is(s, "DONE"));
    tui.press(b"w");
    tui.wait_for("the what-if form", |s| {
        s.contains("what if?") && s.contains("shown, 5 workers")
    });
    // The second field is the threads run: 10 workers, then run it.
    tui.press(b"\x1b[B");
    tui.press(b"10");
    tui.wait_for("10 workers in the form", |s| {
        s.contains("shown, 10 workers")
    });
    tui.press(b"\r");
    let screen = tui.wait_for("the new runs done beside the old", |s| {
        mode_is(s, "DONE") && then_and_now(s).is_some_and(|(now, _)| now > 6.0)
    });
    let (now, was) = then_and_now(&screen).unwrap();
    assert!(
        (1.6..2.5).contains(&(now / was)),
        "10 threads about twice as fast as 5: now {now}x, was {was}x\n{}",
        framed(&screen)
    );
    assert!(
        screen.contains("with 10 threads, was") && screen.contains("with 5 threads"),
        "{}",
        framed(&screen)
    );
    assert!(
        screen.lines().any(|l| l.contains("before · threads (GIL)")),
        "the ghost of the 5-thread run under the new one:\n{}",
        framed(&screen)
    );
    let from = tui.raw_len();
    tui.press(b"q");
    assert!(tui.wait_exit(EXIT_TIMEOUT).success());
    tui.assert_restored(from);
}

/// Signal `pid` (rustix: no `unsafe`, no shelling out to `kill`).
#[cfg(target_os = "linux")]
fn send(pid: u32, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(pid as i32).expect("a pid is not 0");
    rustix::process::kill_process(pid, signal).expect("signal runwait");
}

/// The live UI of the issue's trial (sync and two worker processes, 200 requests of 50 ms),
/// ended by `signal` while it runs: the terminal is back as it was (main screen, cursor shown,
/// cooked mode), the worker processes are gone, and runwait exits with 128 + the signal.
#[cfg(target_os = "linux")]
fn a_signal_ends_the_live_ui_cleanly(signal: rustix::process::Signal) {
    let dir = tempfile::tempdir().unwrap();
    let mut tui = Tui::start(
        &[
            "run",
            "io",
            "--executors",
            "sync,process:2",
            "--tasks",
            "200",
            "--latency",
            "50",
        ],
        dir.path(),
    );
    tui.wait_for("the live diagrams", |s| {
        mode_is(s, "LIVE") && panel_title(s, "process").is_some() && s.contains('░')
    });
    let pid = tui.pid();
    let workers = poll(TIMEOUT, || {
        let kids = live_children(pid);
        (kids.len() == 2).then_some(kids)
    })
    .expect("two worker processes under runwait");
    assert_eq!(
        tui.local_flags() & (ICANON | ECHO),
        0,
        "raw mode while live"
    );
    let from = tui.raw_len();
    send(pid, signal);
    let status = tui.wait_exit(EXIT_TIMEOUT);
    let code = 128 + signal.as_raw() as u32;
    assert_eq!(
        status.exit_code(),
        code,
        "{signal:?}: exit code {status:?}, expected {code}"
    );
    tui.assert_restored(from);
    assert_eq!(
        tui.local_flags(),
        tui.flags_before,
        "{signal:?}: the terminal is not back in cooked mode"
    );
    let left: Vec<u32> = workers.iter().copied().filter(|&w| alive(w)).collect();
    assert!(left.is_empty(), "{signal:?}: workers left behind: {left:?}");
}

/// `kill -INT` (not the Ctrl-C key: raw mode reads that as a key) restores the terminal and
/// exits with 130.
#[cfg(target_os = "linux")]
#[test]
fn sigint_restores_the_terminal_and_exits_130() {
    a_signal_ends_the_live_ui_cleanly(rustix::process::Signal::INT);
}

/// SIGQUIT, SIGTERM and SIGHUP as well: 131, 143, 129.
#[cfg(target_os = "linux")]
#[test]
fn sigquit_sigterm_and_sighup_restore_the_terminal_too() {
    use rustix::process::Signal;
    for signal in [Signal::QUIT, Signal::TERM, Signal::HUP] {
        a_signal_ends_the_live_ui_cleanly(signal);
    }
}

/// The state of process `pid` as /proc has it: `T` stopped, `S` sleeping, `R` running.
#[cfg(target_os = "linux")]
fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.chars().next()
}

/// Ctrl-Z gives the terminal back (the main screen, mouse reports off, cooked mode) and stops
/// runwait; SIGCONT (`fg`) takes it again (the alternate screen, raw mode) and draws the
/// screen anew; `q` still quits.
#[cfg(target_os = "linux")]
#[test]
fn ctrl_z_gives_the_terminal_back_and_sigcont_redraws() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "io",
        "--executors",
        "sync",
        "--tasks",
        "200",
        "--latency",
        "50",
    ];
    let mut tui = Tui::start(&args, dir.path());
    tui.wait_for("the live diagrams", |s| {
        mode_is(s, "LIVE") && s.contains('░')
    });
    let pid = tui.pid();
    let from = tui.raw_len();
    tui.press(b"\x1a");
    poll(TIMEOUT, || (process_state(pid) == Some('T')).then_some(()))
        .expect("runwait stopped after Ctrl-Z");
    // What it wrote before it stopped may still be on its way through the pty.
    poll(TIMEOUT, || {
        find(&tui.lock().raw[from..], LEAVE_ALT_SCREEN).map(drop)
    })
    .expect("left the alternate screen");
    {
        let seen = tui.lock();
        let screen = seen.parser.screen();
        assert!(
            !screen.alternate_screen(),
            "on the normal screen while stopped"
        );
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse reports off"
        );
        assert!(!screen.hide_cursor(), "the cursor shown");
    }
    assert_eq!(
        tui.local_flags(),
        tui.flags_before,
        "cooked mode while stopped"
    );
    let from = tui.raw_len();
    send(pid, rustix::process::Signal::CONT);
    // Back on the alternate screen, and every cell drawn again (the header's words among them).
    poll(TIMEOUT, || {
        let seen = tui.lock();
        let after = &seen.raw[from..];
        let entered = find(after, ENTER_ALT_SCREEN)?;
        find(&after[entered..], b"LIVE").map(drop)
    })
    .expect("back on the alternate screen, the header drawn again");
    let screen = tui.wait_for("the diagrams drawn again", |s| {
        mode_is(s, "LIVE") && s.contains('░')
    });
    assert!(screen.contains("sync"), "{}", framed(&screen));
    assert!(tui.lock().parser.screen().alternate_screen());
    assert_eq!(tui.local_flags() & (ICANON | ECHO), 0, "raw mode again");
    let from = tui.raw_len();
    tui.press(b"q");
    let status = tui.wait_exit(EXIT_TIMEOUT);
    assert_eq!(status.exit_code(), 0, "{status:?}");
    tui.assert_restored(from);
}

/// A run that fails for want of threads (as nobody under `ulimit -u 60`, the check before runs
/// skipped so that it starts) draws no panic over the screen, and `q` quits at once, exit code
/// 1, the reason in one line.
#[cfg(target_os = "linux")]
#[test]
fn q_quits_at_once_when_a_run_failed_for_want_of_threads() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: needs root to become nobody");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("runwait");
    std::fs::copy(env!("CARGO_BIN_EXE_runwait"), &bin).unwrap();
    for path in [dir.path(), &bin] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let nobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"];
    let limit = ["prlimit", "--nproc=60", "--", bin.to_str().unwrap()];
    let run = [
        "run",
        "io",
        "--executors",
        "sync,threads:1024",
        "--together",
        "--tasks",
        "2000",
    ];
    let args: Vec<&str> = nobody.iter().chain(&limit).chain(&run).copied().collect();
    let env = [("RUNWAIT_NO_LIMIT_CHECK", "1")];
    let mut tui = Tui::start_program("setpriv", &args, dir.path(), &env);
    tui.wait_for("the live diagrams", |s| mode_is(s, "LIVE"));
    std::thread::sleep(Duration::from_secs(1));
    let from = tui.raw_len();
    tui.press(b"q");
    let status = tui.wait_exit(EXIT_TIMEOUT);
    assert_eq!(status.exit_code(), 1, "{status:?}");
    tui.assert_restored(from);
    let raw = String::from_utf8_lossy(&tui.lock().raw).into_owned();
    assert!(!raw.contains("panicked"), "a panic on the screen");
    assert!(
        raw.contains("the run failed: could not start thread ")
            && raw.contains("the user's process limit is 60"),
        "{}",
        &raw[raw.len().saturating_sub(400)..]
    );
}
