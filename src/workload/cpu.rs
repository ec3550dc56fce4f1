//! The CPU-bound work: the article's `sum(i * i for i in range(number))`, for real.

use std::hint::black_box;

/// How many iterations run between two checks of the caller's hook (the emulated GIL's
/// "eval breaker"): a few tens of microseconds here.
pub const CHUNK: u64 = 1 << 14;

/// How long CPython takes over one bytecode of the race lesson's loop, in ns: measured here,
/// `for _ in range(n): counter += 1` (7 bytecodes a turn) ran at 57 ns a turn on CPython
/// 3.12.1 and 53 ns on 3.9.18 (10,000,000 turns, one thread). Each bytecode of the emulated
/// add works this long ([`bytecode`]), so an add takes about what CPython's does and a 5 ms
/// switch interval falls on one add in tens of thousands, as in CPython.
pub const BYTECODE_NS: f64 = 8.0;

/// One bytecode's worth of work: [`BYTECODE_NS`] of the same sum of squares, in as many
/// iterations as that takes on this machine (measured once).
pub fn bytecode() {
    black_box(chunk(0, iterations_per_bytecode()));
}

/// How many iterations of [`chunk`] take [`BYTECODE_NS`] here: the fastest of a few timed
/// runs (a run the machine interrupted is slower, not faster), at least 1.
pub fn iterations_per_bytecode() -> u64 {
    static MEASURED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *MEASURED.get_or_init(|| {
        const N: u64 = 50_000;
        let fastest = (0..5)
            .map(|_| {
                let t = std::time::Instant::now();
                black_box(chunk(0, N));
                t.elapsed().as_nanos() as f64 / N as f64
            })
            .fold(f64::INFINITY, f64::min);
        ((BYTECODE_NS / fastest.max(0.01)).round() as u64).max(1)
    })
}

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
