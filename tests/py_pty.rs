//! `runwait py` in the terminal UI, end to end in a pseudo-terminal: the program's threads show
//! live; `q` stops the program runwait started; a program that ended by itself gives runwait
//! its exit code when you quit.

#![cfg(target_os = "linux")]

#[path = "common/python.rs"]
mod pythons;

use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(15);

fn marked(marker: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'));
        !zombie && String::from_utf8_lossy(&cmd).contains(marker)
    })
}

/// Run `runwait py -- PYTHON -c CODE` in a pty; press `q` once its main thread and `ready` are
/// on screen; runwait's exit code (`None`: CPython 3.12 is to be skipped, see
/// [`pythons::python`]).
fn in_pty(code: &str, ready: &str) -> Option<u32> {
    let python = pythons::python(12)?;
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_runwait"));
    cmd.args(["py", "--"]);
    cmd.arg(python);
    cmd.args(["-c", code]);
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let screen = Arc::new(Mutex::new(vt100::Parser::new(30, 100, 0)));
    let into = screen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n @ 1..) = reader.read(&mut buf) {
            into.lock().unwrap().process(&buf[..n]);
        }
    });
    let text = || screen.lock().unwrap().screen().contents();
    let deadline = Instant::now() + TIMEOUT;
    while !(text().contains("MainThread") && text().contains(ready)) {
        assert!(
            Instant::now() < deadline,
            "never showed {ready}:\n{}",
            text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(text().contains("sampled at"), "{}", text());
    writer.write_all(b"q").unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status.exit_code());
        }
        assert!(Instant::now() < deadline, "runwait did not quit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn q_stops_the_program_runwait_started() {
    let marker = "pty-marker-5151";
    let code = format!("import time\nwhile True: time.sleep(0.01) # {marker}");
    let Some(exit) = in_pty(&code, "LIVE") else {
        return;
    };
    assert_eq!(exit, 0);
    let deadline = Instant::now() + Duration::from_secs(5);
    while marked(marker) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!marked(marker), "the program outlived runwait");
}

#[test]
fn a_program_that_ended_by_itself_gives_runwait_its_exit_code() {
    let code = "import time, sys\ntime.sleep(0.5)\nsys.exit(3)";
    if let Some(exit) = in_pty(code, "DONE") {
        assert_eq!(exit, 3);
    }
}
