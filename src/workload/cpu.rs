//! The CPU-bound work: the article's `sum(i * i for i in range(number))`, for real.

use std::hint::black_box;

/// How many iterations run between two checks of the caller's hook (the emulated GIL's
/// "eval breaker"): a few tens of microseconds here.
pub const CHUNK: u64 = 1 << 14;

/// The work between a shared-counter add's read and its write (the race lesson): about 0.1 ms
/// here, so a task's 100 adds outlast the GIL's 5 ms switch interval and switches fall
/// between reads and writes, as in the article's Python.
pub const ADD_WORK: u64 = 16 * CHUNK;

/// The default `--size`: one task takes roughly 100-200 ms on the 2-core machines this is built
/// on (measured with `cargo bench --bench instrument -- cpu`).
pub const DEFAULT_SIZE: u64 = 350_000_000;

/// Sum of `i * i` for `i` in `0..n`, calling `between_chunks` every [`CHUNK`] iterations;
/// `None` if it returned `false` (stop). `black_box` keeps the compiler from turning the loop
/// into the closed formula.
pub fn sum_of_squares(n: u64, mut between_chunks: impl FnMut() -> bool) -> Option<u128> {
    let mut total: u128 = 0;
    let mut i = 0;
    while i < n {
        let end = i.saturating_add(CHUNK).min(n);
        total = total.wrapping_add(chunk(i, end));
        i = end;
        if !between_chunks() {
            return None;
        }
    }
    Some(total)
}

/// One chunk, never inlined, so every executor runs exactly the same machine code for it.
#[inline(never)]
fn chunk(from: u64, to: u64) -> u128 {
    let mut total: u128 = 0;
    for k in from..to {
        let k = black_box(k) as u128;
        total = total.wrapping_add(k * k);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_closed_form() {
        for n in [0u64, 1, 2, 10, CHUNK - 1, CHUNK, 3 * CHUNK + 7] {
            let n128 = n as u128;
            let expected = if n == 0 {
                0
            } else {
                (n128 - 1) * n128 * (2 * n128 - 1) / 6
            };
            assert_eq!(sum_of_squares(n, || true), Some(expected), "n = {n}");
        }
    }

    #[test]
    fn calls_the_hook_once_per_chunk() {
        let mut calls = 0;
        sum_of_squares(3 * CHUNK + 1, || {
            calls += 1;
            true
        });
        assert_eq!(calls, 4);
        assert_eq!(sum_of_squares(3 * CHUNK, || false), None);
    }
}
