//! Semantic checks of a parsed policy: every reference resolves, every rule is complete and
//! consistent. Structural problems (a typo in a key, a bare number for money) are caught by
//! the parser before this runs.

use super::interval::Interval;
use super::model::*;
use chrono::{Datelike, Weekday};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

/// A problem found by validation, located by key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub path: Vec<PathSeg>,
    pub message: String,
    pub allowed: Option<String>,
}

#[derive(Clone)]
struct Path(Vec<PathSeg>);

impl Path {
    fn root() -> Self {
        Path(Vec::new())
    }
    fn k(&self, key: &str) -> Self {
        let mut v = self.0.clone();
        v.push(PathSeg::Key(key.to_string()));
        Path(v)
    }
    fn i(&self, n: usize) -> Self {
        let mut v = self.0.clone();
        v.push(PathSeg::Index(n));
        Path(v)
    }
}

struct Checker<'a> {
    policy: &'a Policy,
    roles: BTreeSet<&'a str>,
    issues: Vec<Issue>,
}

impl Checker<'_> {
    fn err(&mut self, path: &Path, message: impl Into<String>, allowed: Option<String>) {
        self.issues.push(Issue {
            path: path.0.clone(),
            message: message.into(),
            allowed,
        });
    }

    fn role(&mut self, path: &Path, id: &str, what: &str) {
        if !self.roles.contains(id) {
            let allowed = Some(join(self.roles.iter().copied()));
            self.err(path, format!("unknown role '{id}' in {what}"), allowed);
        }
    }

    fn roles_list(&mut self, path: &Path, ids: &[String], what: &str) {
        for (n, id) in ids.iter().enumerate() {
            self.role(&path.i(n), id, what);
        }
    }
}

fn join<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let v: Vec<&str> = items.into_iter().collect();
    if v.is_empty() {
        "none are defined".to_string()
    } else {
        v.join(", ")
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_field_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks ids for form and uniqueness.
fn ids<'a>(c: &mut Checker<'_>, base: &Path, items: impl Iterator<Item = &'a str>, what: &str) {
    let mut seen = BTreeSet::new();
    for (n, id) in items.enumerate() {
        let p = base.i(n).k("id");
        if !is_id(id) {
            c.err(
                &p,
                format!("'{id}' is not a valid {what} id"),
                Some("lower-case letters, digits and hyphens, e.g. service-manager".into()),
            );
        }
        if !seen.insert(id) {
            c.err(&p, format!("{what} id '{id}' is used twice"), None);
        }
    }
}

pub fn validate(policy: &Policy) -> Vec<Issue> {
    let mut c = Checker {
        policy,
        roles: policy.roles.iter().map(|r| r.id.as_str()).collect(),
        issues: Vec::new(),
    };
    let root = Path::root();
    if policy.schema != 1 {
        c.err(
            &root.k("schema"),
            format!("schema {} is not supported", policy.schema),
            Some("1".into()),
        );
    }
    if !is_id(&policy.council.id) {
        c.err(
            &root.k("council").k("id"),
            format!("'{}' is not a valid council id", policy.council.id),
            Some("lower-case letters, digits and hyphens".into()),
        );
    }
    if let Some(to) = policy.policy.effective_to
        && to < policy.policy.effective_from
    {
        c.err(
            &root.k("policy").k("effective_to"),
            format!(
                "effective_to {to} is before effective_from {}",
                policy.policy.effective_from
            ),
            None,
        );
    }
    ids(
        &mut c,
        &root.k("roles"),
        policy.roles.iter().map(|r| r.id.as_str()),
        "role",
    );
    for (n, role) in policy.roles.iter().enumerate() {
        c.roles_list(
            &root.k("roles").i(n).k("acts_for"),
            &role.acts_for,
            "acts_for",
        );
    }
    for (n, contact) in policy.contacts.iter().enumerate() {
        c.role(
            &root.k("contacts").i(n).k("role"),
            &contact.role,
            "a contact",
        );
        if let Some(panel) = &contact.panel
            && policy.panel(panel).is_none()
        {
            c.err(
                &root.k("contacts").i(n).k("panel"),
                format!("unknown panel '{panel}'"),
                Some(join(policy.panels.iter().map(|p| p.id.as_str()))),
            );
        }
    }
    if policy.panels.is_empty() {
        c.err(
            &root.k("panels"),
            "a policy must define at least one panel",
            None,
        );
    }
    ids(
        &mut c,
        &root.k("panels"),
        policy.panels.iter().map(|p| p.id.as_str()),
        "panel",
    );
    for (n, panel) in policy.panels.iter().enumerate() {
        panel_checks(&mut c, &root.k("panels").i(n), panel);
    }
    c.issues
}

fn panel_checks(c: &mut Checker<'_>, p: &Path, panel: &Panel) {
    let policy = c.policy;
    c.role(
        &p.k("administrator_role"),
        &panel.administrator_role,
        "administrator_role",
    );
    if let Some(next) = &panel.superseded_by
        && policy.panel(next).is_none()
    {
        c.err(
            &p.k("superseded_by"),
            format!("unknown panel '{next}'"),
            Some(join(policy.panels.iter().map(|p| p.id.as_str()))),
        );
    }
    meetings_checks(c, &p.k("meetings"), &panel.meetings);
    cutoff_checks(c, &p.k("cutoff"), panel);
    capacity_checks(c, &p.k("capacity"), panel);
    chair_checks(c, &p.k("chair"), &panel.chair);
    for (n, m) in panel.members.iter().enumerate() {
        c.role(&p.k("members").i(n).k("role"), &m.role, "members");
    }
    ids(
        c,
        &p.k("parts"),
        panel.parts.iter().map(|x| x.id.as_str()),
        "part",
    );
    ids(
        c,
        &p.k("forms"),
        panel.forms.iter().map(|x| x.id.as_str()),
        "form",
    );
    ids(
        c,
        &p.k("categories"),
        panel.categories.iter().map(|x| x.id.as_str()),
        "category",
    );
    ids(
        c,
        &p.k("outcomes"),
        panel.outcomes.iter().map(|x| x.id.as_str()),
        "outcome",
    );
    ids(
        c,
        &p.k("documents"),
        panel.documents.iter().map(|x| x.id.as_str()),
        "document",
    );
    ids(
        c,
        &p.k("readiness"),
        panel.readiness.iter().map(|x| x.id.as_str()),
        "readiness rule",
    );
    ids(
        c,
        &p.k("signoffs"),
        panel.signoffs.iter().map(|x| x.id.as_str()),
        "sign-off rule",
    );
    ids(
        c,
        &p.k("authority"),
        panel.authority.iter().map(|x| x.id.as_str()),
        "authority rule",
    );
    ids(
        c,
        &p.k("out_of_remit"),
        panel.out_of_remit.iter().map(|x| x.id.as_str()),
        "out-of-remit",
    );
    ids(
        c,
        &p.k("links"),
        panel.links.iter().map(|x| x.id.as_str()),
        "link",
    );
    ids(
        c,
        &p.k("presenters"),
        panel.presenters.iter().map(|x| x.id.as_str()),
        "presenter rule",
    );
    if panel.categories.is_empty() {
        c.err(
            &p.k("categories"),
            "a panel needs at least one remit category",
            None,
        );
    }
    if panel.outcomes.is_empty() {
        c.err(&p.k("outcomes"), "a panel needs at least one outcome", None);
    }
    let forms: Vec<&str> = panel.forms.iter().map(|f| f.id.as_str()).collect();
    let parts: Vec<&str> = panel.parts.iter().map(|f| f.id.as_str()).collect();
    for (n, cat) in panel.categories.iter().enumerate() {
        let cp = p.k("categories").i(n);
        match (&cat.part, parts.is_empty()) {
            (Some(part), _) if !parts.contains(&part.as_str()) => c.err(
                &cp.k("part"),
                format!("unknown part '{part}'"),
                Some(join(parts.iter().copied())),
            ),
            (None, false) => c.err(
                &cp,
                format!(
                    "category '{}' must say which part it belongs to, as this panel has parts",
                    cat.id
                ),
                Some(join(parts.iter().copied())),
            ),
            _ => {}
        }
        if cat.forms.is_empty() {
            c.err(
                &cp.k("forms"),
                format!("category '{}' names no referral form", cat.id),
                Some(join(forms.iter().copied())),
            );
        }
        for (m, f) in cat.forms.iter().enumerate() {
            if !forms.contains(&f.as_str()) {
                c.err(
                    &cp.k("forms").i(m),
                    format!("unknown form '{f}'"),
                    Some(join(forms.iter().copied())),
                );
            }
        }
        review_checks(c, &cp, cat);
    }
    for (n, form) in panel.forms.iter().enumerate() {
        form_checks(c, &p.k("forms").i(n), panel, form);
    }
    for (n, s) in panel.signoffs.iter().enumerate() {
        let sp = p.k("signoffs").i(n);
        c.roles_list(&sp.k("chain"), &s.chain, "a sign-off chain");
        if let Some(w) = &s.when {
            cond_checks(c, &sp.k("when"), panel, w);
        }
    }
    for (n, d) in panel.documents.iter().enumerate() {
        if let Some(w) = &d.when {
            cond_checks(c, &p.k("documents").i(n).k("when"), panel, w);
        }
    }
    for (n, r) in panel.readiness.iter().enumerate() {
        let rp = p.k("readiness").i(n);
        if let Some(w) = &r.when {
            cond_checks(c, &rp.k("when"), panel, w);
        }
        cond_checks(c, &rp.k("require"), panel, &r.require);
    }
    for (n, r) in panel.presenters.iter().enumerate() {
        let rp = p.k("presenters").i(n);
        if r.any_of.is_empty() {
            c.err(
                &rp.k("any_of"),
                "a presenter rule needs at least one role",
                None,
            );
        }
        c.roles_list(&rp.k("any_of"), &r.any_of, "a presenter rule");
        if let Some(w) = &r.when {
            cond_checks(c, &rp.k("when"), panel, w);
        }
    }
    c.roles_list(
        &p.k("decision").k("notify_on_approval"),
        &panel.decision.notify_on_approval,
        "notify_on_approval",
    );
    c.roles_list(
        &p.k("decision").k("finance_log_signed_off_by"),
        &panel.decision.finance_log_signed_off_by,
        "finance_log_signed_off_by",
    );
    c.roles_list(
        &p.k("recording").k("minutes_copy_to"),
        &panel.recording.minutes_copy_to,
        "minutes_copy_to",
    );
    for (n, o) in panel.outcomes.iter().enumerate() {
        let is_ratification = matches!(
            o.effect,
            OutcomeEffect::Ratify | OutcomeEffect::Modify | OutcomeEffect::Reverse
        );
        if o.ratification_only && !is_ratification {
            c.err(
                &p.k("outcomes").i(n).k("ratification_only"),
                format!(
                    "outcome '{}' is ratification-only but its effect is not ratify, modify or reverse",
                    o.id
                ),
                Some("effect = ratify, modify or reverse".into()),
            );
        }
        if o.requires_link && panel.links.is_empty() {
            c.err(
                &p.k("outcomes").i(n).k("requires_link"),
                format!(
                    "outcome '{}' refers onward but the panel has no [[panels.links]]",
                    o.id
                ),
                None,
            );
        }
    }
    authority_checks(c, p, panel);
    emergency_checks(c, &p.k("emergency"), panel);
}

fn meetings_checks(c: &mut Checker<'_>, p: &Path, m: &Meetings) {
    match m.pattern {
        Pattern::Weekly => {
            if m.weekday.is_none() {
                c.err(
                    &p.k("weekday"),
                    "a weekly pattern needs a weekday",
                    Some("mon, tue, wed, thu, fri".into()),
                );
            }
            if m.nth.is_some() {
                c.err(
                    &p.k("nth"),
                    "nth is only for a monthly pattern",
                    Some("remove nth, or pattern = \"monthly\"".into()),
                );
            }
        }
        Pattern::Monthly => {
            if m.weekday.is_none() {
                c.err(
                    &p.k("weekday"),
                    "a monthly pattern needs a weekday",
                    Some("mon, tue, wed, thu, fri".into()),
                );
            }
            match m.nth {
                Some(n) if (1..=5).contains(&n) || n == -1 => {}
                Some(n) => c.err(
                    &p.k("nth"),
                    format!("nth = {n} is not an occurrence in a month"),
                    Some("1 to 5, or -1 for the last".into()),
                ),
                None => c.err(
                    &p.k("nth"),
                    "a monthly pattern needs nth, which occurrence of the weekday",
                    Some("1 to 5, or -1 for the last".into()),
                ),
            }
        }
        Pattern::AdHoc => {}
    }
    if matches!(m.weekday, Some(Weekday::Sat | Weekday::Sun)) {
        c.err(
            &p.k("weekday"),
            "panels meet on working days",
            Some("mon, tue, wed, thu, fri".into()),
        );
    }
    if m.duration_minutes == 0 || m.duration_minutes > 24 * 60 {
        c.err(
            &p.k("duration_minutes"),
            format!("{} minutes is not a meeting length", m.duration_minutes),
            Some("1 to 1440".into()),
        );
    }
    if m.cancellation_authorisers.is_empty() {
        c.err(
            &p.k("cancellation_authorisers"),
            "a meeting can only be cancelled with a recorded authoriser (CAL-07); name at least one role",
            None,
        );
    }
    c.roles_list(
        &p.k("cancellation_authorisers"),
        &m.cancellation_authorisers,
        "cancellation_authorisers",
    );
}

fn cutoff_checks(c: &mut Checker<'_>, p: &Path, panel: &Panel) {
    let cut = &panel.cutoff;
    let start = panel.meetings.start;
    match (cut.working_days_before, cut.weekday) {
        (Some(_), Some(_)) => c.err(
            p,
            "a cut-off is either working_days_before or a weekday, not both",
            Some("working_days_before = N, or weekday = \"fri\"".into()),
        ),
        (None, None) => c.err(
            p,
            "the cut-off needs working_days_before or weekday",
            Some("working_days_before = N, or weekday = \"fri\"".into()),
        ),
        (Some(0), None) if cut.time >= start => c.err(
            &p.k("time"),
            format!(
                "the cut-off at {} on the meeting day is after its meeting, which starts at {}",
                cut.time.format("%H:%M"),
                start.format("%H:%M")
            ),
            Some(format!("a time before {}", start.format("%H:%M"))),
        ),
        (None, Some(w)) => {
            let min = cut.min_days_before.unwrap_or(1);
            if min == 0 && Some(w) == panel.meetings.weekday && cut.time >= start {
                c.err(
                    &p.k("time"),
                    format!(
                        "the cut-off at {} on the meeting day is after its meeting, which starts at {}",
                        cut.time.format("%H:%M"),
                        start.format("%H:%M")
                    ),
                    Some(format!(
                        "min_days_before >= 1, or a time before {}",
                        start.format("%H:%M")
                    )),
                );
            }
            if min > 28 {
                c.err(
                    &p.k("min_days_before"),
                    format!("{min} days is further back than a cut-off can reach"),
                    Some("0 to 28".into()),
                );
            }
        }
        _ => {}
    }
    if cut.working_days_before.is_some() {
        if cut.min_days_before.is_some() {
            c.err(
                &p.k("min_days_before"),
                "min_days_before applies only to a weekday cut-off",
                None,
            );
        }
        if cut.if_bank_holiday.is_some() {
            c.err(
                &p.k("if_bank_holiday"),
                "a working-day cut-off already skips bank holidays; if_bank_holiday is for weekday cut-offs",
                None,
            );
        }
    }
    if let Some(n) = cut.working_days_before
        && n > 20
    {
        c.err(
            &p.k("working_days_before"),
            format!("{n} working days is further back than a cut-off can reach"),
            Some("0 to 20".into()),
        );
    }
    let mut kinds = BTreeSet::new();
    for (n, a) in cut.accept_late.iter().enumerate() {
        if !kinds.insert(a.kind) {
            c.err(
                &p.k("accept_late").i(n).k("kind"),
                "this kind is listed twice",
                None,
            );
        }
    }
    if let Some(papers) = &panel.papers
        && papers.working_days_before > 20
    {
        c.err(
            &p.k("papers").k("working_days_before"),
            "papers cannot go out more than 20 working days before",
            Some("0 to 20".into()),
        );
    }
}

fn capacity_checks(c: &mut Checker<'_>, p: &Path, panel: &Panel) {
    let cap = &panel.capacity;
    if let (Some(warn), Some(max)) = (cap.warn_at, cap.max_items)
        && warn > max
    {
        c.err(
            &p.k("warn_at"),
            format!("warn_at {warn} is above max_items {max}"),
            Some(format!("1 to {max}")),
        );
    }
    if let Some(0) = cap.max_items {
        c.err(
            &p.k("max_items"),
            "max_items of 0 lets nothing be heard",
            Some("at least 1".into()),
        );
    }
    if let Some(0) = cap.slot_minutes {
        c.err(
            &p.k("slot_minutes"),
            "a slot of 0 minutes",
            Some("at least 1".into()),
        );
    }
    if let (Some(slot), Some(max)) = (cap.slot_minutes, cap.max_items) {
        let need = slot * max + cap.reserved_minutes;
        if need > panel.meetings.duration_minutes {
            c.err(
                &p.k("max_items"),
                format!(
                    "{max} slots of {slot} minutes plus {} reserved is {need} minutes, longer than the {}-minute meeting",
                    cap.reserved_minutes, panel.meetings.duration_minutes
                ),
                Some(format!(
                    "at most {} items",
                    panel.meetings.duration_minutes.saturating_sub(cap.reserved_minutes) / slot
                )),
            );
        }
    }
}

fn chair_checks(c: &mut Checker<'_>, p: &Path, chair: &ChairRule) {
    if chair.eligible.is_empty() {
        c.err(
            &p.k("eligible"),
            "a meeting cannot open without an eligible chair (MEM-03); name at least one role",
            None,
        );
    }
    c.roles_list(&p.k("eligible"), &chair.eligible, "chair.eligible");
    for (n, entry) in chair.rota.iter().enumerate() {
        if entry.is_empty() {
            c.err(&p.k("rota").i(n), "a rota entry names no chair", None);
        }
        c.roles_list(&p.k("rota").i(n), entry, "the chair rota");
    }
    match (chair.rota.is_empty(), chair.rota_anchor) {
        (false, None) => c.err(
            &p.k("rota_anchor"),
            "a rota needs rota_anchor, the Monday of a week the first entry chairs",
            None,
        ),
        (_, Some(d)) if d.weekday() != Weekday::Mon => c.err(
            &p.k("rota_anchor"),
            format!(
                "rota_anchor {d} is a {}, not a Monday",
                weekday_name(d.weekday())
            ),
            None,
        ),
        _ => {}
    }
}

fn review_checks(c: &mut Checker<'_>, cp: &Path, cat: &Category) {
    let allowed = "[panels.categories.review] with kind = every, within, chair-directed, chair-may, before-expiry, worker-reminder or none";
    let Some(review) = &cat.review else {
        c.err(
            cp,
            format!("category '{}' has no review rule", cat.id),
            Some(allowed.into()),
        );
        return;
    };
    let needs_interval = matches!(
        review.kind,
        ReviewKind::Every | ReviewKind::Within | ReviewKind::WorkerReminder
    );
    match (&review.interval, needs_interval) {
        (Some(text), _) => {
            if let Err(e) = Interval::parse(text) {
                c.err(
                    &cp.k("review").k("interval"),
                    e,
                    Some("\"3 months\", \"6 weeks\", \"1 year\"".into()),
                );
            }
        }
        (None, true) => c.err(
            &cp.k("review"),
            format!("a review of kind {:?} needs an interval", review.kind).to_lowercase(),
            Some("interval = \"3 months\"".into()),
        ),
        (None, false) => {}
    }
}

fn form_checks(c: &mut Checker<'_>, fp: &Path, panel: &Panel, form: &Form) {
    let mut seen = BTreeSet::new();
    if let Some(w) = &form.when {
        cond_checks(c, &fp.k("when"), panel, w);
    }
    for (s, section) in form.sections.iter().enumerate() {
        let sp = fp.k("sections").i(s);
        if let Some(w) = &section.when {
            cond_checks(c, &sp.k("when"), panel, w);
        }
        for (n, field) in section.fields.iter().enumerate() {
            let p = sp.k("fields").i(n);
            if !is_field_id(&field.id) {
                c.err(
                    &p.k("id"),
                    format!("'{}' is not a valid field id", field.id),
                    Some("lower-case letters, digits and underscores".into()),
                );
            }
            if !seen.insert(field.id.as_str()) {
                c.err(
                    &p.k("id"),
                    format!("field '{}' appears twice in form '{}'", field.id, form.id),
                    None,
                );
            }
            match field.kind {
                FieldKind::Select if field.options.is_empty() => c.err(
                    &p.k("options"),
                    format!("select field '{}' has no options", field.id),
                    None,
                ),
                FieldKind::Scale => match (field.min, field.max) {
                    (Some(a), Some(b)) if a < b => {}
                    _ => c.err(
                        &p,
                        format!("scale field '{}' needs min < max", field.id),
                        Some("min = 0, max = 10".into()),
                    ),
                },
                FieldKind::Group if field.columns.is_empty() => c.err(
                    &p.k("columns"),
                    format!("group field '{}' has no columns", field.id),
                    None,
                ),
                _ => {}
            }
            if let Some(w) = &field.required_when {
                cond_checks(c, &p.k("required_when"), panel, w);
            }
        }
    }
}

fn all_field_ids(panel: &Panel) -> BTreeSet<&str> {
    panel
        .forms
        .iter()
        .flat_map(|f| f.fields())
        .map(|f| f.id.as_str())
        .collect()
}

fn cond_checks(c: &mut Checker<'_>, p: &Path, panel: &Panel, cond: &Condition) {
    let check_ids = |c: &mut Checker<'_>,
                     key: &str,
                     ids: &Option<Vec<String>>,
                     known: Vec<&str>,
                     what: &str| {
        if let Some(list) = ids {
            for (n, id) in list.iter().enumerate() {
                if !known.contains(&id.as_str()) {
                    c.err(
                        &p.k(key).i(n),
                        format!("unknown {what} '{id}'"),
                        Some(join(known.iter().copied())),
                    );
                }
            }
        }
    };
    check_ids(
        c,
        "categories",
        &cond.categories,
        panel.categories.iter().map(|x| x.id.as_str()).collect(),
        "category",
    );
    check_ids(
        c,
        "parts",
        &cond.parts,
        panel.parts.iter().map(|x| x.id.as_str()).collect(),
        "part",
    );
    check_ids(
        c,
        "forms",
        &cond.forms,
        panel.forms.iter().map(|x| x.id.as_str()).collect(),
        "form",
    );
    check_ids(
        c,
        "documents",
        &cond.documents,
        panel.documents.iter().map(|x| x.id.as_str()).collect(),
        "document",
    );
    let fields = all_field_ids(panel);
    check_ids(
        c,
        "answered",
        &cond.answered,
        fields.iter().copied().collect(),
        "form field",
    );
    if let Some(map) = &cond.fields {
        for key in map.keys() {
            if !fields.contains(key.as_str()) {
                c.err(
                    &p.k("fields").k(key),
                    format!("unknown form field '{key}'"),
                    Some(join(fields.iter().copied())),
                );
            }
        }
    }
    if let Some(f) = &cond.panel_after_field
        && !fields.contains(f.as_str())
    {
        c.err(
            &p.k("panel_after_field"),
            format!("unknown form field '{f}'"),
            Some(join(fields.iter().copied())),
        );
    }
    if let Some(roles) = &cond.approved_by {
        c.roles_list(&p.k("approved_by"), roles, "approved_by");
    }
    if let (Some(a), Some(b)) = (cond.age_from, cond.age_to)
        && a > b
    {
        c.err(
            &p.k("age_from"),
            format!("age_from {a} is above age_to {b}"),
            None,
        );
    }
    if let (Some(a), Some(b)) = (cond.amount_over, cond.amount_up_to)
        && a >= b
    {
        c.err(
            &p.k("amount_over"),
            format!("no amount is over {} and up to {}", a, b),
            None,
        );
    }
    for (key, list) in [("any", &cond.any), ("all", &cond.all)] {
        if let Some(list) = list {
            if list.is_empty() {
                c.err(
                    &p.k(key),
                    format!("'{key}' needs at least one condition"),
                    None,
                );
            }
            for (n, sub) in list.iter().enumerate() {
                cond_checks(c, &p.k(key).i(n), panel, sub);
            }
        }
    }
    if let Some(sub) = &cond.not {
        cond_checks(c, &p.k("not"), panel, sub);
    }
}

fn authority_checks(c: &mut Checker<'_>, p: &Path, panel: &Panel) {
    for (n, rule) in panel.authority.iter().enumerate() {
        let rp = p.k("authority").i(n);
        if !is_id(&rule.situation) {
            c.err(
                &rp.k("situation"),
                format!("'{}' is not a valid situation id", rule.situation),
                Some("lower-case letters, digits and hyphens".into()),
            );
        }
        c.roles_list(&rp.k("any_of"), &rule.any_of, "an authority rule");
        c.roles_list(&rp.k("all_of"), &rule.all_of, "an authority rule");
        c.roles_list(&rp.k("in_absence"), &rule.in_absence, "an authority rule");
        if !rule.to_panel && rule.any_of.is_empty() && rule.all_of.is_empty() {
            c.err(
                &rp,
                format!(
                    "authority rule '{}' names no approver and does not send the matter to panel",
                    rule.id
                ),
                Some("any_of = [roles], all_of = [roles], or to_panel = true".into()),
            );
        }
        if rule.to_panel && rule.interim {
            c.err(
                &rp.k("interim"),
                "a matter that must go to panel cannot also be an interim approval",
                None,
            );
        }
        if let (Some(a), Some(b)) = (rule.amount_over, rule.amount_up_to)
            && a >= b
        {
            c.err(
                &rp.k("amount_over"),
                format!("no amount is over {a} and up to {b}"),
                None,
            );
        }
        if let (Some(a), Some(b)) = (rule.age_from, rule.age_to)
            && a > b
        {
            c.err(
                &rp.k("age_from"),
                format!("age_from {a} is above age_to {b}"),
                None,
            );
        }
    }
}

fn emergency_checks(c: &mut Checker<'_>, p: &Path, panel: &Panel) {
    let e = &panel.emergency;
    let situations: BTreeSet<&str> = panel
        .authority
        .iter()
        .map(|a| a.situation.as_str())
        .collect();
    if !e.interim_allowed && !e.situations.is_empty() {
        c.err(
            &p.k("situations"),
            "interim decisions are not allowed on this panel, so it has no interim situations",
            Some("situations = [] or interim_allowed = true".into()),
        );
    }
    for (n, s) in e.situations.iter().enumerate() {
        if !situations.contains(s.as_str()) {
            c.err(
                &p.k("situations").i(n),
                format!("unknown situation '{s}'"),
                Some(join(situations.iter().copied())),
            );
        }
    }
    if let Some(s) = &e.default_situation
        && !situations.contains(s.as_str())
    {
        c.err(
            &p.k("default_situation"),
            format!("unknown situation '{s}'"),
            Some(join(situations.iter().copied())),
        );
    }
    for (n, id) in e.ratification_outcomes.iter().enumerate() {
        match panel.outcome(id) {
            None => c.err(
                &p.k("ratification_outcomes").i(n),
                format!("unknown outcome '{id}'"),
                Some(join(panel.outcomes.iter().map(|o| o.id.as_str()))),
            ),
            Some(o)
                if !matches!(
                    o.effect,
                    OutcomeEffect::Ratify | OutcomeEffect::Modify | OutcomeEffect::Reverse
                ) =>
            {
                c.err(
                    &p.k("ratification_outcomes").i(n),
                    format!("outcome '{id}' does not ratify, modify or reverse"),
                    None,
                )
            }
            _ => {}
        }
    }
    if e.interim_allowed && e.ratification_outcomes.is_empty() {
        c.err(
            &p.k("ratification_outcomes"),
            "interim decisions must be ratified at the next meeting (DEC-09); name the ratify, modify and reverse outcomes",
            None,
        );
    }
}
