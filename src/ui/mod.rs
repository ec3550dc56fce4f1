//! The terminal UI: live runs or a replay, drawn from the trace (see [`render`] for the layout).
//!
//! One loop: drain the recorder and move the playhead (a tick), draw if anything may have
//! changed, then wait for a key, a resize or the next frame. While paused and unchanged it
//! draws nothing and wakes a few times a second only to drain records.

pub mod app;
pub mod asking;
pub mod cast;
mod columns;
mod follow;
pub mod keys;
pub mod layout;
pub mod mouse;
pub mod playhead;
mod predict;
pub mod render;
pub mod rows;
pub mod screen;
pub mod session;
mod steps;
pub mod view;
pub mod wakes;
pub mod whatif;

use crate::error::Error;
use app::App;
use cast::{Cast, Recording, Screen};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use crossterm::event::{self, Event};
use keys::Action;
use ratatui::backend::CrosstermBackend;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the loop wakes while nothing moves, to drain records and notice a SIGTERM.
const IDLE_HZ: f64 = 4.0;

/// Restores the terminal however the loop ends (an early return or an error).
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// The terminal as it was: mouse reports off, then ratatui's restore (cooked mode, the main
/// screen, the cursor).
fn restore_terminal() {
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
}

type Terminal = ratatui::Terminal<CrosstermBackend<Screen>>;

/// The signals that end the UI as `q` does (the terminal restored, the runs stopped), after
/// which runwait exits with 128 + the signal's number.
const ENDING: [i32; 4] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGQUIT,
];

/// Ctrl-Z (a key in raw mode) and SIGTSTP: the terminal is given back as it was, runwait stops
/// (SIGSTOP), and on SIGCONT it takes the terminal again and draws it all anew.
struct Suspend {
    /// Set by SIGTSTP, or by Ctrl-Z.
    asked: Arc<AtomicBool>,
    /// Set by SIGCONT (after a stop runwait did not ask for, the screen is drawn anew too).
    resumed: Arc<AtomicBool>,
    mouse: bool,
}

impl Suspend {
    fn register(mouse: bool) -> Suspend {
        let (asked, resumed) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let _ = signal_hook::flag::register(signal_hook::consts::SIGTSTP, asked.clone());
        let _ = signal_hook::flag::register(signal_hook::consts::SIGCONT, resumed.clone());
        Suspend {
            asked,
            resumed,
            mouse,
        }
    }

    /// If a suspension was asked for: the terminal restored, stopped until SIGCONT, then the
    /// terminal taken again and cleared for a full redraw. Returns whether the screen must be
    /// drawn anew (also after a stop and SIGCONT that came from elsewhere).
    fn handle(&self, terminal: &mut Terminal) -> Result<bool, Error> {
        let io = |e: std::io::Error| Error::Io {
            what: "terminal".into(),
            source: e,
        };
        if self.asked.swap(false, Ordering::Relaxed) {
            // Shown now; the next frame hides it again.
            terminal.show_cursor().map_err(io)?;
            restore_terminal();
            #[cfg(unix)]
            let _ = rustix::process::kill_process(
                rustix::process::getpid(),
                rustix::process::Signal::STOP,
            );
            crossterm::terminal::enable_raw_mode().map_err(io)?;
            crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)
                .map_err(io)?;
            if self.mouse {
                crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)
                    .map_err(io)?;
            }
            self.resumed.store(true, Ordering::Relaxed);
        }
        if self.resumed.swap(false, Ordering::Relaxed) {
            // Cleared, and both buffers emptied so the next frame draws every cell (ratatui's
            // own clear asks the terminal where the cursor is: the input thread would eat the
            // answer).
            use ratatui::backend::{Backend, ClearType};
            terminal
                .backend_mut()
                .clear_region(ClearType::All)
                .map_err(io)?;
            terminal.swap_buffers();
            terminal.swap_buffers();
            return Ok(true);
        }
        Ok(false)
    }
}

/// Whether a key is Ctrl-Z (raw mode reads it as a key, not as SIGTSTP).
fn is_suspend(key: &crossterm::event::KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyModifiers};
    key.code == KeyCode::Char('z') && key.modifiers.contains(KeyModifiers::CONTROL)
}

/// Run the UI until the user quits (or one of [`ENDING`] comes: then it returns the signal's
/// number), recording what it draws to `record` (asciicast v2) if given. The runs are stopped
/// and every worker process is gone before this returns.
pub fn run(
    app: &mut App,
    fps: f64,
    record: Option<&Path>,
    mouse: bool,
) -> Result<Option<i32>, Error> {
    let term = Arc::new(AtomicUsize::new(0));
    for signal in ENDING {
        signal_hook::flag::register_usize(signal, term.clone(), signal as usize).map_err(|e| {
            Error::Io {
                what: "cannot handle signals".into(),
                source: e,
            }
        })?;
    }
    let cannot_open = |e| Error::Io {
        what: "cannot open the terminal".into(),
        source: e,
    };
    let (width, height) = crossterm::terminal::size().map_err(cannot_open)?;
    let cast = match record {
        Some(path) => Some(
            Cast::create(
                path,
                width,
                height,
                &format!("runwait · {}", app.trace().scenario),
            )
            .map_err(|e| Error::cannot_write(path, e))?,
        ),
        None => None,
    };
    // A panic restores the terminal first, then prints; it is logged before both.
    let print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!("panic: {info}");
        restore_terminal();
        print(info);
    }));
    let restore = Restore;
    crossterm::terminal::enable_raw_mode().map_err(cannot_open)?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)
        .map_err(cannot_open)?;
    if mouse {
        crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)
            .map_err(cannot_open)?;
    }
    let recording = Recording::new(cast);
    let mut terminal = Terminal::new(CrosstermBackend::new(Screen::new(recording.clone())))
        .map_err(cannot_open)?;
    let events = read_input();
    let suspend = Suspend::register(mouse);
    let result = event_loop(
        &mut terminal,
        app,
        (fps, &suspend),
        &term,
        &events,
        &recording,
    );
    let cast = recording.lock().take();
    // The terminal first: stopping runs blocked in a request can take a moment.
    drop(terminal);
    drop(restore);
    impatient();
    app.stop();
    // The loop's own error first: it is why the recording ended.
    let recorded = cast.map_or(Ok(()), |cast| {
        let path = cast.path().to_path_buf();
        cast.finish().map_err(|e| Error::cannot_write(&path, e))
    });
    result
        .and(recorded)
        .map(|()| match term.load(Ordering::Relaxed) {
            0 => None,
            signal => Some(signal as i32),
        })
}

/// Once the terminal is restored, a second signal does not wait for the runs to stop: runwait
/// exits at once with 128 + its number (worker processes die with it).
fn impatient() {
    let now = Arc::new(AtomicBool::new(true));
    for signal in ENDING {
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, now.clone());
    }
}

/// A step the user took, as the recording's marker names it: `PAUSED · t = 1.20 s`, with the
/// event stepped to, if any; or a change of view: `zoom 4x`, `speed 0.25x`, `focus async`.
fn step_words(app: &App, action: Action) -> String {
    let mode = render::header::mode(app);
    match (action, &app.view.note) {
        (Action::Slower | Action::Faster, _) => {
            format!("{mode} · speed {}x", app.view.playhead.speed())
        }
        (Action::ZoomIn | Action::ZoomOut | Action::Fit, _) => {
            let factor = app.zoom_factor();
            format!("{mode} · zoom {factor:.0}x")
        }
        (Action::FocusNext | Action::FocusPrev | Action::ToggleSolo, _) => {
            let run = app.trace().runs.get(app.view.focus);
            let label = run.map_or("", |r| r.meta.label.as_str());
            let alone = if app.view.solo { " alone" } else { "" };
            format!("{mode} · focus {label}{alone}")
        }
        // The event stepped to, in words, with its time.
        (_, Some(note)) => format!("{mode} · {}", note.text),
        (_, None) => format!(
            "{mode} · t = {}",
            crate::present::human_ms(app.view.playhead.t_ns as f64 / 1e6)
        ),
    }
}

/// Whether an action is a step through time or a change of view (a recording marks each).
fn is_step(action: Action) -> bool {
    matches!(
        action,
        Action::TogglePause
            | Action::FrameForward
            | Action::FrameBack
            | Action::NextEvent
            | Action::PrevEvent
            | Action::Start
            | Action::End
            | Action::Slower
            | Action::Faster
            | Action::ZoomIn
            | Action::ZoomOut
            | Action::Fit
            | Action::FocusNext
            | Action::FocusPrev
            | Action::ToggleSolo
    )
}

/// Terminal input, read on a thread of its own: crossterm spins inside its read when the
/// terminal hangs up, and that must not stop the loop from seeing the hang-up and quitting.
fn read_input() -> Receiver<Event> {
    let (tx, rx) = crossbeam_channel::bounded(256);
    let _ = std::thread::Builder::new()
        .name("runwait-input".into())
        .spawn(move || {
            while let Ok(event) = event::read() {
                if tx.send(event).is_err() {
                    return;
                }
            }
        });
    rx
}

fn event_loop(
    terminal: &mut Terminal,
    app: &mut App,
    (fps, suspend): (f64, &Suspend),
    term: &AtomicUsize,
    events: &Receiver<Event>,
    recording: &Recording,
) -> Result<(), Error> {
    let frame = Duration::from_secs_f64(1.0 / fps);
    let idle = Duration::from_secs_f64(1.0 / IDLE_HZ);
    let io = |e: std::io::Error| Error::Io {
        what: "terminal".into(),
        source: e,
    };
    let mut dirty = true;
    // A step taken: marked in the recording once its frame is drawn.
    let mut step: Option<String> = None;
    // The terminal's size at the last frame (the recording's header has the first).
    let mut shown: Option<(u16, u16)> = None;
    while term.load(Ordering::Relaxed) == 0 {
        let started = Instant::now();
        dirty |= suspend.handle(terminal)?;
        let size = terminal.size().map_err(io)?;
        let now = (size.width, size.height);
        if shown.is_some_and(|was| was != now) {
            // Recorded before the first frame drawn at the new size.
            if let Some(cast) = recording.lock().as_mut() {
                cast.resize(size.width, size.height);
            }
        }
        shown = Some(now);
        app.resize(size.width, size.height);
        let animating = app.animating();
        app.tick();
        step = app.question_marker().or(step.take());
        if dirty || animating {
            terminal.draw(|f| render::draw(f, app)).map_err(io)?;
            dirty = false;
        }
        if let (Some(words), Some(cast)) = (step.take(), recording.lock().as_mut()) {
            cast.marker(&words);
        }
        let wait = if app.animating() { frame } else { idle };
        let timeout = wait.saturating_sub(started.elapsed());
        let event = match events.recv_timeout(timeout) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        match event {
            Event::Key(key) if is_suspend(&key) => suspend.asked.store(true, Ordering::Relaxed),
            Event::Key(key) if app.view.what_if.is_some() => {
                app.form_key(key);
                dirty = true;
            }
            // The form and the help take the keys; the mouse waits for them to close.
            Event::Mouse(event) if app.view.what_if.is_none() && !app.view.help => {
                if let Some(gesture) = mouse::gesture(event) {
                    app.pointer(gesture);
                    dirty = true;
                }
            }
            Event::Key(key) => {
                if let Some(action) = keys::action(key) {
                    if !app.apply(action) {
                        return Ok(());
                    }
                    if is_step(action) {
                        step = Some(step_words(app, action));
                    }
                    dirty = true;
                }
            }
            Event::Resize(..) => dirty = true,
            _ => {}
        }
    }
    Ok(())
}
