//! The what-if form: the lesson's settings, changed with a few keys, run again beside the last
//! runs. A field per setting the lesson has (each run's workers and whether it is shown, the
//! GIL, its switch interval, tasks, latency and jitter, the CPU task size, the seed, arrivals);
//! keys edit the field under the cursor; confirming gives the options a new plan is made from
//! (and a mistake stays in the form, said in its last line).

use crate::exec::ExecSpec;
use crate::lab::scenario::{Scenario, SegmentSpec};
use crate::lab::Options;
use crate::trace::limits::{HOUR_MS, MAX_SIZE, MAX_TASKS};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use std::time::Duration;

/// What a field holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A whole number within `min..=max`, changed by `step` with ← and →.
    Number {
        n: u64,
        min: u64,
        max: u64,
        step: u64,
    },
    Toggle(bool),
    /// One of a few choices (`of`), the one at `at`; ← and → go round them.
    Choice {
        at: usize,
        of: &'static [&'static str],
    },
    /// A run: shown or not, and its workers (`None`: it takes no count).
    Run {
        spec: ExecSpec,
        shown: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub label: String,
    pub value: Value,
    /// The value it opened with: a field left as it was changes nothing.
    start: Value,
    /// What it sets.
    what: Setting,
}

/// The GIL field's choices: the lesson's runs as they are, or every pool of threads with the
/// GIL, or every one without.
const GIL_CHOICES: &[&str] = &[
    "as the lesson runs them",
    "on for every pool",
    "off for every pool",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setting {
    Run,
    Gil,
    SwitchInterval,
    Tasks,
    Latency,
    Jitter,
    Size,
    Seed,
    AtOnce,
}

/// The form: its fields, the one under the cursor, and what went wrong when confirmed.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub fields: Vec<Field>,
    pub cursor: usize,
    pub error: Option<String>,
    /// A number typed since the cursor came to its field (typing replaces, then appends).
    typing: bool,
}

/// What a key did to the form.
#[derive(Clone, Debug)]
pub enum Outcome {
    Editing,
    Cancel,
    /// Run these options beside the last runs.
    Run(Box<Options>),
}

fn field(label: &str, value: Value, what: Setting) -> Field {
    Field {
        label: label.to_string(),
        start: value.clone(),
        value,
        what,
    }
}

fn number(label: &str, n: u64, min: u64, max: u64, step: u64, what: Setting) -> Field {
    field(label, Value::Number { n, min, max, step }, what)
}

impl Form {
    /// The form over `lesson` as `options` ran it, its runs being `runs`.
    pub fn new(lesson: &Scenario, options: &Options, runs: &[ExecSpec]) -> Form {
        let mut fields: Vec<Field> = runs
            .iter()
            .map(|spec| {
                let value = Value::Run {
                    spec: *spec,
                    shown: true,
                };
                field(spec.executor.name(), value, Setting::Run)
            })
            .collect();
        let twin = |s: &ExecSpec| crate::exec::with_gil(s.executor, !s.executor.gil().is_on());
        if runs.iter().any(|s| twin(s).is_some()) {
            let gil = Value::Choice {
                at: 0,
                of: GIL_CHOICES,
            };
            fields.push(field("GIL", gil, Setting::Gil));
            let ms = options.env.switch_interval.as_millis() as u64;
            fields.push(number(
                "switch interval ms",
                ms,
                1,
                1_000,
                1,
                Setting::SwitchInterval,
            ));
        }
        // `--tasks` sets every group's count: a lesson of several groups says so.
        let counts = lesson.groups.iter().map(|g| g.count);
        let (label, tasks) = match lesson.groups.len() {
            1 => ("tasks", lesson.task_count()),
            _ => ("tasks in each group", counts.max().unwrap_or(1)),
        };
        let tasks = options.tasks.unwrap_or(tasks) as u64;
        fields.push(number(label, tasks, 1, MAX_TASKS as u64, 1, Setting::Tasks));
        fields.extend(workload_fields(lesson, options));
        fields.push(number(
            "seed",
            options.seed,
            0,
            u32::MAX as u64,
            1,
            Setting::Seed,
        ));
        if lesson.groups.iter().any(|g| g.arrive_ms != (0, None)) {
            let at_once = Value::Toggle(options.arrivals_at_once);
            fields.push(field("tasks all arrive at once", at_once, Setting::AtOnce));
        }
        Form {
            fields,
            cursor: 0,
            error: None,
            typing: false,
        }
    }

    /// Take a key; `base` is what the lesson ran with, which the form's values change.
    pub fn key(&mut self, key: KeyEvent, base: &Options) -> Outcome {
        if key.kind != KeyEventKind::Press {
            return Outcome::Editing;
        }
        match key.code {
            KeyCode::Esc => return Outcome::Cancel,
            KeyCode::Enter => return self.confirm(base),
            KeyCode::Up | KeyCode::Char('k') => self.move_cursor(-1),
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => self.move_cursor(1),
            KeyCode::Left | KeyCode::Char('h') => self.field_mut().step(-1),
            KeyCode::Right | KeyCode::Char('l') => self.field_mut().step(1),
            KeyCode::Char(' ') => self.field_mut().flip(),
            KeyCode::Char(c) if c.is_ascii_digit() => {
                let typing = std::mem::replace(&mut self.typing, true);
                self.field_mut().type_digit(c, typing);
                return Outcome::Editing;
            }
            KeyCode::Backspace => self.field_mut().erase(),
            _ => {}
        }
        self.typing = false;
        Outcome::Editing
    }

    fn field_mut(&mut self) -> &mut Field {
        &mut self.fields[self.cursor]
    }

    fn move_cursor(&mut self, by: isize) {
        let n = self.fields.len() as isize;
        self.cursor = (self.cursor as isize + by).rem_euclid(n.max(1)) as usize;
    }

    /// The options the form says, or the mistake (kept in the form).
    fn confirm(&mut self, base: &Options) -> Outcome {
        match self.options(base) {
            Ok(options) => Outcome::Run(Box::new(options)),
            Err(why) => {
                self.error = Some(why);
                Outcome::Editing
            }
        }
    }

    /// `base` with the values the form changed.
    pub fn options(&self, base: &Options) -> Result<Options, String> {
        let mut o = base.clone();
        let mut runs = Vec::new();
        let mut gil = None;
        for field in &self.fields {
            if field.value == field.start && field.what != Setting::Run {
                continue;
            }
            match (&field.value, field.what) {
                (Value::Run { spec, shown }, _) => {
                    let max = spec.executor.max_workers().unwrap_or(1);
                    if !(1..=max).contains(&spec.workers()) {
                        return Err(format!("{} takes 1 to {max}", field.label));
                    }
                    runs.extend(shown.then_some(*spec));
                }
                (Value::Choice { at, .. }, Setting::Gil) => {
                    gil = [None, Some(true), Some(false)][*at]
                }
                (Value::Toggle(on), Setting::AtOnce) => o.arrivals_at_once = *on,
                (Value::Number { n, min, max, .. }, what) => {
                    if !(*min..=*max).contains(n) {
                        return Err(format!("{} is from {min} to {max}", field.label));
                    }
                    set_number(&mut o, what, *n);
                }
                _ => {}
            }
        }
        if runs.is_empty() {
            return Err("show at least one run".into());
        }
        o.executors = Some(runs.into_iter().map(|s| with_gil(s, gil)).collect());
        Ok(o)
    }
}

/// The fields of what the lesson's tasks do: latency and jitter of the loopback server, the
/// size of CPU work.
fn workload_fields(lesson: &Scenario, options: &Options) -> Vec<Field> {
    let mut fields = Vec::new();
    let loopback = lesson.uses_loopback() && options.urls.is_empty();
    if loopback {
        let latency = options
            .latency_ms
            .or(lesson.latency_ms)
            .unwrap_or(crate::lab::plan::DEFAULT_LATENCY_MS);
        fields.push(number(
            "latency ms",
            latency,
            0,
            HOUR_MS,
            10,
            Setting::Latency,
        ));
        fields.push(number(
            "jitter ms",
            options.jitter_ms,
            0,
            HOUR_MS,
            10,
            Setting::Jitter,
        ));
    }
    let size = lesson.segments().find_map(|s| match s {
        SegmentSpec::Cpu { n, .. } => Some(*n),
        _ => None,
    });
    if let Some(n) = options.size.or(size) {
        fields.push(number(
            "CPU task size",
            n,
            1,
            MAX_SIZE,
            n.div_ceil(4).max(1),
            Setting::Size,
        ));
    }
    fields
}

fn set_number(o: &mut Options, what: Setting, n: u64) {
    match what {
        Setting::SwitchInterval => o.env.switch_interval = Duration::from_millis(n),
        Setting::Tasks => o.tasks = Some(n as u32),
        Setting::Latency => o.latency_ms = Some(n),
        Setting::Jitter => o.jitter_ms = n,
        Setting::Size => o.size = Some(n),
        Setting::Seed => o.seed = n,
        _ => {}
    }
}

/// A pool of threads with the GIL or without (`None`: as it is): its GIL twin, the same pool
/// the other way ([`crate::exec::with_gil`]), if the twin takes the run's variant and count.
fn with_gil(spec: ExecSpec, gil: Option<bool>) -> ExecSpec {
    let takes = |e: &&'static dyn crate::exec::Executor| {
        spec.variant.is_none_or(|v| e.variants().contains(&v))
            && spec
                .workers
                .is_none_or(|n| e.max_workers().is_some_and(|most| n <= most))
    };
    let twin = gil
        .and_then(|on| crate::exec::with_gil(spec.executor, on))
        .filter(takes);
    match twin {
        Some(executor) => ExecSpec { executor, ..spec },
        None => spec,
    }
}

/// Whether a run's count is how many tasks it lets in at a time (an event loop's), not
/// workers.
fn is_limit(spec: &ExecSpec) -> bool {
    spec.executor.count_is_limit()
}

impl Field {
    /// ← and →: a number by its step, a run's workers by one (within its bounds); a toggle
    /// flips.
    fn step(&mut self, by: i64) {
        match &mut self.value {
            Value::Number { n, min, max, step } => {
                let to = *n as i64 + by * *step as i64;
                *n = (to.max(*min as i64) as u64).min(*max);
            }
            Value::Run { spec, .. } => {
                let Some(max) = spec.executor.max_workers() else {
                    return;
                };
                let to = spec.workers() as i64 + by;
                spec.workers = Some((to.max(1) as u32).min(max));
            }
            Value::Toggle(on) => *on = !*on,
            Value::Choice { at, of } => {
                *at = (*at as i64 + by).rem_euclid(of.len() as i64) as usize;
            }
        }
    }

    fn flip(&mut self) {
        match &mut self.value {
            Value::Toggle(on) => *on = !*on,
            Value::Run { shown, .. } => *shown = !*shown,
            Value::Choice { .. } => self.step(1),
            Value::Number { .. } => {}
        }
    }

    /// A digit typed: the number (or a run's workers) starts again with it, then grows.
    fn type_digit(&mut self, c: char, appending: bool) {
        let d = c.to_digit(10).unwrap_or(0) as u64;
        let grow = |n: u64| {
            if appending {
                n.saturating_mul(10).saturating_add(d)
            } else {
                d
            }
        };
        match &mut self.value {
            Value::Number { n, .. } => *n = grow(*n),
            Value::Run { spec, .. } if spec.executor.max_workers().is_some() => {
                let n = grow(spec.workers() as u64);
                spec.workers = Some(n.min(u32::MAX as u64) as u32);
            }
            _ => {}
        }
    }

    fn erase(&mut self) {
        match &mut self.value {
            Value::Number { n, .. } => *n /= 10,
            Value::Run { spec, .. } if spec.executor.max_workers().is_some() => {
                // An event loop's limit erased is no limit.
                let left = spec.workers() / 10;
                spec.workers = match (left, is_limit(spec)) {
                    (0, true) => None,
                    _ => Some(left),
                };
            }
            _ => {}
        }
    }

    /// The value in words: `12`, `on`, `shown, 5 workers`.
    pub fn value_words(&self) -> String {
        match &self.value {
            Value::Number { n, .. } => n.to_string(),
            Value::Toggle(on) => (if *on { "on" } else { "off" }).to_string(),
            Value::Choice { at, of } => of[*at].to_string(),
            Value::Run { spec, shown } => {
                let shown = if *shown { "shown" } else { "hidden" };
                match (spec.executor.max_workers(), is_limit(spec), spec.workers) {
                    (None, ..) => shown.to_string(),
                    (_, true, None) => format!("{shown}, no limit on tasks at a time"),
                    (_, true, Some(n)) => format!("{shown}, {n} at a time"),
                    (_, false, _) => format!("{shown}, {} workers", spec.workers()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::scenario;
    use crossterm::event::KeyModifiers;

    fn form(name: &str) -> (Form, Options) {
        let lesson = scenario::find(name).unwrap();
        let options = Options::default();
        let form = Form::new(&lesson, &options, &lesson.executors);
        (form, options)
    }

    fn press(form: &mut Form, base: &Options, keys: &str) -> Outcome {
        let mut out = Outcome::Editing;
        for c in keys.chars() {
            let code = match c {
                '>' => KeyCode::Right,
                '<' => KeyCode::Left,
                'v' => KeyCode::Down,
                '\n' => KeyCode::Enter,
                '\x08' => KeyCode::Backspace,
                c => KeyCode::Char(c),
            };
            out = form.key(KeyEvent::new(code, KeyModifiers::NONE), base);
        }
        out
    }

    fn names(o: &Options) -> Vec<String> {
        let runs = o.executors.as_ref().unwrap();
        runs.iter().map(ExecSpec::to_string).collect()
    }

    /// Move the cursor to the field `label` with ↓, as a user would.
    fn go(form: &mut Form, base: &Options, label: &str) {
        for _ in 0..form.fields.len() {
            if form.fields[form.cursor].label == label {
                return;
            }
            press(form, base, "v");
        }
        panic!("no field {label}");
    }

    #[test]
    fn a_form_left_as_it_was_changes_nothing() {
        for lesson in scenario::builtin() {
            let (form, base) = form(&lesson.name);
            let o = form.options(&base).unwrap();
            assert_eq!(o.tasks, None, "{}: the lesson's counts stay", lesson.name);
            assert_eq!(o.latency_ms, base.latency_ms, "{}", lesson.name);
            assert_eq!(o.size, base.size, "{}", lesson.name);
            assert_eq!(o.arrivals_at_once, base.arrivals_at_once, "{}", lesson.name);
            let lesson_runs: Vec<String> = lesson.executors.iter().map(|s| s.to_string()).collect();
            assert_eq!(names(&o), lesson_runs, "{}: the same runs", lesson.name);
        }
    }

    #[test]
    fn the_gil_goes_off_for_every_pool_or_on() {
        let (mut form, base) = form("cpu");
        go(&mut form, &base, "GIL");
        assert_eq!(
            form.fields[form.cursor].value_words(),
            "as the lesson runs them"
        );
        let Outcome::Run(o) = press(&mut form, &base, ">>\n") else {
            panic!("runs")
        };
        let runs = names(&o);
        assert!(
            runs.iter()
                .filter(|r| r.starts_with("free-threads"))
                .count()
                == 2,
            "{runs:?}"
        );
        assert!(!runs.iter().any(|r| r.starts_with("threads")), "{runs:?}");
        let Outcome::Run(o) = press(&mut form, &base, "<\n") else {
            panic!("runs")
        };
        let runs = names(&o);
        assert!(
            runs.iter().filter(|r| r.starts_with("threads")).count() == 2,
            "{runs:?}"
        );
    }

    #[test]
    fn workers_and_tasks_change_only_what_was_edited() {
        let (mut form, base) = form("io");
        go(&mut form, &base, "threads");
        let Outcome::Run(o) = press(&mut form, &base, "10\n") else {
            panic!("runs")
        };
        assert_eq!(names(&o)[1], "threads:10");
        assert_eq!(o.tasks, None);
        go(&mut form, &base, "tasks");
        let Outcome::Run(o) = press(&mut form, &base, "12\n") else {
            panic!("runs")
        };
        assert_eq!(o.tasks, Some(12));
        // Several groups: the count is each group's.
        let (form, _) = self::form("coffees");
        assert!(form.fields.iter().any(|f| f.label == "tasks in each group"));
    }

    #[test]
    fn an_event_loop_without_a_limit_says_so_and_a_mistake_stays_in_the_form() {
        let (mut form, base) = form("io");
        go(&mut form, &base, "async");
        let words = form.fields[form.cursor].value_words();
        assert_eq!(words, "shown, no limit on tasks at a time");
        press(&mut form, &base, "3");
        assert_eq!(form.fields[form.cursor].value_words(), "shown, 3 at a time");
        press(&mut form, &base, "\x08");
        assert_eq!(
            form.fields[form.cursor].value_words(),
            "shown, no limit on tasks at a time"
        );
        go(&mut form, &base, "threads");
        let out = press(&mut form, &base, "0\n");
        assert!(matches!(out, Outcome::Editing));
        assert_eq!(form.error.as_deref(), Some("threads takes 1 to 1024"));
    }
}
