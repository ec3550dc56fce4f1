//! Where the emulated GIL may switch threads inside the race lesson's add: the bytecodes of one
//! turn of the article's loop as the modelled CPython runs them, and after which of them its
//! eval loop looks for a switch request (the "eval breaker").
//!
//! ```python
//! for _ in range(adds):        for _ in range(adds):
//!     counter += 1                 tmp = counter; time.sleep(0); counter = tmp + 1
//! ```
//!
//! - CPython 3.10 and later look only at backward jumps and calls (`JUMP_BACKWARD`, `CALL`):
//!   never between `LOAD_GLOBAL counter` and `STORE_GLOBAL counter` of `counter += 1`, so a
//!   plain `+=` loses no update however long the loop. A call between the read and the write
//!   (`time.sleep(0)`, which also gives the GIL up) is a switch point.
//! - CPython 3.9 and before look before most bytecodes: after every one that ends with
//!   `DISPATCH()` in ceval.c (`LOAD_GLOBAL`, `INPLACE_ADD`, `STORE_GLOBAL`, `JUMP_ABSOLUTE`,
//!   calls), not after those that end with `FAST_DISPATCH()` or jump to a predicted next one
//!   (`LOAD_FAST`, `LOAD_CONST`, `STORE_FAST`, `POP_TOP`, `FOR_ITER`). Two of the four switch
//!   points of a `counter += 1` turn fall between its read and its write: over a long loop about
//!   half the forced switches split an add, and the adds the other threads made meanwhile are
//!   lost.
//!
//! The tables are `dis` of the loops on CPython 3.9.18 and 3.12.1 (3.10 and 3.11 name some
//! bytecodes otherwise, and look at the same places as 3.12).

use std::fmt;

/// The CPython whose thread switching the emulated GIL models: `3.12` by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Switching {
    /// The minor version: 3.`minor`.
    pub minor: u32,
}

impl Default for Switching {
    fn default() -> Switching {
        Switching { minor: 12 }
    }
}

impl fmt::Display for Switching {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "3.{}", self.minor)
    }
}

/// The versions a model may name: from the "new GIL" of 3.2 on.
const MINORS: std::ops::RangeInclusive<u32> = 2..=99;

impl std::str::FromStr for Switching {
    type Err = String;

    fn from_str(text: &str) -> Result<Switching, String> {
        let minor = text
            .trim()
            .strip_prefix("3.")
            .and_then(|m| m.parse::<u32>().ok())
            .filter(|m| MINORS.contains(m));
        minor.map(|minor| Switching { minor }).ok_or_else(|| {
            format!("'{text}' is not a CPython version the GIL model knows: 3.2 to 3.99, like 3.12 or 3.9")
        })
    }
}

/// What a bytecode of the add does to the shared counter (the rest only take time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Does {
    Nothing,
    /// `LOAD_GLOBAL counter`: the read.
    Read,
    /// `STORE_GLOBAL counter`: the write back.
    Write,
    /// `time.sleep(0)`: a call that gives the GIL up and takes it back.
    Sleep,
}

/// One bytecode of a turn of the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    pub name: &'static str,
    pub does: Does,
    /// Whether the eval loop looks for a switch request after it (a switch may fall here).
    pub checks: bool,
}

const fn op(name: &'static str, does: Does, checks: bool) -> Op {
    Op { name, does, checks }
}

use Does::{Nothing, Read, Sleep, Write};

/// `counter += 1`, CPython 3.10 and later (3.12's names).
const PLAIN: &[Op] = &[
    op("FOR_ITER", Nothing, false),
    op("STORE_FAST _", Nothing, false),
    op("LOAD_GLOBAL counter", Read, false),
    op("LOAD_CONST 1", Nothing, false),
    op("BINARY_OP +=", Nothing, false),
    op("STORE_GLOBAL counter", Write, false),
    op("JUMP_BACKWARD", Nothing, true),
];

/// `counter += 1`, CPython 3.9 and before.
const PLAIN_OLD: &[Op] = &[
    op("FOR_ITER", Nothing, false),
    op("STORE_FAST _", Nothing, false),
    op("LOAD_GLOBAL counter", Read, true),
    op("LOAD_CONST 1", Nothing, false),
    op("INPLACE_ADD", Nothing, true),
    op("STORE_GLOBAL counter", Write, true),
    op("JUMP_ABSOLUTE", Nothing, true),
];

/// `tmp = counter; time.sleep(0); counter = tmp + 1`, CPython 3.10 and later.
const SLEEP0: &[Op] = &[
    op("FOR_ITER", Nothing, false),
    op("STORE_FAST _", Nothing, false),
    op("LOAD_GLOBAL counter", Read, false),
    op("STORE_FAST tmp", Nothing, false),
    op("LOAD_GLOBAL time", Nothing, false),
    op("LOAD_ATTR sleep", Nothing, false),
    op("LOAD_CONST 0", Nothing, false),
    op("CALL 1", Sleep, true),
    op("POP_TOP", Nothing, false),
    op("LOAD_FAST tmp", Nothing, false),
    op("LOAD_CONST 1", Nothing, false),
    op("BINARY_OP +", Nothing, false),
    op("STORE_GLOBAL counter", Write, false),
    op("JUMP_BACKWARD", Nothing, true),
];

/// The same, CPython 3.9 and before.
const SLEEP0_OLD: &[Op] = &[
    op("FOR_ITER", Nothing, false),
    op("STORE_FAST _", Nothing, false),
    op("LOAD_GLOBAL counter", Read, true),
    op("STORE_FAST tmp", Nothing, false),
    op("LOAD_GLOBAL time", Nothing, true),
    op("LOAD_METHOD sleep", Nothing, true),
    op("LOAD_CONST 0", Nothing, false),
    op("CALL_METHOD 1", Sleep, true),
    op("POP_TOP", Nothing, false),
    op("LOAD_FAST tmp", Nothing, false),
    op("LOAD_CONST 1", Nothing, false),
    op("BINARY_ADD", Nothing, true),
    op("STORE_GLOBAL counter", Write, true),
    op("JUMP_ABSOLUTE", Nothing, true),
];

impl Switching {
    /// Whether its eval loop looks for a switch request before most bytecodes (3.9 and
    /// before), not only at backward jumps and calls.
    pub fn checks_everywhere(self) -> bool {
        self.minor < 10
    }

    /// Where it may switch, in words: `CPython 3.12 switching`.
    pub fn words(self) -> String {
        format!("CPython {self} switching")
    }

    /// The bytecodes of one turn of the add's loop: `counter += 1`, or with `sleep0` the
    /// variant with `time.sleep(0)` between the read and the write.
    pub fn turn(self, sleep0: bool) -> &'static [Op] {
        match (sleep0, self.checks_everywhere()) {
            (false, false) => PLAIN,
            (false, true) => PLAIN_OLD,
            (true, false) => SLEEP0,
            (true, true) => SLEEP0_OLD,
        }
    }

    /// `time.sleep(0)` as this CPython does it, with the GIL let go (by the caller): 3.11 and
    /// later a `clock_nanosleep` to an absolute deadline of now, which Linux ends only after
    /// its timer slack (tens of µs); before, a `select()` with no timeout, which returns at
    /// once.
    pub fn sleep0(self) {
        if self.minor >= 11 {
            let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
            let _ =
                rustix::thread::clock_nanosleep_absolute(rustix::thread::ClockId::Monotonic, &now);
        } else {
            let _ = rustix::event::poll(&mut [], Some(&rustix::event::Timespec::default()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Switch points strictly between the read and the write of a turn.
    fn between(ops: &[Op]) -> Vec<&'static str> {
        let read = ops.iter().position(|o| o.does == Read).unwrap();
        let write = ops.iter().position(|o| o.does == Write).unwrap();
        ops[read..write]
            .iter()
            .filter(|o| o.checks)
            .map(|o| o.name)
            .collect()
    }

    #[test]
    fn from_3_10_on_no_switch_falls_inside_counter_plus_equals_1() {
        for minor in [10, 11, 12, 13] {
            let model = Switching { minor };
            assert!(between(model.turn(false)).is_empty(), "3.{minor}");
            // A call between the read and the write is a switch point.
            assert_eq!(between(model.turn(true)), ["CALL 1"], "3.{minor}");
        }
    }

    #[test]
    fn up_to_3_9_a_switch_can_fall_between_the_read_and_the_write() {
        for minor in [2, 8, 9] {
            let model = Switching { minor };
            assert_eq!(
                between(model.turn(false)),
                ["LOAD_GLOBAL counter", "INPLACE_ADD"]
            );
            assert!(between(model.turn(true)).len() >= 4);
        }
    }

    #[test]
    fn every_turn_reads_once_writes_once_and_ends_at_a_switch_point() {
        for minor in [9, 12] {
            for sleep0 in [false, true] {
                let ops = Switching { minor }.turn(sleep0);
                let count = |d: Does| ops.iter().filter(|o| o.does == d).count();
                assert_eq!((count(Read), count(Write)), (1, 1));
                assert_eq!(count(Sleep), usize::from(sleep0));
                assert!(ops.last().unwrap().checks);
            }
        }
    }

    #[test]
    fn versions_parse_and_say_themselves() {
        assert_eq!("3.9".parse(), Ok(Switching { minor: 9 }));
        assert_eq!(Switching::default().words(), "CPython 3.12 switching");
        for bad in ["3", "2.7", "3.1", "3.x", "12", ""] {
            assert!(bad.parse::<Switching>().is_err(), "{bad}");
        }
    }
}
