//! Every input the fuzz targets keep (`fuzz/seeds/`, where they start, and
//! `fuzz/regressions/`, every input that ever made runwait fail), run through the same code
//! as the targets (`fuzz/bodies.rs`) under a plain `cargo test`: none may panic. Fuzzing
//! itself is `cargo +nightly fuzz run TARGET` in `fuzz/` (see the README).

#[path = "../fuzz/bodies.rs"]
mod bodies;

use std::path::Path;

type Body = fn(&[u8]);

const TARGETS: &[(&str, Body)] = &[
    ("trace_file", bodies::trace_file),
    ("chrome_import", bodies::chrome_import),
    ("lesson", bodies::lesson),
];

#[test]
fn every_kept_fuzz_input_runs_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut ran = 0;
    let mut failed = Vec::new();
    for (target, body) in TARGETS {
        for kept in ["seeds", "regressions"] {
            let dir = root.join(kept).join(target);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let data = std::fs::read(entry.path()).unwrap();
                if std::panic::catch_unwind(|| body(&data)).is_err() {
                    failed.push(entry.path().display().to_string());
                }
                ran += 1;
            }
        }
    }
    assert!(
        ran >= 20,
        "only {ran} inputs found under {}",
        root.display()
    );
    assert!(failed.is_empty(), "these inputs panic: {failed:#?}");
}
