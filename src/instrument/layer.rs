//! The `tracing_subscriber::Layer` that stamps every mark.

use super::{At, Clock, Mark, Record, Sink, MARK_TARGET};
use std::time::Instant;
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::Registry;

/// Stamps marks with the trace clock and sends them to a [`Sink`].
pub struct RecordLayer {
    clock: Clock,
    sink: Sink,
}

impl RecordLayer {
    pub fn new(clock: Clock, sink: Sink) -> RecordLayer {
        RecordLayer { clock, sink }
    }
}

/// Reads the five numeric fields of a mark event, by position (one callsite emits them all).
#[derive(Default)]
struct MarkFields {
    values: [u64; 5],
}

impl Visit for MarkFields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if let Some(slot) = self.values.get_mut(field.index()) {
            *slot = value;
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: Subscriber> Layer<S> for RecordLayer {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target() == MARK_TARGET {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        metadata.target() == MARK_TARGET
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let now = Instant::now();
        if event.metadata().target() != MARK_TARGET {
            return;
        }
        let mut fields = MarkFields::default();
        event.record(&mut fields);
        let [run, lane, task, mark, why] = fields.values;
        let Some(mark) = Mark::from_u8(mark as u8) else {
            return;
        };
        if run == PRIME_RUN as u64 {
            return;
        }
        self.sink.send_record(Record {
            t_ns: self.clock.ns_at(now),
            run: run as u32,
            lane: lane as u32,
            task: task as u32,
            mark,
            reason: super::reason_of(why as u8),
        });
    }
}

/// The dispatcher every instrumented thread of a session installs: a registry with the
/// [`RecordLayer`], and the log layer when `--log` is on (then both sit behind per-layer
/// filters; without it marks take the shortest path).
pub fn dispatch(clock: Clock, sink: Sink) -> Dispatch {
    let dispatch = build(clock, sink);
    prime(&dispatch);
    dispatch
}

/// The run id of the priming mark, which the Layer swallows.
const PRIME_RUN: u32 = u32::MAX;

/// Hit the mark callsite once with `dispatch` current. While only one dispatcher is alive,
/// tracing caches a callsite's interest from whichever dispatcher is current on the thread
/// that first hits it; had that been a thread without ours, every mark would be skipped.
fn prime(dispatch: &Dispatch) {
    let at = At {
        run: PRIME_RUN,
        lane: 0,
        task: super::NO_TASK,
    };
    tracing::dispatcher::with_default(dispatch, || super::mark(at, Mark::Idle));
}

fn build(clock: Clock, sink: Sink) -> Dispatch {
    let record = RecordLayer::new(clock, sink);
    match super::log::layer() {
        None => Dispatch::new(Registry::default().with(record)),
        Some(log) => Dispatch::new(
            Registry::default()
                .with(record.with_filter(filter_fn(|m| m.target() == MARK_TARGET)))
                .with(log),
        ),
    }
}
