//! Agenda capacity, slot times and what happens when a meeting is full
//! (AGD-01, AGD-02, AGD-07, SCHED-02).

use crate::policy::{CapacityUnit, Panel, WhenFull};
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

/// An item asking for a place on a meeting's agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    /// Children on the referral (Portsmouth counts each child).
    pub children: u32,
    /// Listed after the cut-off as an emergency or ratification.
    pub late_accepted: bool,
    /// The chair's priority when the meeting is over capacity: lower first.
    pub chair_priority: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub id: String,
    pub start: Option<NaiveDateTime>,
    pub end: Option<NaiveDateTime>,
    pub units: u32,
}

/// The planned agenda: what fits in running order, what waits on the chair, what rolls on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaPlan {
    pub slots: Vec<Slot>,
    /// Over capacity and waiting for the chair to prioritise (AGD-02).
    pub for_chair: Vec<String>,
    /// Over capacity and rolled to the next meeting.
    pub rolled: Vec<String>,
    pub units_used: u32,
    pub max_units: Option<u32>,
    pub booked_minutes: u32,
    pub available_minutes: u32,
    pub warnings: Vec<String>,
}

impl Candidate {
    fn units(&self, panel: &Panel) -> u32 {
        match panel.capacity.counts {
            CapacityUnit::Referral => 1,
            CapacityUnit::Child => self.children.max(1),
        }
    }

    fn uses_capacity(&self, panel: &Panel) -> bool {
        !self.late_accepted || panel.capacity.ratifications_use_slots
    }
}

/// Places `candidates` (in submission order) on a meeting starting at `start`.
/// Late-accepted items are always heard, first, in the reserved time; prioritised items next
/// in the chair's order; the rest in submission order until capacity runs out.
pub fn plan(panel: &Panel, start: NaiveDateTime, candidates: &[Candidate]) -> AgendaPlan {
    let cap = &panel.capacity;
    let available = panel
        .meetings
        .duration_minutes
        .saturating_sub(cap.reserved_minutes);
    let mut ordered: Vec<&Candidate> = candidates.iter().collect();
    // Stable sort keeps submission order among equals.
    ordered.sort_by_key(|c| (!c.late_accepted, c.chair_priority.unwrap_or(u32::MAX)));
    let mut slots = Vec::new();
    let mut over = Vec::new();
    let mut units_used = 0u32;
    let mut booked = 0u32;
    let mut clock = start;
    for c in ordered {
        let units = c.units(panel);
        let counts = c.uses_capacity(panel);
        let minutes = cap.slot_minutes.map(|s| s * units);
        let fits_items = !counts || cap.max_items.is_none_or(|m| units_used + units <= m);
        let fits_time = !counts || minutes.is_none_or(|m| booked + m <= available);
        if fits_items && fits_time {
            let (s, e) = match minutes {
                Some(m) => {
                    let end = clock + Duration::minutes(i64::from(m));
                    let slot = (Some(clock), Some(end));
                    clock = end;
                    slot
                }
                None => (None, None),
            };
            if counts {
                units_used += units;
                booked += minutes.unwrap_or(0);
            }
            slots.push(Slot {
                id: c.id.clone(),
                start: s,
                end: e,
                units,
            });
        } else {
            over.push(c.id.clone());
        }
    }
    let mut warnings = Vec::new();
    if let Some(w) = cap.warn_at
        && units_used >= w
    {
        warnings.push(format!(
            "{units_used} of {} places are booked: the agenda is at its warning level (AGD-01)",
            cap.max_items
                .map_or("unlimited".to_string(), |m| m.to_string())
        ));
    }
    let (for_chair, rolled) = match cap.when_full {
        WhenFull::ChairPrioritises => (over, Vec::new()),
        WhenFull::RollToNext => (Vec::new(), over),
    };
    if !for_chair.is_empty() {
        warnings.push(format!(
            "{} item(s) over capacity go to the chair to prioritise; items not prioritised roll to the next meeting and presenters are told (AGD-02)",
            for_chair.len()
        ));
    }
    AgendaPlan {
        slots,
        for_chair,
        rolled,
        units_used,
        max_units: cap.max_items,
        booked_minutes: booked,
        available_minutes: available,
        warnings,
    }
}

/// Whether one more item of `units` fits on a meeting already holding `used` units and
/// `booked` minutes: the check made when booking a slot (SCHED-02).
pub fn fits(panel: &Panel, used: u32, booked_minutes: u32, units: u32) -> bool {
    let cap = &panel.capacity;
    let available = panel
        .meetings
        .duration_minutes
        .saturating_sub(cap.reserved_minutes);
    cap.max_items.is_none_or(|m| used + units <= m)
        && cap
            .slot_minutes
            .is_none_or(|s| booked_minutes + s * units <= available)
}
