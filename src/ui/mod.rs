//! The terminal UI: live runs or a replay, drawn from the trace (see [`render`] for the layout).
//!
//! One loop: drain the recorder and move the playhead (a tick), draw if anything may have
//! changed, then wait for a key, a resize or the next frame. While paused and unchanged it
//! draws nothing and wakes a few times a second only to drain records.

pub mod app;
pub mod keys;
pub mod playhead;
pub mod render;

use crate::error::Error;
use app::App;
use crossbeam_channel::{Receiver, RecvTimeoutError};
use crossterm::event::{self, Event};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the loop wakes while nothing moves, to drain records and notice a SIGTERM.
const IDLE_HZ: f64 = 4.0;

/// Restores the terminal however the loop ends (an early return or an error).
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Run the UI until the user quits (or SIGTERM / SIGHUP: then it returns the signal's
/// number). The runs are stopped and every worker process is gone before this returns.
pub fn run(app: &mut App, fps: f64) -> Result<Option<i32>, Error> {
    let term = Arc::new(AtomicUsize::new(0));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register_usize(signal, term.clone(), signal as usize).map_err(|e| {
            Error::Io {
                what: "cannot handle signals".into(),
                source: e,
            }
        })?;
    }
    let mut terminal = ratatui::try_init().map_err(|e| Error::Io {
        what: "cannot open the terminal".into(),
        source: e,
    })?;
    let restore = Restore;
    // ratatui's hook restores the terminal and prints the panic; log it first.
    let restore_and_print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!("panic: {info}");
        restore_and_print(info);
    }));
    let events = read_input();
    let result = event_loop(&mut terminal, app, fps, &term, &events);
    // The terminal first: stopping runs blocked in a request can take a moment.
    drop(restore);
    app.stop();
    result.map(|()| match term.load(Ordering::Relaxed) {
        0 => None,
        signal => Some(signal as i32),
    })
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
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    fps: f64,
    term: &AtomicUsize,
    events: &Receiver<Event>,
) -> Result<(), Error> {
    let frame = Duration::from_secs_f64(1.0 / fps);
    let idle = Duration::from_secs_f64(1.0 / IDLE_HZ);
    let io = |e: std::io::Error| Error::Io {
        what: "terminal".into(),
        source: e,
    };
    let mut dirty = true;
    while term.load(Ordering::Relaxed) == 0 {
        let started = Instant::now();
        let size = terminal.size().map_err(io)?;
        app.size = (size.width, size.height);
        app.cols = render::diagram_cols(size.width);
        let animating = app.animating();
        app.tick();
        if dirty || animating {
            terminal.draw(|f| render::draw(f, app)).map_err(io)?;
            dirty = false;
        }
        let wait = if app.animating() { frame } else { idle };
        let timeout = wait.saturating_sub(started.elapsed());
        let event = match events.recv_timeout(timeout) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        match event {
            Event::Key(key) => {
                if let Some(action) = keys::action(key) {
                    if !app.apply(action) {
                        return Ok(());
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
