//! A lane's name, and a row's (one lane, or a group of lanes in one row), made from what the
//! lanes are ([`LaneId`]) at the width there is: `grill · thread 2`, `process 1 (pid 42)`,
//! `proc 1 · Thre…-0_1`, `task 0–24`, `MainThread +21 more`. The one place lanes become text.

use crate::trace::{Lane, LaneId, LaneKind, Run};

/// What a row's name says, in parts, so that it can be shortened part by part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The role its tasks played (`grill`).
    role: Option<String>,
    /// The worker process a thread runs in (`process 1 · Thread-2`).
    within: Option<u32>,
    head: Head,
    /// More lanes in the row than the one named (`MainThread +21 more`).
    more: usize,
    /// A worker process's pid, said when there is room (`process 1 (pid 42)`).
    pid: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Head {
    /// runwait's own worker or task, by number: `thread 2`, `task 0–24`, `process 1,3`.
    Numbered { kind: LaneKind, numbers: String },
    /// A real program's own name for it (or any text: a queue's row).
    Named(String),
}

impl Label {
    /// The label of one lane, with its role (if its tasks all played one).
    pub fn of(run: &Run, lane: &Lane) -> Label {
        Label {
            role: role(run, lane),
            ..Label::bare(lane)
        }
    }

    /// The label of one lane, without a role.
    fn bare(lane: &Lane) -> Label {
        let id = &lane.id;
        let head = match &id.name {
            Some(name) if !id.is_process() => Head::Named(name.clone()),
            _ => Head::Numbered {
                kind: id.kind,
                numbers: id.number.to_string(),
            },
        };
        let in_worker = id.worker_number();
        Label {
            role: None,
            within: in_worker.filter(|_| !id.is_process()),
            head,
            more: 0,
            pid: in_worker.and(id.process).map(|p| p.pid),
        }
    }

    /// A row of text (a queue's): named as it is.
    pub fn plain(text: &str) -> Label {
        Label {
            role: None,
            within: None,
            head: Head::Named(text.to_string()),
            more: 0,
            pid: None,
        }
    }

    /// The label of a row of `lanes`: one lane's, or, for a group, `task 0–24` or `maker ·
    /// thread 1,3` (runwait's own workers of one kind, each its own number; the role when
    /// they share one), else the first lane's `+N more`.
    pub fn of_group(run: &Run, lanes: &[&Lane]) -> Label {
        let [first, ..] = lanes else {
            return Label::plain("");
        };
        let mut label = Label::of(run, first);
        if lanes.len() == 1 {
            return label;
        }
        let own = |id: &LaneId| id.name.is_none() || id.is_process();
        let alike = lanes
            .iter()
            .all(|l| own(&l.id) && l.id.kind == first.id.kind && l.id.worker_number().is_none())
            || lanes.iter().all(|l| l.id.is_process());
        let mut numbers: Vec<u32> = lanes.iter().map(|l| l.id.number).collect();
        numbers.sort_unstable();
        numbers.dedup();
        label.pid = None;
        if !alike || numbers.len() != lanes.len() {
            label.more = lanes.len() - 1;
            return label;
        }
        let (lo, hi) = (numbers[0], numbers[numbers.len() - 1]);
        label.head = Head::Numbered {
            kind: first.id.kind,
            numbers: match numbers.len() {
                2 if hi - lo > 1 => format!("{lo},{hi}"),
                _ => format!("{lo}–{hi}"),
            },
        };
        let role_of = |l: &Lane| role(run, l);
        if !lanes.iter().all(|l| role_of(l) == role_of(first)) {
            label.role = None;
        }
        label
    }

    /// The whole name: with its pid (`note`), with its workers' words short or not.
    pub fn text(&self, note: bool, short: bool) -> String {
        let mut text = String::new();
        if let Some(role) = &self.role {
            text.push_str(&format!("{role} · "));
        }
        if let Some(n) = self.within {
            let word = kind_word(LaneKind::Process, short);
            text.push_str(&format!("{word} {n} · "));
        }
        text.push_str(&self.rest(short));
        if let (true, Some(pid)) = (note, self.pid) {
            text.push_str(&format!(" (pid {pid})"));
        }
        text
    }

    /// The head and what follows it (no role, no process, no note).
    fn rest(&self, short: bool) -> String {
        let head = match &self.head {
            Head::Numbered { kind, numbers } => format!("{} {numbers}", kind_word(*kind, short)),
            Head::Named(name) => name.clone(),
        };
        match self.more {
            0 => head,
            n => format!("{head} +{n} more"),
        }
    }

    /// What is kept whole when the name is cut in the middle: its number (` 10`, ` 1–5`), a
    /// program's thread's number (`-0_4` of `ThreadPoolExecutor-0_4`), or ` +21 more`.
    fn tail(&self) -> Option<String> {
        if self.more > 0 {
            return Some(format!(" +{} more", self.more));
        }
        match &self.head {
            Head::Numbered { numbers, .. } => Some(format!(" {numbers}")),
            Head::Named(name) => {
                let numbered = |c: char| c.is_ascii_digit() || "-_.,–".contains(c);
                let stem = name.trim_end_matches(numbered);
                let tail = &name[stem.len()..];
                tail.contains(|c: char| c.is_ascii_digit())
                    .then(|| tail.to_string())
            }
        }
    }

    /// Whether it fits `width` only with its workers' words short.
    fn needs_short(&self, width: usize) -> bool {
        len(&self.text(false, false)) > width
    }

    /// The name in at most `width` characters, its worker and number kept to the last: with
    /// its pid, then without, then with the workers' words short (`inst 10`; always, with
    /// `short`), then with the role cut (`straggl… · inst 10`) or else the middle cut before
    /// the number it ends in (`ThreadPoolExe…-0_4`, `proc 1 · Thre…-0_1`, `Ma… +21 more`);
    /// only a name with no number to keep is cut at its end. Never padded.
    pub fn fit(&self, width: usize, short: bool) -> String {
        let long = [self.text(true, false), self.text(false, false)];
        let candidates = if short { &long[..0] } else { &long[..] };
        for candidate in candidates {
            if len(candidate) <= width {
                return candidate.clone();
            }
        }
        let text = self.text(false, true);
        if len(&text) <= width {
            return text;
        }
        // A role's count of more requests (`you +2`) is kept with the worker.
        let name = |r: &'_ String| {
            let more = r
                .rsplit_once(" +")
                .filter(|(_, n)| n.parse::<u32>().is_ok());
            len(more.map_or(r.as_str(), |(name, _)| name))
        };
        let after_role = self.role.as_ref().map(name);
        let tail = self.tail().map(|t| len(&text) - len(&t));
        for keep_at in [after_role, tail].into_iter().flatten() {
            let keep: String = text.chars().skip(keep_at).collect();
            if keep_at > 0 && len(&keep) + 2 <= width {
                let head: String = text.chars().take(width - len(&keep) - 1).collect();
                return format!("{head}…{keep}");
            }
        }
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The role the lane's tasks all played, if they did; where a cloud instance's played
/// several, the first task's role and how many tasks more ran on it (`you +2`: an instance
/// started for you that served two more).
fn role(run: &Run, lane: &Lane) -> Option<String> {
    if let Some(role) = lane.role().and_then(|r| run.meta.roles.get(r)) {
        return Some(role.name.clone());
    }
    let first = first_role(run, lane)?;
    let mut tasks: Vec<u32> = lane.spans.iter().filter_map(|s| s.task).collect();
    tasks.extend(lane.open.and_then(|s| s.task));
    tasks.sort_unstable();
    tasks.dedup();
    let name = &run.meta.roles.get(first)?.name;
    Some(match tasks.len() {
        0 | 1 => name.clone(),
        n => format!("{name} +{}", n - 1),
    })
}

/// The role of the lane's tasks, or, for a cloud instance (started for a request) whose
/// tasks played several, the first one's (its place in the run's `roles`): where it is shown
/// among the run's lanes.
pub fn first_role(run: &Run, lane: &Lane) -> Option<usize> {
    if let Some(role) = lane.role() {
        return Some(role);
    }
    if lane.id.kind != LaneKind::Instance {
        return None;
    }
    let first = lane.spans.iter().find_map(|s| s.task);
    run.meta
        .role_of(first.or_else(|| lane.open.and_then(|s| s.task))?)
}

/// A worker's word: `thread`, `process`, `task`, `instance`; short: `thr`, `proc`, `inst`.
fn kind_word(kind: LaneKind, short: bool) -> &'static str {
    match (kind, short) {
        (LaneKind::Thread, false) => "thread",
        (LaneKind::Thread, true) => "thr",
        (LaneKind::Process, false) => "process",
        (LaneKind::Process, true) => "proc",
        (LaneKind::Task, _) => "task",
        (LaneKind::Instance, false) => "instance",
        (LaneKind::Instance, true) => "inst",
    }
}

fn len(s: &str) -> usize {
    s.chars().count()
}

/// A lane's whole name, as a file or another tool is given it: `thread 2`, `process 1 (pid
/// 42)`, `process 1 · Thread-2 (pid 42)`, `MainThread`, `Task-3 fetch` (no role).
pub fn lane_text(lane: &Lane) -> String {
    Label::bare(lane).text(true, false)
}

/// A lane's name in the story's words, whole: `grill · thread 2`, when its tasks all played a
/// role.
pub fn lane_name(run: &Run, lane: &Lane) -> String {
    Label::of(run, lane).text(true, false)
}

/// The labels of one panel's rows at `width`; if any needs its workers' words short, every
/// row has them short, so a panel reads one way.
pub fn fit_labels(labels: &[Label], width: usize) -> Vec<String> {
    let short = labels.iter().any(|l| l.needs_short(width));
    labels.iter().map(|l| l.fit(width, short)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{LaneId, Role, RunMeta};

    fn lane(id: LaneId) -> Lane {
        Lane::new(id)
    }

    fn numbered(kind: LaneKind, n: u32) -> Lane {
        lane(LaneId {
            kind,
            number: n,
            ..LaneId::default()
        })
    }

    fn named(name: &str) -> Lane {
        lane(LaneId::named(LaneKind::Thread, 1, name))
    }

    /// A run whose lanes' tasks played `roles` (one task each, in order).
    fn run_with_roles(roles: &[&str]) -> Run {
        let mut run = Run::new(RunMeta::default());
        for (i, r) in roles.iter().enumerate() {
            run.meta.roles.push(Role {
                name: r.to_string(),
                first: i as u32,
                count: 1,
            });
        }
        run
    }

    fn with_role(mut lane: Lane, role: usize) -> Lane {
        lane.note_role(Some(role));
        lane
    }

    fn worker(n: u32, pid: u32) -> Lane {
        lane(LaneId::numbered(LaneKind::Process, n - 1).in_process(n, pid))
    }

    fn fit(run: &Run, lane: &Lane, width: usize) -> String {
        Label::of(run, lane).fit(width, false)
    }

    #[test]
    fn a_long_lane_name_keeps_its_worker_and_number() {
        let cloud = run_with_roles(&["friend", "straggler"]);
        let friend = with_role(numbered(LaneKind::Instance, 2), 0);
        let straggler = with_role(numbered(LaneKind::Instance, 10), 1);
        assert_eq!(fit(&cloud, &friend, 24), "friend · instance 2");
        assert_eq!(fit(&cloud, &friend, 18), "friend · inst 2");
        assert_eq!(fit(&cloud, &straggler, 18), "straggl… · inst 10");
        let none = Run::new(RunMeta::default());
        let inst = lane(LaneId::numbered(LaneKind::Instance, 0).in_process(1, 18146));
        assert_eq!(fit(&none, &inst, 18), "instance 1");
        assert_eq!(fit(&none, &worker(1, 18146), 22), "process 1 (pid 18146)");
        assert_eq!(
            fit(&none, &named("ThreadPoolExecutor-0_4"), 18),
            "ThreadPoolExe…-0_4"
        );
        let grill = run_with_roles(&["grill"]);
        let thread2 = with_role(numbered(LaneKind::Thread, 2), 0);
        assert_eq!(fit(&grill, &thread2, 13), "grill · thr 2");
        assert_eq!(
            fit(&none, &named("Task-3 fetch_all_pages"), 12),
            "Task-3 fetc…"
        );
        // A thread of a worker process keeps both numbers.
        let pooled =
            lane(LaneId::named(LaneKind::Thread, 3, "ThreadPoolExecutor-0_1").in_process(1, 7));
        assert_eq!(fit(&none, &pooled, 18), "proc 1 · Thre…-0_1");
        assert_eq!(
            lane_text(&pooled),
            "process 1 · ThreadPoolExecutor-0_1 (pid 7)"
        );
        let thread = lane(LaneId::named(LaneKind::Thread, 2, "Thread-2").in_process(1, 7));
        assert_eq!(fit(&none, &thread, 16), "proc 1 · Thre…-2");
        let labels = [Label::of(&cloud, &friend), Label::of(&cloud, &straggler)];
        assert_eq!(
            fit_labels(&labels, 18),
            ["friend · inst 2", "straggl… · inst 10"]
        );
        assert_eq!(
            fit_labels(&labels, 24),
            ["friend · instance 2", "straggler · instance 10"]
        );
        for (l, w) in [(&straggler, 6), (&friend, 1), (&friend, 0)] {
            assert!(fit(&cloud, l, w).chars().count() <= w.max(1), "{w}");
        }
    }

    #[test]
    fn an_instance_that_served_you_and_then_others_is_yours_first() {
        let mut cloud = run_with_roles(&["you", "friend", "crowd"]);
        cloud.meta.roles[2].count = 8;
        let served = |tasks: &[u32], n: u32| {
            let mut lane = numbered(LaneKind::Instance, n);
            for (i, &task) in tasks.iter().enumerate() {
                lane.note_role(cloud.meta.role_of(task));
                let at = i as u64 * 10;
                lane.push(crate::trace::Span {
                    task: Some(task),
                    state: crate::trace::State::Run,
                    reason: None,
                    start_ns: at,
                    end_ns: at + 5,
                });
            }
            lane
        };
        let lanes = [served(&[3], 3), served(&[1], 2), served(&[0, 4, 5], 1)];
        assert_eq!(fit(&cloud, &lanes[2], 18), "you +2 · inst 1");
        assert_eq!(fit(&cloud, &lanes[1], 18), "friend · inst 2");
        assert_eq!(fit(&cloud, &lanes[0], 18), "crowd · instance 3");
        assert_eq!(crate::present::words::lane_order(&cloud, &lanes), [2, 1, 0]);
        cloud.meta.roles[0].name = "someone".into();
        assert_eq!(fit(&cloud, &lanes[2], 18), "someo… +2 · inst 1");
    }

    #[test]
    fn group_names() {
        let none = Run::new(RunMeta::default());
        let tasks: Vec<Lane> = [0, 1, 24]
            .iter()
            .map(|&n| numbered(LaneKind::Task, n))
            .collect();
        let refs: Vec<&Lane> = tasks.iter().collect();
        let group = |run: &Run, lanes: &[&Lane]| Label::of_group(run, lanes).text(true, false);
        assert_eq!(group(&none, &refs), "task 0–24");
        let workers = [worker(1, 41), worker(3, 43), worker(2, 42)];
        let all: Vec<&Lane> = workers.iter().collect();
        assert_eq!(group(&none, &all), "process 1–3");
        assert_eq!(group(&none, &all[..2]), "process 1,3");
        let twins = [named("worker 2"), named("worker 2 (5)")];
        assert_eq!(group(&none, &[&twins[0], &twins[1]]), "worker 2 +1 more");
        let makers = run_with_roles(&["maker", "maker"]);
        let two = [
            with_role(numbered(LaneKind::Thread, 1), 0),
            with_role(numbered(LaneKind::Thread, 3), 0),
        ];
        assert_eq!(group(&makers, &[&two[0], &two[1]]), "maker · thread 1,3");
        let real = [named("MainThread"), named("Task-3 fetch")];
        assert_eq!(group(&none, &[&real[0], &real[1]]), "MainThread +1 more");
        let many: Vec<Lane> = (0..22).map(|_| named("MainThread")).collect();
        let many: Vec<&Lane> = many.iter().collect();
        assert_eq!(Label::of_group(&none, &many).fit(12, false), "Ma… +21 more");
        let grill = run_with_roles(&["grill"]);
        let range: Vec<Lane> = (10..=160)
            .map(|n| with_role(numbered(LaneKind::Thread, n), 0))
            .collect();
        let range: Vec<&Lane> = range.iter().collect();
        assert_eq!(
            Label::of_group(&grill, &range).fit(12, false),
            "gril… 10–160"
        );
    }
}
