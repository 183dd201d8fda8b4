//! Who takes part: the chair by fallback order, declarations of interest and exclusions, and
//! notice of absence (MEM-03, MEM-04, MEM-06).

use crate::calendar::clock_hours_between;
use crate::policy::{Panel, Policy};
use chrono::NaiveDateTime;
use serde::Serialize;

/// A person at the meeting with the roles they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub person: String,
    pub roles: Vec<String>,
}

/// A declaration of interest in one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub person: String,
    pub item: String,
    pub nature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participation {
    pub chair: Option<String>,
    pub chair_role: Option<String>,
    pub deciding: Vec<String>,
    /// Person and the reason they are excluded from this item.
    pub excluded: Vec<(String, String)>,
    pub problems: Vec<String>,
}

/// Who chairs and who takes part in the decision on `item` (MEM-03, MEM-06).
pub fn participation(
    policy: &Policy,
    panel: &Panel,
    present: &[Attendee],
    declarations: &[Declaration],
    item: &str,
) -> Participation {
    let declared = |p: &str| {
        declarations
            .iter()
            .find(|d| d.person == p && d.item == item)
    };
    let excludes = panel.declarations.excludes_from_decision;
    let mut excluded = Vec::new();
    let mut deciding = Vec::new();
    for a in present {
        match declared(&a.person) {
            Some(d) if excludes => excluded.push((
                a.person.clone(),
                format!("declared an interest: {} (MEM-06)", d.nature),
            )),
            _ => deciding.push(a.person.clone()),
        }
    }
    let mut chair = None;
    let mut chair_role = None;
    'roles: for role in &panel.chair.eligible {
        for a in present {
            if deciding.contains(&a.person) && a.roles.iter().any(|r| r == role) {
                chair = Some(a.person.clone());
                chair_role = Some(role.clone());
                break 'roles;
            }
        }
    }
    let mut problems = Vec::new();
    if chair.is_none() {
        problems.push(format!(
            "No eligible chair is present and free of interest for this item: the chair must be {} (MEM-03)",
            panel
                .chair
                .eligible
                .iter()
                .map(|r| policy.role_label(r))
                .collect::<Vec<_>>()
                .join(", or else ")
        ));
    }
    Participation {
        chair,
        chair_role,
        deciding,
        excluded,
        problems,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbsenceNotice {
    pub hours_before: f64,
    pub short_notice: bool,
    pub cover_needed: bool,
    pub message: String,
}

/// A member's notice of absence, flagged when shorter than the panel's notice period (MEM-04).
pub fn absence_notice(
    panel: &Panel,
    meeting_start: NaiveDateTime,
    notified_at: NaiveDateTime,
) -> AbsenceNotice {
    let hours = clock_hours_between(notified_at, meeting_start);
    match &panel.absence {
        Some(rule) => {
            let short = hours < f64::from(rule.notice_hours);
            AbsenceNotice {
                hours_before: hours,
                short_notice: short,
                cover_needed: true,
                message: if short {
                    format!(
                        "Notice given {hours:.0} hours before the meeting, less than the {} hours asked for so cover can be organised (\"{}\", {})",
                        rule.notice_hours, rule.wording, rule.requirement
                    )
                } else {
                    format!(
                        "Notice given {hours:.0} hours before the meeting; a cover request is raised ({})",
                        rule.requirement
                    )
                },
            }
        }
        None => AbsenceNotice {
            hours_before: hours,
            short_notice: false,
            cover_needed: true,
            message: "Absence recorded; a cover request is raised (MEM-04)".into(),
        },
    }
}
