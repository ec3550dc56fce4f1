//! What the kernel says of a sampled program's processes and threads (`/proc`, Linux): the
//! system call a sleeping thread is blocked in, its time waiting for a CPU, the processes it
//! started, whether it still lives.

use std::fs::File;

/// The system call a thread is in, as `/proc/PID/task/TID/syscall` says: its number and its
/// first argument (a futex's address). `None`: running, or not in a system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Syscall {
    pub nr: u64,
    pub arg0: u64,
}

/// `202 0x7f3a... 0x80 ...` is in system call 202; `running` and `-1 ...` are in none.
pub fn parse_syscall(text: &str) -> Option<Syscall> {
    let mut words = text.split_ascii_whitespace();
    let nr = words.next()?.parse().ok()?;
    let arg0 = words
        .next()
        .and_then(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok())
        .unwrap_or(0);
    Some(Syscall { nr, arg0 })
}

/// The system call thread `tid` of process `pid` is blocked in.
pub fn syscall(pid: u32, tid: u32) -> Option<Syscall> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")).ok()?;
    parse_syscall(&text)
}

/// A thread's scheduler accounting, kept open: one read a sample (read by the CPU-wait probe's
/// [`read_waited`](crate::instrument::probe::read_waited)).
pub fn schedstat(pid: u32, tid: u32) -> Option<File> {
    File::open(format!("/proc/{pid}/task/{tid}/schedstat")).ok()
}

/// The state letter of `/proc/PID/stat` (after the command's closing parenthesis): `R`, `S`,
/// `Z`...; `None` when the process is gone.
pub fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// The process exists and has not exited (a zombie has).
pub fn alive(pid: u32) -> bool {
    state(pid).is_some_and(|s| s != 'Z' && s != 'X')
}

/// Whether `pid` runs no Python at all: neither its program nor any library it maps is named
/// for Python (`python3.12`, `libpython3.12.so`). `false` when that cannot be read.
pub fn surely_not_python(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/maps")) {
        Ok(maps) => !maps.is_empty() && !maps.to_ascii_lowercase().contains("python"),
        Err(_) => false,
    }
}

/// The processes started by any thread of `pid`.
pub fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut kids = Vec::new();
    for task in tasks.flatten() {
        let path = task.path().join("children");
        if let Ok(text) = std::fs::read_to_string(path) {
            kids.extend(
                text.split_ascii_whitespace()
                    .filter_map(|w| w.parse::<u32>().ok()),
            );
        }
    }
    kids
}

/// A process's command line, its arguments joined by spaces.
pub fn command_line(pid: u32) -> String {
    let bytes = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let words: Vec<String> = bytes
        .split(|&b| b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syscall_line_reads_as_its_number_and_first_argument() {
        let line = "202 0x7f3a5c1e2048 0x189 0x0 0x0 0x7f3a5c1e2050 0xffffffff 0x7ffd 0x7f3a";
        assert_eq!(
            parse_syscall(line),
            Some(Syscall {
                nr: 202,
                arg0: 0x7f3a5c1e2048
            })
        );
        assert_eq!(parse_syscall("running"), None);
        assert_eq!(parse_syscall("-1 0x7ffd 0x7f3a"), None);
    }

    #[test]
    fn this_process_is_alive_and_has_a_command_line() {
        let me = std::process::id();
        assert!(alive(me));
        assert!(!command_line(me).is_empty());
    }
}
