//! A trace's words made safe for a terminal: every name a trace carries (from a file, a lesson,
//! a program or the OS) through [`crate::error::printable`], before any text is made of it.

use crate::error::printable;
use crate::trace::Trace;
use std::borrow::Cow;

/// `trace` as it is when none of its names holds a control character (the usual case: no
/// copy), else a copy with every control character shown as `�`.
pub fn trace(trace: &Trace) -> Cow<'_, Trace> {
    let mut clean = true;
    visit(trace, &mut |s| clean &= !s.chars().any(char::is_control));
    if clean {
        return Cow::Borrowed(trace);
    }
    let mut copy = trace.clone();
    visit_mut(&mut copy, &mut |s| *s = printable(s));
    Cow::Owned(copy)
}

/// Every name in `trace` that text shows.
fn visit(trace: &Trace, f: &mut dyn FnMut(&str)) {
    f(&trace.scenario);
    for run in &trace.runs {
        let m = &run.meta;
        [&m.executor, &m.label].into_iter().for_each(|s| f(s));
        m.variant.iter().chain(&m.model).for_each(|s| f(s));
        m.roles.iter().for_each(|r| f(&r.name));
        m.queues.iter().for_each(|q| f(&q.name));
        if let Some(s) = &m.sampled {
            f(&s.command);
            f(&s.python);
        }
        run.lanes.iter().flat_map(|l| &l.id.name).for_each(|s| f(s));
        run.functions.iter().for_each(|s| f(s));
    }
    for q in &trace.questions {
        f(&q.text);
        q.answers.iter().for_each(|a| f(&a.label));
    }
}

/// [`visit`], changing them.
fn visit_mut(trace: &mut Trace, f: &mut dyn FnMut(&mut String)) {
    f(&mut trace.scenario);
    for run in &mut trace.runs {
        let m = &mut run.meta;
        f(&mut m.executor);
        f(&mut m.label);
        m.variant.iter_mut().chain(&mut m.model).for_each(&mut *f);
        m.roles.iter_mut().for_each(|r| f(&mut r.name));
        m.queues.iter_mut().for_each(|q| f(&mut q.name));
        if let Some(s) = &mut m.sampled {
            f(&mut s.command);
            f(&mut s.python);
        }
        run.lanes
            .iter_mut()
            .flat_map(|l| &mut l.id.name)
            .for_each(&mut *f);
        run.functions.iter_mut().for_each(&mut *f);
    }
    for q in &mut trace.questions {
        f(&mut q.text);
        q.answers.iter_mut().for_each(|a| f(&mut a.label));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_lose_their_control_characters_and_clean_traces_are_not_copied() {
        let mut t = crate::trace::Trace::new("io");
        assert!(matches!(super::trace(&t), std::borrow::Cow::Borrowed(_)));
        t.scenario = "\u{1b}]0;owned\u{7}io".into();
        assert_eq!(super::trace(&t).scenario, "\u{fffd}]0;owned\u{fffd}io");
    }
}
