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
    /// What it sets.
    what: Setting,
}

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

fn number(label: &str, n: u64, min: u64, max: u64, step: u64, what: Setting) -> Field {
    Field {
        label: label.to_string(),
        value: Value::Number { n, min, max, step },
        what,
    }
}

fn toggle(label: &str, on: bool, what: Setting) -> Field {
    Field {
        label: label.to_string(),
        value: Value::Toggle(on),
        what,
    }
}

impl Form {
    /// The form over `lesson` as `options` ran it, its runs being `runs`.
    pub fn new(lesson: &Scenario, options: &Options, runs: &[ExecSpec]) -> Form {
        let mut fields: Vec<Field> = runs
            .iter()
            .map(|spec| Field {
                label: spec.executor.name().to_string(),
                value: Value::Run {
                    spec: *spec,
                    shown: true,
                },
                what: Setting::Run,
            })
            .collect();
        let pools = |name: &str| runs.iter().any(|s| s.executor.name() == name);
        if pools("threads") || pools("free-threads") {
            fields.push(toggle("GIL for threads", pools("threads"), Setting::Gil));
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
        let tasks = options.tasks.unwrap_or_else(|| lesson.task_count()) as u64;
        fields.push(number(
            "tasks",
            tasks,
            1,
            MAX_TASKS as u64,
            1,
            Setting::Tasks,
        ));
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
            fields.push(toggle("tasks all arrive at once", false, Setting::AtOnce));
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

    /// `base` with the form's values.
    pub fn options(&self, base: &Options) -> Result<Options, String> {
        let mut o = base.clone();
        let mut runs = Vec::new();
        let mut gil = true;
        for field in &self.fields {
            match (&field.value, field.what) {
                (Value::Run { spec, shown }, _) => {
                    let max = spec.executor.max_workers().unwrap_or(1);
                    if !(1..=max).contains(&spec.workers()) {
                        return Err(format!("{} takes 1 to {max}", field.label));
                    }
                    runs.extend(shown.then_some(*spec));
                }
                (Value::Toggle(on), Setting::Gil) => gil = *on,
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

/// A `threads` run without the GIL is `free-threads`, and back.
fn with_gil(spec: ExecSpec, gil: bool) -> ExecSpec {
    let swap = match (spec.executor.name(), gil) {
        ("threads", false) => "free-threads",
        ("free-threads", true) => "threads",
        _ => return spec,
    };
    match crate::exec::find(swap) {
        Some(executor) => ExecSpec { executor, ..spec },
        None => spec,
    }
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
        }
    }

    fn flip(&mut self) {
        match &mut self.value {
            Value::Toggle(on) => *on = !*on,
            Value::Run { shown, .. } => *shown = !*shown,
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
                spec.workers = Some(spec.workers() / 10);
            }
            _ => {}
        }
    }

    /// The value in words: `12`, `on`, `shown, 5 workers`.
    pub fn value_words(&self) -> String {
        match &self.value {
            Value::Number { n, .. } => n.to_string(),
            Value::Toggle(on) => (if *on { "on" } else { "off" }).to_string(),
            Value::Run { spec, shown } => {
                let shown = if *shown { "shown" } else { "hidden" };
                // An event loop's count is how many tasks it lets in at a time.
                let meta = spec.describe(&crate::exec::Env::default());
                let what = match meta.lane_kind {
                    crate::trace::LaneKind::Task => "at a time",
                    _ => "workers",
                };
                match spec.executor.max_workers() {
                    Some(_) => format!("{shown}, {} {what}", spec.workers()),
                    None => shown.to_string(),
                }
            }
        }
    }
}
