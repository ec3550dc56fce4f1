//! What a sampled thread is doing, from what one sample says of it: whether it holds the GIL,
//! whether the OS has it running (or runnable), and the system call it is blocked in.
//!
//! - holds the GIL and runs: `run`;
//! - runs without the GIL: native code that let it go (`run`, marked as such), unless it is
//!   on the GIL's own futex, or was not so at the sample before: a thread handing the GIL over
//!   or taking it back runs for microseconds without it, so one sample of that is still `ready`
//!   for the GIL, two in a row are native code (where the GIL's futexes are known, 3.12+);
//! - sleeps on a futex inside the interpreter's GIL state (CPython 3.12+): `ready` for the GIL;
//! - sleeps otherwise: `wait`, for what its system call says (I/O, a timer, a lock, a child).
//!
//! A futex that is not the GIL is a lock; which lock is told by the Python code waiting on it
//! (a queue's `get` / `put`, a pool's result).

use super::procfs::Syscall;
use crate::trace::{Reason, State};

/// What one sample says of a thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seen<'a> {
    pub owns_gil: bool,
    /// Running or runnable (`R`).
    pub active: bool,
    pub syscall: Option<Syscall>,
    /// Its Python frames, innermost first: (function, file).
    pub frames: &'a [(&'a str, &'a str)],
    /// How many samples in a row, this one included, it ran without the GIL off its futex.
    pub unheld: u32,
}

/// What a thread does: its state, why (wait and ready), and whether it runs with the GIL let go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Doing {
    pub state: State,
    pub reason: Option<Reason>,
    pub gil_released: bool,
}

impl Doing {
    fn run(gil_released: bool) -> Doing {
        Doing {
            state: State::Run,
            reason: None,
            gil_released,
        }
    }

    fn why(reason: Reason) -> Doing {
        Doing {
            state: reason.state(),
            reason: Some(reason),
            gil_released: false,
        }
    }
}

/// Where the interpreter's GIL state lies (its condition variables and mutexes, which a thread
/// waiting for the GIL sleeps on): `None` where that cannot be told (before CPython 3.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GilFutexes {
    pub from: u64,
    pub to: u64,
}

impl GilFutexes {
    /// CPython 3.12+'s `struct _gil_runtime_state` at `address`: `interval`, `last_holder`,
    /// `locked`, `switch_number` (32 bytes), then `cond`, `mutex`, `switch_cond`,
    /// `switch_mutex` (48 + 40 + 48 + 40 bytes on x86-64 and aarch64 glibc).
    pub fn at(address: u64) -> GilFutexes {
        GilFutexes {
            from: address + 32,
            to: address + 32 + 176,
        }
    }

    fn holds(&self, futex: u64) -> bool {
        (self.from..self.to).contains(&futex)
    }

    /// The system call is a sleep on one of the GIL's futexes.
    pub fn holds_futex(&self, call: Syscall) -> bool {
        is_futex(call.nr) && self.holds(call.arg0)
    }
}

/// What the thread does, by the rules above.
pub fn classify(seen: &Seen, gil: Option<GilFutexes>) -> Doing {
    let on_gil = |s: &Option<Syscall>| s.is_some_and(|s| gil.is_some_and(|g| g.holds_futex(s)));
    match (seen.active, seen.owns_gil) {
        (true, true) => Doing::run(false),
        (true, false) if on_gil(&seen.syscall) => Doing::why(Reason::Gil),
        (true, false) if gil.is_some() && seen.unheld < 2 => Doing::why(Reason::Gil),
        (true, false) => Doing::run(true),
        (false, _) if on_gil(&seen.syscall) => Doing::why(Reason::Gil),
        (false, _) => Doing::why(blocked_on(seen)),
    }
}

/// Why a sleeping thread waits: its system call, and for a lock the Python code waiting on it.
fn blocked_on(seen: &Seen) -> Reason {
    let Some(call) = seen.syscall else {
        return Reason::Io;
    };
    match kind(call.nr) {
        Kind::Io => Reason::Io,
        Kind::Timer => Reason::Timer,
        Kind::Child => Reason::Offload,
        Kind::Futex => lock_kind(seen.frames),
        Kind::Other => Reason::Io,
    }
}

/// A lock by who waits on it: the first frame outside `threading.py` (a `Condition.wait` is
/// how queues and pools wait).
fn lock_kind(frames: &[(&str, &str)]) -> Reason {
    let caller = frames
        .iter()
        .find(|(_, file)| !file.ends_with("threading.py"));
    match caller {
        Some((function, file)) if file.ends_with("queue.py") => match *function {
            "get" => Reason::QueueEmpty,
            "put" => Reason::QueueFull,
            _ => Reason::Lock,
        },
        Some((_, file)) if file.ends_with("futures/_base.py") || file.ends_with("pool.py") => {
            Reason::Offload
        }
        _ => Reason::Lock,
    }
}

enum Kind {
    Io,
    Timer,
    Futex,
    Child,
    Other,
}

fn is_futex(nr: u64) -> bool {
    matches!(kind(nr), Kind::Futex)
}

/// Whether system call numbers are known here (x86-64 and aarch64 Linux).
pub const SYSCALLS_KNOWN: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

#[cfg(target_arch = "x86_64")]
fn kind(nr: u64) -> Kind {
    match nr {
        // read, write, poll, pread64, readv, writev, select, sendfile, connect, accept, sendto,
        // recvfrom, sendmsg, recvmsg, epoll_wait, pselect6, ppoll, epoll_pwait, accept4,
        // recvmmsg, epoll_pwait2
        0 | 1 | 7 | 17 | 19 | 20 | 23 | 40 | 42 | 43 | 44 | 45 | 46 | 47 | 232 | 270 | 271
        | 281 | 288 | 299 | 441 => Kind::Io,
        // pause, nanosleep, clock_nanosleep
        34 | 35 | 230 => Kind::Timer,
        202 => Kind::Futex,
        // wait4, waitid
        61 | 247 => Kind::Child,
        _ => Kind::Other,
    }
}

#[cfg(target_arch = "aarch64")]
fn kind(nr: u64) -> Kind {
    match nr {
        // epoll_pwait, read, write, readv, writev, pread64, sendfile, pselect6, ppoll, accept,
        // connect, sendto, recvfrom, sendmsg, recvmsg, accept4, recvmmsg, epoll_pwait2
        22 | 63 | 64 | 65 | 66 | 67 | 71 | 72 | 73 | 202 | 203 | 206 | 207 | 211 | 212 | 242
        | 243 | 441 => Kind::Io,
        // nanosleep, clock_nanosleep
        101 | 115 => Kind::Timer,
        98 => Kind::Futex,
        // waitid, wait4
        95 | 260 => Kind::Child,
        _ => Kind::Other,
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn kind(_nr: u64) -> Kind {
    Kind::Other
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    const GIL: u64 = 0x7000_0000;

    fn futex(at: u64) -> Option<Syscall> {
        Some(Syscall { nr: 202, arg0: at })
    }

    fn of(owns_gil: bool, active: bool, syscall: Option<Syscall>) -> Doing {
        let seen = Seen {
            owns_gil,
            active,
            syscall,
            frames: &[],
            unheld: 2,
        };
        classify(&seen, Some(GilFutexes::at(GIL)))
    }

    #[test]
    fn holding_the_gil_on_a_cpu_runs() {
        assert_eq!(of(true, true, None), Doing::run(false));
    }

    #[test]
    fn asleep_on_the_gils_futex_is_ready_for_the_gil_anywhere_else_a_lock() {
        assert_eq!(of(false, false, futex(GIL + 40)), Doing::why(Reason::Gil));
        assert_eq!(of(false, false, futex(GIL + 120)), Doing::why(Reason::Gil));
        assert_eq!(of(false, false, futex(GIL + 8)), Doing::why(Reason::Lock));
        assert_eq!(of(false, false, futex(0x1234)), Doing::why(Reason::Lock));
        // Woken on the GIL's futex, not yet holding it: still ready for it.
        assert_eq!(of(false, true, futex(GIL + 40)), Doing::why(Reason::Gil));
    }

    #[test]
    fn running_without_the_gil_two_samples_in_a_row_is_native_code_that_let_it_go() {
        assert_eq!(of(false, true, None), Doing::run(true));
        let once = Seen {
            active: true,
            unheld: 1,
            ..Seen::default()
        };
        assert_eq!(
            classify(&once, Some(GilFutexes::at(GIL))),
            Doing::why(Reason::Gil)
        );
        assert_eq!(classify(&once, None), Doing::run(true));
    }

    #[test]
    fn a_sleeping_threads_system_call_says_what_it_waits_for() {
        let call = |nr| Some(Syscall { nr, arg0: 3 });
        assert_eq!(of(false, false, call(45)), Doing::why(Reason::Io));
        assert_eq!(of(false, false, call(232)), Doing::why(Reason::Io));
        assert_eq!(of(false, false, call(230)), Doing::why(Reason::Timer));
        assert_eq!(of(false, false, call(61)), Doing::why(Reason::Offload));
    }

    #[test]
    fn before_3_12_a_futex_is_a_lock_or_the_gil_not_told_apart() {
        let seen = Seen {
            syscall: futex(GIL + 40),
            ..Seen::default()
        };
        assert_eq!(classify(&seen, None), Doing::why(Reason::Lock));
    }

    #[test]
    fn a_lock_is_named_by_the_python_code_waiting_on_it() {
        let frames = [
            ("wait", "/usr/lib/python3.12/threading.py"),
            ("get", "/usr/lib/python3.12/queue.py"),
        ];
        let seen = Seen {
            syscall: futex(0x1234),
            frames: &frames,
            ..Seen::default()
        };
        assert_eq!(classify(&seen, None), Doing::why(Reason::QueueEmpty));
    }
}
