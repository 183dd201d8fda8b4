//! The policy data model: one council's terms of reference as typed data (CFG-01 to CFG-05).
//! Every rule a panel runs by is a value here; nothing about one council lives in code.

use crate::calendar::LeapDayBirthday;
use crate::money::Money;
use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One council's policy file.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The file format version; 1 today.
    pub schema: u32,
    pub council: Council,
    pub policy: PolicyVersion,
    #[serde(default)]
    pub settings: Settings,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    pub panels: Vec<Panel>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Council {
    pub id: String,
    pub name: String,
    /// The case-management system children's ids come from (REF-19).
    pub case_system: String,
}

/// Version and effective dates (CFG-03, CFG-04).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyVersion {
    pub version: String,
    #[serde(with = "date")]
    pub effective_from: NaiveDate,
    #[serde(default, with = "opt_date")]
    pub effective_to: Option<NaiveDate>,
    /// When the council's terms of reference are next due for review (CFG-04).
    #[serde(default, with = "opt_date")]
    pub tor_review_due: Option<NaiveDate>,
    /// The document(s) the policy transcribes.
    pub source: String,
}

/// Council-wide settings for readings that a policy owner must confirm.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// How a 29 February birthday counts in a common year (CAL-09).
    #[serde(default)]
    pub leap_day_birthday: LeapDayBirthday,
}

/// A role people hold in this council (MEM-01, AUTH-13).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: String,
    pub label: String,
    /// Lower roles whose authority this role may also exercise (AUTH-13).
    #[serde(default)]
    pub acts_for: Vec<String>,
}

/// A named contact, held as data rather than in code (CFG-05). Demo names are invented.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub role: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub panel: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub id: String,
    pub name: String,
    pub purpose: String,
    /// The role that administers the panel: coordinator, administrator, business support (MEM-07).
    pub administrator_role: String,
    /// A panel kept for history or superseded by another (CFG-03), still runnable.
    #[serde(default)]
    pub superseded_by: Option<String>,
    #[serde(default)]
    pub venue: Option<String>,
    pub meetings: Meetings,
    pub cutoff: Cutoff,
    #[serde(default)]
    pub papers: Option<Papers>,
    #[serde(default)]
    pub capacity: Capacity,
    pub chair: ChairRule,
    #[serde(default)]
    pub members: Vec<Member>,
    #[serde(default)]
    pub absence: Option<AbsenceRule>,
    #[serde(default)]
    pub declarations: Declarations,
    #[serde(default)]
    pub parts: Vec<Part>,
    pub categories: Vec<Category>,
    #[serde(default)]
    pub out_of_remit: Vec<OutOfRemit>,
    pub forms: Vec<Form>,
    #[serde(default)]
    pub signoffs: Vec<SignOffRule>,
    #[serde(default)]
    pub documents: Vec<DocumentRule>,
    #[serde(default)]
    pub readiness: Vec<ReadinessRule>,
    #[serde(default)]
    pub presenters: Vec<PresenterRule>,
    pub outcomes: Vec<Outcome>,
    pub decision: DecisionRules,
    pub reviews: ReviewSettings,
    pub emergency: EmergencyRules,
    #[serde(default)]
    pub authority: Vec<AuthorityRule>,
    #[serde(default)]
    pub links: Vec<PanelLink>,
    pub recording: Recording,
    #[serde(default)]
    pub agenda_order: Vec<String>,
}

/// How often the panel meets (CAL-05, CAL-06, CAL-07, AGD-06).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Meetings {
    pub pattern: Pattern,
    #[serde(default, with = "opt_weekday")]
    pub weekday: Option<Weekday>,
    /// For `monthly`: which occurrence of the weekday (1 = first, 5 = fifth, -1 = last).
    #[serde(default)]
    pub nth: Option<i32>,
    #[serde(with = "hhmm")]
    pub start: NaiveTime,
    pub duration_minutes: u32,
    pub on_bank_holiday: OnBankHoliday,
    /// Roles whose prior agreement is needed to cancel a meeting (CAL-07).
    pub cancellation_authorisers: Vec<String>,
    /// The first date the pattern runs from; meetings before it are not generated.
    #[serde(default, with = "opt_date")]
    pub from: Option<NaiveDate>,
    /// A note shown beside the pattern (for example an unstated time taken as a default).
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    Weekly,
    Monthly,
    AdHoc,
}

/// What happens when the pattern falls on a bank holiday (CAL-06).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OnBankHoliday {
    Skip,
    NextWorkingDay,
    Hold,
}

/// The submission cut-off (SCHED-01, CAL-02, CAL-04, SCHED-03 to SCHED-06).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cutoff {
    /// "N working days before" the meeting (CAL-02).
    #[serde(default)]
    pub working_days_before: Option<u32>,
    /// Or a fixed weekday before the meeting (CAL-04): the last such weekday at least
    /// `min_days_before` calendar days before the meeting date.
    #[serde(default, with = "opt_weekday")]
    pub weekday: Option<Weekday>,
    #[serde(default)]
    pub min_days_before: Option<u32>,
    /// The time of day the cut-off closes; "23:59" is the end of the day.
    #[serde(with = "hhmm")]
    pub time: NaiveTime,
    /// For a weekday cut-off that falls on a bank holiday (CAL-04).
    #[serde(default)]
    pub if_bank_holiday: Option<CutoffOnHoliday>,
    /// What happens to a referral submitted after the cut-off (SCHED-03, SIGN-08).
    pub late: LateRule,
    /// Kinds of referral listed at the next meeting even after its cut-off (SCHED-04 to SCHED-06).
    #[serde(default)]
    pub accept_late: Vec<LateAcceptance>,
    pub requirement: String,
    pub wording: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CutoffOnHoliday {
    PreviousWorkingDay,
    Keep,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LateRule {
    /// Listed for the next meeting whose cut-off it meets.
    RollToNext,
    /// Offered the next on-time meeting and sent to the chair to accept, reject or defer.
    ChairDecides,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LateAcceptance {
    pub kind: LateKind,
    /// How the item is shown on the agenda: accepted late as an emergency or a ratification.
    pub listed_as: LateListing,
    pub requirement: String,
    pub wording: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum LateKind {
    Emergency,
    Ratification,
    NewlyLookedAfter,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LateListing {
    Emergency,
    Ratification,
}

/// When papers go to members (PAP-01, PAP-02).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Papers {
    pub working_days_before: u32,
    /// Whether an application after circulation needs a chair override with a reason (PAP-02).
    #[serde(default)]
    pub after_circulation_needs_chair: bool,
    pub requirement: String,
    pub wording: String,
}

/// Agenda capacity (AGD-01, AGD-02, AGD-07).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    #[serde(default)]
    pub slot_minutes: Option<u32>,
    #[serde(default)]
    pub max_items: Option<u32>,
    /// The item count at which the coordinator is warned (E&W: the 5th).
    #[serde(default)]
    pub warn_at: Option<u32>,
    /// Minutes for ratifications and other business, not bookable by slots.
    #[serde(default)]
    pub reserved_minutes: u32,
    /// Whether capacity counts referrals or each child (Portsmouth counts children).
    #[serde(default)]
    pub counts: CapacityUnit,
    /// Whether late-accepted emergency and ratification items use a slot.
    #[serde(default)]
    pub ratifications_use_slots: bool,
    #[serde(default)]
    pub when_full: WhenFull,
    #[serde(default)]
    pub requirement: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum CapacityUnit {
    #[default]
    Referral,
    Child,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum WhenFull {
    /// The chair prioritises; items not prioritised roll to the next meeting (AGD-02).
    #[default]
    ChairPrioritises,
    RollToNext,
}

/// Who chairs (MEM-02, MEM-03).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChairRule {
    /// Roles eligible to chair, in fallback order: the first present chairs (MEM-03).
    pub eligible: Vec<String>,
    /// A rota: alternating sequences advancing by calendar week from `rota_anchor` (MEM-02).
    #[serde(default)]
    pub rota: Vec<Vec<String>>,
    /// The Monday of a week in which the first entry of the rota chairs.
    #[serde(default, with = "opt_date")]
    pub rota_anchor: Option<NaiveDate>,
    pub requirement: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub role: String,
    pub attendance: Attendance,
    #[serde(default)]
    pub partner_agency: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Attendance {
    Core,
    ServiceSpecific,
    Rota,
}

/// Notice of absence (MEM-04).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AbsenceRule {
    pub notice_hours: u32,
    pub requirement: String,
    pub wording: String,
}

/// Declarations of interest (MEM-06).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Declarations {
    pub required: bool,
    /// Whether a member who declared an interest is excluded from that item's decision.
    pub excludes_from_decision: bool,
    #[serde(default)]
    pub wording: Option<String>,
}

impl Default for Declarations {
    fn default() -> Self {
        Self {
            required: false,
            excludes_from_decision: true,
            wording: None,
        }
    }
}

/// A named part sharing one meeting (CFG-02).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub id: String,
    pub name: String,
    pub remit: String,
}

/// A remit category (REM-01, REF-18) with its review rule (REV-*).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub part: Option<String>,
    pub requirement: String,
    /// Forms this category may be referred on; the first is the default.
    pub forms: Vec<String>,
    /// Amount above which the request must come to this panel (AUTH-10).
    #[serde(default)]
    pub panel_threshold_over: Option<Money>,
    #[serde(default)]
    pub review: Option<ReviewRule>,
    #[serde(default)]
    pub high_cost: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// How an approval in a category comes back (REV-01 to REV-07, DEC-10).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReviewRule {
    pub kind: ReviewKind,
    /// For `every` and `within`: "3 months", "6 weeks", "12 months".
    #[serde(default)]
    pub interval: Option<String>,
    pub requirement: String,
    pub wording: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewKind {
    /// Reviewed at repeating intervals anchored to the decision date.
    Every,
    /// Must return once within the interval.
    Within,
    /// The chair sets a return date or frequency; the decision must carry one.
    ChairDirected,
    /// The chair may set a return date; none is required.
    ChairMay,
    /// Before a time-limited approval ends, a new application is needed.
    BeforeExpiry,
    /// The panel does not review; the worker is reminded to bring a new referral (REV-06).
    WorkerReminder,
    /// No review.
    None,
}

/// Work that this panel does not decide, and where it goes instead (REM-02, REM-04).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OutOfRemit {
    pub id: String,
    pub label: String,
    pub route: String,
    pub requirement: String,
}

/// A referral form template (REF-01 to REF-17).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub id: String,
    pub label: String,
    pub requirement: String,
    /// When this variant applies (for example Portsmouth's disability form).
    #[serde(default)]
    pub when: Option<Condition>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub hint: Option<String>,
    /// The section applies only when this holds.
    #[serde(default)]
    pub when: Option<Condition>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// Required only when this holds (REF-05: explanation when an answer is No).
    #[serde(default)]
    pub required_when: Option<Condition>,
    #[serde(default)]
    pub hint: Option<String>,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    /// Filled from the child's record, captured once (EQ-04) or derived (REF-05).
    #[serde(default)]
    pub source: Option<String>,
    /// For `group`: the columns of each row.
    #[serde(default)]
    pub columns: Vec<Column>,
    #[serde(default)]
    pub requirement: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    Text,
    Textarea,
    Date,
    YesNo,
    Money,
    Integer,
    Select,
    Scale,
    Group,
    /// Derived by the system, never typed (REF-05 age).
    Derived,
}

/// An ordered sign-off chain (SIGN-01 to SIGN-07). The first rule whose `when` holds applies.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SignOffRule {
    pub id: String,
    #[serde(default)]
    pub when: Option<Condition>,
    /// Roles that must sign, in order, after the referrer.
    pub chain: Vec<String>,
    /// Whether each sign-off carries a signature as well as name and date (SIGN-05).
    #[serde(default)]
    pub signature: bool,
    pub requirement: String,
    pub wording: String,
}

/// A document that must accompany a referral (REF-02, REF-16).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DocumentRule {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub when: Option<Condition>,
    /// The document must be dated on or after the panel date less this many months.
    #[serde(default)]
    pub max_age_months: Option<u32>,
    /// Whether missing it at the cut-off keeps the child off that agenda (SCHED-07).
    #[serde(default)]
    pub blocks_listing: bool,
    pub requirement: String,
}

/// A readiness check: when `when` holds, `require` must hold, or `message` is shown.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReadinessRule {
    pub id: String,
    #[serde(default)]
    pub when: Option<Condition>,
    pub require: Condition,
    pub message: String,
    pub requirement: String,
}

/// Who must present (AGD-05); unmet rules warn.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PresenterRule {
    pub id: String,
    #[serde(default)]
    pub when: Option<Condition>,
    /// Any one of these roles presents or attends.
    pub any_of: Vec<String>,
    pub message: String,
    pub requirement: String,
}

/// A condition over a referral's facts. Every key present must hold; `any`, `all` and
/// `not` combine conditions.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forms: Option<Vec<String>>,
    /// Completed years on the reference date, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_from: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_to: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub looked_after: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// SSDA903 legal status codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_status: Option<Vec<String>>,
    /// Form answers that must equal these values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
    /// Form fields that must have an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_over: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_up_to: Option<Money>,
    /// Someone in one of these roles has approved (signed off) the referral.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<Vec<String>>,
    /// These documents are attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<String>>,
    /// The panel date is before the child's birthday at this age (REF-17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panel_before_age: Option<u32>,
    /// The panel date is after the date given in this form field (REF-17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panel_after_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<Condition>>,
}

/// An outcome the panel may record (DEC-01, DEC-04, DEC-09).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub id: String,
    pub label: String,
    pub effect: OutcomeEffect,
    /// Approved resources with weekly cost and dates are required (DEC-03, DEC-04).
    #[serde(default)]
    pub requires_resources: bool,
    /// A return (review) date is required (DEC-10, REV-05).
    #[serde(default)]
    pub requires_return: bool,
    /// A later meeting must be chosen (SCHED-08).
    #[serde(default)]
    pub requires_meeting: bool,
    /// Only for ratifying interim decisions (DEC-09).
    #[serde(default)]
    pub ratification_only: bool,
    /// The outcome is the panel's onward referral to a linked panel (LNK-01).
    #[serde(default)]
    pub requires_link: bool,
    pub requirement: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeEffect {
    Approve,
    ApproveAlternative,
    Decline,
    Defer,
    FurtherWork,
    Refer,
    Advice,
    Ratify,
    Modify,
    Reverse,
    Remove,
}

/// What every decision must carry (DEC-02, DEC-03, DEC-08, EQ-01, EQ-03).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DecisionRules {
    pub rationale_required: bool,
    /// Numbered "the panel agreed that" lines on the form, if limited (Bexley: 6).
    #[serde(default)]
    pub max_lines: Option<u32>,
    /// Considerations each decision must record as considered (DEC-08, EQ-01, EQ-03).
    #[serde(default)]
    pub considerations: Vec<String>,
    /// Whether the chair signs expenditure authorisation on the decision (DEC-06).
    #[serde(default)]
    pub chair_signs_expenditure: bool,
    /// Guidance printed on the decision sheet (DEC-12).
    #[serde(default)]
    pub guidance: Option<String>,
    /// Projected costs are capped at this many weeks (REF-06).
    #[serde(default)]
    pub projection_cap_weeks: Option<u32>,
    /// Roles told when a decision approves resources (DEC-12, REC-03).
    #[serde(default)]
    pub notify_on_approval: Vec<String>,
    /// Roles that sign off the finance officer's running log of committed spend (FIN-02).
    #[serde(default)]
    pub finance_log_signed_off_by: Vec<String>,
    pub requirement: String,
}

/// How reviews are booked and what failing to return means (REV-07, REV-08).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReviewSettings {
    pub booking: ReviewBooking,
    #[serde(default)]
    pub failure_to_return: Option<String>,
    pub requirement: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewBooking {
    LatestOnOrBefore,
    FirstOnOrAfter,
}

/// Decisions between meetings and their ratification (EMG-01 to EMG-08).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EmergencyRules {
    /// Whether interim (chair's action) decisions exist for this panel (EMG-08: Bexley has none).
    pub interim_allowed: bool,
    /// Situations (authority rule ids) under which an interim decision may be taken.
    #[serde(default)]
    pub situations: Vec<String>,
    /// Outcomes available when ratifying (DEC-09).
    #[serde(default)]
    pub ratification_outcomes: Vec<String>,
    /// The authority situation assumed when a question names none.
    #[serde(default)]
    pub default_situation: Option<String>,
    pub requirement: String,
    pub wording: String,
}

/// Delegated authority: who may approve what, by situation, amount and age (AUTH-01 to AUTH-13).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuthorityRule {
    pub id: String,
    pub situation: String,
    pub label: String,
    #[serde(default)]
    pub amount_over: Option<Money>,
    #[serde(default)]
    pub amount_up_to: Option<Money>,
    #[serde(default)]
    pub age_from: Option<u32>,
    #[serde(default)]
    pub age_to: Option<u32>,
    /// Any one of these roles may approve.
    #[serde(default)]
    pub any_of: Vec<String>,
    /// Every one of these roles must agree (AUTH-07).
    #[serde(default)]
    pub all_of: Vec<String>,
    /// Roles that may act when the primary approver is absent, with the absence recorded (AUTH-12).
    #[serde(default)]
    pub in_absence: Vec<String>,
    /// The matter must come to the panel instead of being agreed by one person.
    #[serde(default)]
    pub to_panel: bool,
    /// An approval under this rule lasts only until the next meeting and is ratified there.
    #[serde(default)]
    pub interim: bool,
    /// Whether a higher role (acts_for) may exercise this authority (AUTH-13).
    #[serde(default = "yes")]
    pub higher_roles_may_act: bool,
    pub requirement: String,
    pub wording: String,
}

fn yes() -> bool {
    true
}

/// An onward panel (LNK-01 to LNK-04).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PanelLink {
    pub id: String,
    pub name: String,
    pub when: String,
    pub requirement: String,
}

/// Recording and distribution deadlines (REC-01, REC-02).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Recording {
    /// Working days after the panel by which the outcome is on the child's record.
    #[serde(default)]
    pub on_child_record_working_days: Option<u32>,
    /// Working days after the panel by which decision sheets go out.
    #[serde(default)]
    pub decision_sheet_working_days: Option<u32>,
    /// Whether minutes are always produced (REC-04).
    pub minutes: MinutesRule,
    /// Who receives minutes beyond members and presenters (REC-03, SEC-02).
    #[serde(default)]
    pub minutes_copy_to: Vec<String>,
    /// Presenting managers see minutes for their own items only (SEC-02 proposed).
    #[serde(default = "yes")]
    pub presenters_see_own_items_only: bool,
    pub requirement: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum MinutesRule {
    Always,
    WhereCapacityAllows,
}

impl Policy {
    pub fn panel(&self, id: &str) -> Option<&Panel> {
        self.panels.iter().find(|p| p.id == id)
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    pub fn role_label<'a>(&'a self, id: &'a str) -> &'a str {
        self.role(id).map_or(id, |r| r.label.as_str())
    }

    /// Whether `holder` may exercise authority given to `required`, directly or through the
    /// acts-for hierarchy (AUTH-13).
    pub fn role_covers(&self, holder: &str, required: &str) -> bool {
        let mut seen = Vec::new();
        let mut stack = vec![holder];
        while let Some(r) = stack.pop() {
            if r == required {
                return true;
            }
            if seen.contains(&r) {
                continue;
            }
            seen.push(r);
            if let Some(role) = self.role(r) {
                stack.extend(role.acts_for.iter().map(String::as_str));
            }
        }
        false
    }

    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        day >= self.policy.effective_from && self.policy.effective_to.is_none_or(|to| day <= to)
    }
}

impl Panel {
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.id == id)
    }

    pub fn form(&self, id: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.id == id)
    }

    pub fn part(&self, id: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.id == id)
    }
}

impl Form {
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.sections.iter().flat_map(|s| s.fields.iter())
    }
}

/// Serde helpers for "HH:MM" times.
pub mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(&text, "%H:%M").map_err(|_| {
            serde::de::Error::custom(format!(
                "'{text}' is not a time; write 24-hour HH:MM, for example \"14:00\" or \"23:59\""
            ))
        })
    }
}

/// Serde helpers for optional weekdays written "mon" to "sun".
pub mod opt_weekday {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(w: &Option<Weekday>, s: S) -> Result<S::Ok, S::Error> {
        match w {
            Some(w) => s.serialize_str(super::weekday_id(*w)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Weekday>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_weekday(&text).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "'{text}' is not a weekday; allowed: mon, tue, wed, thu, fri, sat, sun"
            ))
        })
    }
}

pub fn weekday_id(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

pub fn parse_weekday(text: &str) -> Option<Weekday> {
    match text.to_ascii_lowercase().as_str() {
        "mon" | "monday" => Some(Weekday::Mon),
        "tue" | "tuesday" => Some(Weekday::Tue),
        "wed" | "wednesday" => Some(Weekday::Wed),
        "thu" | "thursday" => Some(Weekday::Thu),
        "fri" | "friday" => Some(Weekday::Fri),
        "sat" | "saturday" => Some(Weekday::Sat),
        "sun" | "sunday" => Some(Weekday::Sun),
        _ => None,
    }
}

/// Dates written either as TOML dates (`2026-01-05`) or as strings (`"2026-01-05"`).
pub mod date {
    use chrono::NaiveDate;
    use serde::de::{self, MapAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serializer};
    use std::fmt;

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.format("%Y-%m-%d").to_string())
    }

    fn parse<E: de::Error>(text: &str) -> Result<NaiveDate, E> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            E::custom(format!(
                "'{text}' is not a date; write YYYY-MM-DD, for example 2026-01-05"
            ))
        })
    }

    struct DateVisitor;

    impl<'de> Visitor<'de> for DateVisitor {
        type Value = NaiveDate;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a date written YYYY-MM-DD")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<NaiveDate, E> {
            parse(v)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<NaiveDate, A::Error> {
            let dt =
                toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
            match (dt.date, dt.time) {
                (Some(d), None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                        .ok_or_else(|| de::Error::custom(format!("{dt} is not a date")))
                }
                _ => Err(de::Error::custom(format!(
                    "{dt} has a time; write a date alone, YYYY-MM-DD"
                ))),
            }
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        d.deserialize_any(DateVisitor)
    }
}

/// Optional dates, as [`date`].
pub mod opt_date {
    use chrono::NaiveDate;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::date::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        super::date::deserialize(d).map(Some)
    }
}

impl OnBankHoliday {
    pub fn describe(self) -> &'static str {
        match self {
            OnBankHoliday::Skip => "no meeting; items roll to the next meeting",
            OnBankHoliday::NextWorkingDay => "held on the next working day",
            OnBankHoliday::Hold => "held anyway",
        }
    }
}

impl LateRule {
    pub fn describe(self) -> &'static str {
        match self {
            LateRule::RollToNext => "listed for the next meeting whose cut-off it meets",
            LateRule::ChairDecides => {
                "offered the next on-time meeting; the chair accepts, rejects or defers it"
            }
        }
    }
}

impl WhenFull {
    pub fn describe(self) -> &'static str {
        match self {
            WhenFull::ChairPrioritises => {
                "the chair prioritises; items not prioritised roll to the next meeting"
            }
            WhenFull::RollToNext => "further items roll to the next meeting",
        }
    }
}

impl LateKind {
    pub fn describe(self) -> &'static str {
        match self {
            LateKind::Emergency => "emergency requests",
            LateKind::Ratification => "ratifications of decisions taken between meetings",
            LateKind::NewlyLookedAfter => "children newly looked after since the last panel",
        }
    }
}

impl ReviewBooking {
    pub fn describe(self) -> &'static str {
        match self {
            ReviewBooking::LatestOnOrBefore => "at the latest meeting on or before the due date",
            ReviewBooking::FirstOnOrAfter => "at the first meeting on or after the due date",
        }
    }
}
