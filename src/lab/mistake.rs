//! A mistake at a place in a lesson's text, as the lesson's parts are checked (`file:line:col`
//! once placed).

use std::ops::Range;

/// A mistake at a place in a lesson's text (its byte range), and why it is one.
pub(super) struct Mistake {
    pub(super) span: Option<Range<usize>>,
    pub(super) why: String,
}

pub(super) fn at(span: Range<usize>, why: impl Into<String>) -> Mistake {
    Mistake {
        span: Some(span),
        why: why.into(),
    }
}
