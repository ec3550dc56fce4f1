//! The variants of an executor a lesson may compare (`threads/lock`, `async/offload`).

/// Variants of an executor that a lesson compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// async: CPU segments run on the loop (the default).
    Blocking,
    /// async: CPU segments marked `offload` go to a worker pool (asyncio's run_in_executor).
    Offload,
    /// Adds to the shared counter read, compute, then write back, with nothing held (the
    /// default).
    Unprotected,
    /// Adds call `time.sleep(0)` between the read and the write, giving the GIL up there.
    Sleep0,
    /// Adds hold a lock from the read to the write.
    Lock,
    /// Adds are one atomic add.
    Atomic,
}

/// How adds to a shared counter may be guarded: the variants of executors whose tasks share
/// memory.
pub const GUARDS: &[Variant] = &[
    Variant::Unprotected,
    Variant::Sleep0,
    Variant::Lock,
    Variant::Atomic,
];

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::Blocking => "blocking",
            Variant::Offload => "offload",
            Variant::Unprotected => "unprotected",
            Variant::Sleep0 => "sleep0",
            Variant::Lock => "lock",
            Variant::Atomic => "atomic",
        }
    }

    /// How adds to the shared counter are guarded in a run of this variant.
    pub fn guard(variant: Option<Variant>) -> Variant {
        match variant {
            Some(v @ (Variant::Sleep0 | Variant::Lock | Variant::Atomic)) => v,
            _ => Variant::Unprotected,
        }
    }
}
