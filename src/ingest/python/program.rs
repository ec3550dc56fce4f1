//! A program runwait starts to sample (`runwait py`): in a process group of its own, so that
//! stopping it stops everything it started; with the asyncio probe on its path; its output kept
//! off the terminal UI. It never outlives runwait: quitting, a signal or a panic stops it (the
//! [`Program`] is dropped), and if runwait itself is killed outright, a watchdog process (this
//! binary, `__watchdog`) sees its pipe close and stops the group.

use crate::error::Error;
use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The asyncio probe, loaded by the program's Python through `sitecustomize`.
const PROBE: &str = include_str!("../../../assets/python/sitecustomize.py");

/// The environment variable that tells the probe where to report.
pub const PROBE_ENV: &str = "RUNWAIT_PROBE";

/// How long a stopped program has to exit after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_millis(500);

/// How much of the program's output is kept while the terminal UI is up.
const KEPT_OUTPUT: usize = 64 * 1024;

/// How to start the program.
#[derive(Clone, Debug, Default)]
pub struct Launch {
    /// PROGRAM and its arguments.
    pub command: Vec<String>,
    /// Keep its output (shown after the terminal UI closes) instead of passing it to stderr.
    pub keep_output: bool,
    /// This binary, to run the watchdog (`None`: no watchdog).
    pub watchdog: Option<PathBuf>,
    /// A program file to write into the program's private directory and run: its name and
    /// source, inserted into the command after the interpreter (`command[0]`) as its path.
    pub script: Option<(String, String)>,
}

/// A running program and what it leaves behind until stopped.
pub struct Program {
    child: Child,
    /// Its exit code, once it has exited (128 + the signal that ended it).
    code: Option<i32>,
    watchdog: Option<(Child, ChildStdin)>,
    /// The probe's directory (its `sitecustomize.py` and socket), removed when stopped.
    pub dir: PathBuf,
    /// The probe's socket, listening before the program starts (taken by the sampler).
    pub probe: Option<UnixListener>,
    output: Arc<Mutex<Vec<u8>>>,
    /// The threads reading its output (see [`keep`]).
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Program {
    /// Start `launch.command`, reporting to a probe socket in a fresh directory.
    pub fn start(launch: &Launch) -> Result<Program, Error> {
        let program = launch
            .command
            .first()
            .ok_or_else(|| Error::Usage("no program to start: `runwait py -- PROGRAM`".into()))?;
        let dir = probe_dir(launch.script.as_ref())?;
        let probe = UnixListener::bind(dir.join("probe.sock")).ok();
        let mut cmd = Command::new(program);
        if let Some((name, _)) = &launch.script {
            cmd.arg(dir.join(name));
        }
        cmd.args(&launch.command[1..])
            .process_group(0)
            .stdin(Stdio::null())
            .env(PROBE_ENV, dir.join("probe.sock"))
            .env("PYTHONPATH", python_path(&dir));
        let output = Arc::new(Mutex::new(Vec::new()));
        if launch.keep_output {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        } else {
            cmd.stdout(Stdio::from(std::io::stderr()));
        }
        let mut child = cmd.spawn().map_err(|e| {
            let _ = std::fs::remove_dir_all(&dir);
            match e.kind() {
                std::io::ErrorKind::NotFound => Error::Usage(format!("no such program: {program}")),
                _ => Error::Io {
                    what: format!("cannot start {program}"),
                    source: e,
                },
            }
        })?;
        let readers = [
            keep(child.stdout.take(), &output),
            keep(child.stderr.take(), &output),
        ];
        let watchdog = launch
            .watchdog
            .as_deref()
            .and_then(|exe| watchdog(exe, child.id(), &dir));
        Ok(Program {
            child,
            code: None,
            watchdog,
            dir,
            probe,
            output,
            readers: readers.into_iter().flatten().collect(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its exit code, if it has exited.
    pub fn exited(&mut self) -> Option<i32> {
        if self.code.is_none() {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.code = Some(exit_code(status));
            }
        }
        self.code
    }

    /// What it wrote while the terminal UI was up (the last 64 KiB).
    pub fn output(&self) -> Arc<Mutex<Vec<u8>>> {
        self.output.clone()
    }

    /// Stop it and everything it started (SIGTERM to its group; SIGKILL after a grace period),
    /// and remove what it was given.
    pub fn stop(&mut self) {
        let group = rustix::process::Pid::from_raw(self.pid() as i32);
        if let Some(group) = group {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::TERM);
            let deadline = Instant::now() + GRACE;
            while self.exited().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            // Whatever is left of the group (its children too).
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        if self.exited().is_none() {
            let _ = self.child.wait().map(|s| self.code = Some(exit_code(s)));
        }
        self.read_to_end();
        self.release();
    }

    /// Give the threads reading its output up to half a second to read what it wrote last: its
    /// pipes close when it has exited, but the last bytes are read a moment later.
    fn read_to_end(&mut self) {
        let deadline = Instant::now() + GRACE;
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        self.readers.retain(|r| !r.is_finished());
    }

    /// The watchdog's work is done; the probe's directory goes.
    fn release(&mut self) {
        if let Some((mut watchdog, mut stdin)) = self.watchdog.take() {
            let _ = stdin.write_all(b"done");
            drop(stdin);
            let _ = watchdog.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        if self.watchdog.is_some() || self.dir.exists() {
            self.stop();
        }
    }
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

/// The probe's directory first on the program's path, then whatever the path was.
fn python_path(dir: &Path) -> std::ffi::OsString {
    let mut path = dir.as_os_str().to_owned();
    if let Some(before) = std::env::var_os("PYTHONPATH").filter(|p| !p.is_empty()) {
        path.push(":");
        path.push(before);
    }
    path
}

/// The start of the name of every directory runwait makes for a program (the watchdog removes
/// no other).
pub const DIR_PREFIX: &str = "runwait-py-";

/// A fresh private directory holding the probe (and `script`, if any): made atomically in the
/// temporary directory with an unpredictable name (`runwait-py-XXXXXX`) and mode 0700, never one
/// that was there before, so no one else can plant or replace what the program loads from it.
fn probe_dir(script: Option<&(String, String)>) -> Result<PathBuf, Error> {
    let dir = private_dir().map_err(|e| Error::Io {
        what: format!(
            "cannot make a private directory in {}",
            std::env::temp_dir().display()
        ),
        source: e,
    })?;
    let mut files = vec![("sitecustomize.py", PROBE)];
    if let Some((name, source)) = script {
        files.push((name.as_str(), source.as_str()));
    }
    for (name, text) in files {
        write_new(&dir.join(name), text).map_err(|e| {
            let _ = std::fs::remove_dir_all(&dir);
            Error::Io {
                what: format!("cannot write {}", dir.join(name).display()),
                source: e,
            }
        })?;
    }
    Ok(dir)
}

/// A new directory `runwait-py-XXXXXX` in the temporary directory, mode 0700: `mkdir` of a random
/// name, which fails on any name that exists (a directory or a symlink someone made), retried
/// with another.
pub fn private_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix(DIR_PREFIX)
        .rand_bytes(12)
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()?;
    Ok(dir.keep())
}

/// Write a file that must not exist yet (never through a symlink, never over a file).
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?
        .write_all(text.as_bytes())
}

/// Keep what a pipe of the program's says, the last [`KEPT_OUTPUT`] bytes of it.
fn keep(
    pipe: Option<impl Read + Send + 'static>,
    into: &Arc<Mutex<Vec<u8>>>,
) -> Option<std::thread::JoinHandle<()>> {
    let (mut pipe, into) = (pipe?, into.clone());
    std::thread::Builder::new()
        .name("runwait-py-output".into())
        .spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                let mut kept = into.lock().unwrap_or_else(|e| e.into_inner());
                kept.extend_from_slice(&buf[..n]);
                let over = kept.len().saturating_sub(KEPT_OUTPUT);
                kept.drain(..over);
            }
        })
        .ok()
}

/// Start the watchdog of process group `group` (and of the probe's directory `dir`).
fn watchdog(exe: &Path, group: u32, dir: &Path) -> Option<(Child, ChildStdin)> {
    let mut child = Command::new(exe)
        .args(["__watchdog", &group.to_string()])
        .arg(dir)
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let stdin = child.stdin.take()?;
    Some((child, stdin))
}

/// The watchdog (`runwait __watchdog GROUP DIR`): waits for its stdin to close. Closed without
/// a word, runwait died without stopping its program: stop the group, remove the probe's
/// directory.
pub fn watchdog_main(group: u32, dir: &Path) -> i32 {
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGTERM,
    ] {
        // Not to die of the terminal's signals before runwait's pipe closes.
        let _ = signal_hook::flag::register(signal, Arc::new(Default::default()));
    }
    let mut said = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut said);
    if said.starts_with(b"done") {
        return 0;
    }
    if let Some(group) = rustix::process::Pid::from_raw(group as i32) {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::TERM);
        std::thread::sleep(GRACE);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    if dir
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with(DIR_PREFIX))
    {
        let _ = std::fs::remove_dir_all(dir);
    }
    0
}
