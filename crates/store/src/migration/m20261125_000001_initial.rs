//! The initial schema: councils, people, children, referrals, meetings, decisions, money,
//! interim decisions, the outbox, sessions and the audit chain. Money is integer pence;
//! timestamps are UTC; ids are UUIDv7 text; enums are text.

use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Council {
    Table,
    Id,
    Name,
    PolicyVersion,
    AuditSeq,
    AuditHead,
}

#[derive(DeriveIden)]
enum Team {
    Table,
    Id,
    CouncilId,
    Name,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
    CouncilId,
    TeamId,
    Name,
    Email,
    PasswordHash,
    Active,
    FailedLogins,
    LockedUntil,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PersonRole {
    Table,
    Id,
    PersonId,
    Role,
    PanelId,
}

#[derive(DeriveIden)]
enum Child {
    Table,
    Id,
    CouncilId,
    CaseSystem,
    CaseSystemId,
    Name,
    DateOfBirth,
    Sex,
    Ethnicity,
    Disability,
    LegalStatus,
    LookedAfter,
    TeamId,
    CreatedAt,
}

#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)]
enum Meeting {
    Table,
    Id,
    CouncilId,
    PanelId,
    StartsAt,
    MeetingDate,
    Cutoff,
    Status,
    UnitsUsed,
    BookedMinutes,
    CancelledBy,
    CancelReason,
    PapersCirculatedAt,
    Version,
}

#[derive(DeriveIden)]
enum Referral {
    Table,
    Id,
    CouncilId,
    PanelId,
    Part,
    Category,
    ChildId,
    TeamId,
    AuthorId,
    FormId,
    Answers,
    AmountPence,
    Children,
    Emergency,
    Ratification,
    NewlyLookedAfter,
    State,
    StateDetail,
    SignOffChain,
    SubmittedAt,
    MeetingId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReferralVersion {
    Table,
    Id,
    ReferralId,
    Version,
    Answers,
    SavedBy,
    SavedAt,
}

#[derive(DeriveIden)]
enum Attachment {
    Table,
    Id,
    ReferralId,
    DocumentId,
    Filename,
    ContentType,
    SizeBytes,
    WrittenOn,
    Data,
    UploadedBy,
    UploadedAt,
}

#[derive(DeriveIden)]
enum SignOff {
    Table,
    Id,
    ReferralId,
    Step,
    Role,
    PersonId,
    Outcome,
    Comments,
    SignedAt,
}

#[derive(DeriveIden)]
enum AgendaItem {
    Table,
    Id,
    MeetingId,
    ReferralId,
    Kind,
    Position,
    SlotStart,
    SlotEnd,
    Units,
    Status,
    ChairPriority,
    Note,
}

#[derive(DeriveIden)]
enum Attendance {
    Table,
    Id,
    MeetingId,
    PersonId,
    Role,
    Status,
    CoverFor,
    NotifiedAt,
}

#[derive(DeriveIden)]
enum Declaration {
    Table,
    Id,
    MeetingId,
    AgendaItemId,
    PersonId,
    Nature,
    DeclaredAt,
}

#[derive(DeriveIden)]
enum Decision {
    Table,
    Id,
    CouncilId,
    PanelId,
    AgendaItemId,
    ReferralId,
    Outcome,
    Rationale,
    Lines,
    Conditions,
    ReturnDate,
    DeferTo,
    Link,
    TotalPence,
    WeeklyPence,
    PolicyVersion,
    DecidedBy,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Commitment {
    Table,
    Id,
    CouncilId,
    PanelId,
    DecisionId,
    Category,
    Description,
    WeeklyPence,
    OneOffPence,
    TotalPence,
    StartDate,
    EndDate,
    CostCentre,
    SignedOffBy,
    SignedOffAt,
}

#[derive(DeriveIden)]
enum Action {
    Table,
    Id,
    DecisionId,
    Description,
    Owner,
    DueDate,
    Status,
    CompletedAt,
}

#[derive(DeriveIden)]
enum Review {
    Table,
    Id,
    CouncilId,
    DecisionId,
    ReferralId,
    DueDate,
    MeetingId,
    Kind,
    Status,
    Repeats,
}

#[derive(DeriveIden)]
enum InterimDecision {
    Table,
    Id,
    CouncilId,
    PanelId,
    ChildId,
    ReferralId,
    Situation,
    ApproverId,
    ApproverRole,
    InAbsenceOf,
    AbsenceReason,
    AmountPence,
    Request,
    WhyUrgent,
    DecidedAt,
    ValidUntil,
    RatificationMeetingId,
    Status,
    PolicyVersion,
    Rule,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    CouncilId,
    Kind,
    Recipient,
    Subject,
    Body,
    CreatedAt,
    SentAt,
    Attempts,
    LastError,
    LeaseUntil,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    PersonId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    CouncilId,
    Seq,
    At,
    ActorId,
    Action,
    Entity,
    EntityId,
    Detail,
    PrevHash,
    Hash,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Council::Table)
                .col(string(Council::Id).primary_key())
                .col(string(Council::Name))
                .col(string(Council::PolicyVersion))
                .col(big_integer(Council::AuditSeq).default(0i64))
                .col(string(Council::AuditHead))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Team::Table)
                .col(string(Team::Id).primary_key())
                .col(string(Team::CouncilId))
                .col(string(Team::Name))
                .foreign_key(&mut fk(
                    "fk_team_council",
                    (Team::Table, Team::CouncilId),
                    (Council::Table, Council::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Person::Table)
                .col(string(Person::Id).primary_key())
                .col(string(Person::CouncilId))
                .col(string_null(Person::TeamId))
                .col(string(Person::Name))
                .col(string_uniq(Person::Email))
                .col(string_null(Person::PasswordHash))
                .col(boolean(Person::Active).default(true))
                .col(integer(Person::FailedLogins).default(0))
                .col(timestamp_with_time_zone_null(Person::LockedUntil))
                .col(timestamp_with_time_zone(Person::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_person_council",
                    (Person::Table, Person::CouncilId),
                    (Council::Table, Council::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_person_team",
                    (Person::Table, Person::TeamId),
                    (Team::Table, Team::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PersonRole::Table)
                .col(string(PersonRole::Id).primary_key())
                .col(string(PersonRole::PersonId))
                .col(string(PersonRole::Role))
                .col(string(PersonRole::PanelId).default(""))
                .foreign_key(&mut fk(
                    "fk_role_person",
                    (PersonRole::Table, PersonRole::PersonId),
                    (Person::Table, Person::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_person_role")
                .table(PersonRole::Table)
                .col(PersonRole::PersonId)
                .col(PersonRole::Role)
                .col(PersonRole::PanelId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Child::Table)
                .col(string(Child::Id).primary_key())
                .col(string(Child::CouncilId))
                .col(string(Child::CaseSystem))
                .col(string(Child::CaseSystemId))
                .col(string(Child::Name))
                .col(date(Child::DateOfBirth))
                .col(string_null(Child::Sex))
                .col(string_null(Child::Ethnicity))
                .col(string_null(Child::Disability))
                .col(string_null(Child::LegalStatus))
                .col(boolean(Child::LookedAfter).default(false))
                .col(string_null(Child::TeamId))
                .col(timestamp_with_time_zone(Child::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_child_council",
                    (Child::Table, Child::CouncilId),
                    (Council::Table, Council::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_child_case_id")
                .table(Child::Table)
                .col(Child::CouncilId)
                .col(Child::CaseSystemId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Meeting::Table)
                .col(string(Meeting::Id).primary_key())
                .col(string(Meeting::CouncilId))
                .col(string(Meeting::PanelId))
                .col(string(Meeting::StartsAt))
                .col(date(Meeting::MeetingDate))
                .col(string(Meeting::Cutoff))
                .col(string(Meeting::Status))
                .col(integer(Meeting::UnitsUsed).default(0))
                .col(integer(Meeting::BookedMinutes).default(0))
                .col(string_null(Meeting::CancelledBy))
                .col(string_null(Meeting::CancelReason))
                .col(timestamp_with_time_zone_null(Meeting::PapersCirculatedAt))
                .col(big_integer(Meeting::Version).default(0i64))
                .foreign_key(&mut fk(
                    "fk_meeting_council",
                    (Meeting::Table, Meeting::CouncilId),
                    (Council::Table, Council::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_meeting_panel_start")
                .table(Meeting::Table)
                .col(Meeting::PanelId)
                .col(Meeting::StartsAt)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Referral::Table)
                .col(string(Referral::Id).primary_key())
                .col(string(Referral::CouncilId))
                .col(string(Referral::PanelId))
                .col(string_null(Referral::Part))
                .col(string(Referral::Category))
                .col(string(Referral::ChildId))
                .col(string_null(Referral::TeamId))
                .col(string(Referral::AuthorId))
                .col(string_null(Referral::FormId))
                .col(text(Referral::Answers))
                .col(big_integer_null(Referral::AmountPence))
                .col(integer(Referral::Children).default(1))
                .col(boolean(Referral::Emergency).default(false))
                .col(boolean(Referral::Ratification).default(false))
                .col(boolean(Referral::NewlyLookedAfter).default(false))
                .col(string(Referral::State))
                .col(text(Referral::StateDetail))
                .col(text(Referral::SignOffChain).default("[]"))
                .col(timestamp_with_time_zone_null(Referral::SubmittedAt))
                .col(string_null(Referral::MeetingId))
                .col(big_integer(Referral::Version).default(1i64))
                .col(timestamp_with_time_zone(Referral::CreatedAt))
                .col(timestamp_with_time_zone(Referral::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_referral_council",
                    (Referral::Table, Referral::CouncilId),
                    (Council::Table, Council::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_referral_child",
                    (Referral::Table, Referral::ChildId),
                    (Child::Table, Child::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_referral_author",
                    (Referral::Table, Referral::AuthorId),
                    (Person::Table, Person::Id),
                ))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "ix_referral_council_state",
                vec![Referral::CouncilId, Referral::State],
            ),
            ("ix_referral_author", vec![Referral::AuthorId]),
            ("ix_referral_child", vec![Referral::ChildId]),
            ("ix_referral_meeting", vec![Referral::MeetingId]),
        ] {
            let mut idx = Index::create().name(name).table(Referral::Table).to_owned();
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx).await?;
        }
        m.create_table(
            Table::create()
                .table(ReferralVersion::Table)
                .col(string(ReferralVersion::Id).primary_key())
                .col(string(ReferralVersion::ReferralId))
                .col(big_integer(ReferralVersion::Version))
                .col(text(ReferralVersion::Answers))
                .col(string(ReferralVersion::SavedBy))
                .col(timestamp_with_time_zone(ReferralVersion::SavedAt))
                .foreign_key(&mut fk(
                    "fk_version_referral",
                    (ReferralVersion::Table, ReferralVersion::ReferralId),
                    (Referral::Table, Referral::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_referral_version")
                .table(ReferralVersion::Table)
                .col(ReferralVersion::ReferralId)
                .col(ReferralVersion::Version)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Attachment::Table)
                .col(string(Attachment::Id).primary_key())
                .col(string(Attachment::ReferralId))
                .col(string(Attachment::DocumentId))
                .col(string(Attachment::Filename))
                .col(string(Attachment::ContentType))
                .col(big_integer(Attachment::SizeBytes))
                .col(date_null(Attachment::WrittenOn))
                .col(blob(Attachment::Data))
                .col(string(Attachment::UploadedBy))
                .col(timestamp_with_time_zone(Attachment::UploadedAt))
                .foreign_key(&mut fk(
                    "fk_attachment_referral",
                    (Attachment::Table, Attachment::ReferralId),
                    (Referral::Table, Referral::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SignOff::Table)
                .col(string(SignOff::Id).primary_key())
                .col(string(SignOff::ReferralId))
                .col(integer(SignOff::Step))
                .col(string(SignOff::Role))
                .col(string(SignOff::PersonId))
                .col(string(SignOff::Outcome))
                .col(text(SignOff::Comments))
                .col(timestamp_with_time_zone(SignOff::SignedAt))
                .foreign_key(&mut fk(
                    "fk_signoff_referral",
                    (SignOff::Table, SignOff::ReferralId),
                    (Referral::Table, Referral::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_signoff_referral")
                .table(SignOff::Table)
                .col(SignOff::ReferralId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AgendaItem::Table)
                .col(string(AgendaItem::Id).primary_key())
                .col(string(AgendaItem::MeetingId))
                .col(string_null(AgendaItem::ReferralId))
                .col(string(AgendaItem::Kind))
                .col(integer(AgendaItem::Position))
                .col(string_null(AgendaItem::SlotStart))
                .col(string_null(AgendaItem::SlotEnd))
                .col(integer(AgendaItem::Units))
                .col(string(AgendaItem::Status))
                .col(integer_null(AgendaItem::ChairPriority))
                .col(text(AgendaItem::Note))
                .foreign_key(&mut fk(
                    "fk_item_meeting",
                    (AgendaItem::Table, AgendaItem::MeetingId),
                    (Meeting::Table, Meeting::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_item_meeting_referral")
                .table(AgendaItem::Table)
                .col(AgendaItem::MeetingId)
                .col(AgendaItem::ReferralId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Attendance::Table)
                .col(string(Attendance::Id).primary_key())
                .col(string(Attendance::MeetingId))
                .col(string(Attendance::PersonId))
                .col(string(Attendance::Role))
                .col(string(Attendance::Status))
                .col(string_null(Attendance::CoverFor))
                .col(timestamp_with_time_zone_null(Attendance::NotifiedAt))
                .foreign_key(&mut fk(
                    "fk_attendance_meeting",
                    (Attendance::Table, Attendance::MeetingId),
                    (Meeting::Table, Meeting::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Declaration::Table)
                .col(string(Declaration::Id).primary_key())
                .col(string(Declaration::MeetingId))
                .col(string(Declaration::AgendaItemId))
                .col(string(Declaration::PersonId))
                .col(text(Declaration::Nature))
                .col(timestamp_with_time_zone(Declaration::DeclaredAt))
                .foreign_key(&mut fk(
                    "fk_declaration_item",
                    (Declaration::Table, Declaration::AgendaItemId),
                    (AgendaItem::Table, AgendaItem::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Decision::Table)
                .col(string(Decision::Id).primary_key())
                .col(string(Decision::CouncilId))
                .col(string(Decision::PanelId))
                .col(string_uniq(Decision::AgendaItemId))
                .col(string_null(Decision::ReferralId))
                .col(string(Decision::Outcome))
                .col(text(Decision::Rationale))
                .col(text(Decision::Lines))
                .col(text(Decision::Conditions))
                .col(date_null(Decision::ReturnDate))
                .col(date_null(Decision::DeferTo))
                .col(string_null(Decision::Link))
                .col(big_integer(Decision::TotalPence))
                .col(big_integer(Decision::WeeklyPence))
                .col(string(Decision::PolicyVersion))
                .col(string(Decision::DecidedBy))
                .col(timestamp_with_time_zone(Decision::DecidedAt))
                .foreign_key(&mut fk(
                    "fk_decision_item",
                    (Decision::Table, Decision::AgendaItemId),
                    (AgendaItem::Table, AgendaItem::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Commitment::Table)
                .col(string(Commitment::Id).primary_key())
                .col(string(Commitment::CouncilId))
                .col(string(Commitment::PanelId))
                .col(string(Commitment::DecisionId))
                .col(string(Commitment::Category))
                .col(text(Commitment::Description))
                .col(big_integer_null(Commitment::WeeklyPence))
                .col(big_integer_null(Commitment::OneOffPence))
                .col(big_integer(Commitment::TotalPence))
                .col(date_null(Commitment::StartDate))
                .col(date_null(Commitment::EndDate))
                .col(string_null(Commitment::CostCentre))
                .col(string_null(Commitment::SignedOffBy))
                .col(timestamp_with_time_zone_null(Commitment::SignedOffAt))
                .foreign_key(&mut fk(
                    "fk_commitment_decision",
                    (Commitment::Table, Commitment::DecisionId),
                    (Decision::Table, Decision::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_commitment_report")
                .table(Commitment::Table)
                .col(Commitment::CouncilId)
                .col(Commitment::PanelId)
                .col(Commitment::StartDate)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Action::Table)
                .col(string(Action::Id).primary_key())
                .col(string(Action::DecisionId))
                .col(text(Action::Description))
                .col(string(Action::Owner))
                .col(date(Action::DueDate))
                .col(string(Action::Status))
                .col(timestamp_with_time_zone_null(Action::CompletedAt))
                .foreign_key(&mut fk(
                    "fk_action_decision",
                    (Action::Table, Action::DecisionId),
                    (Decision::Table, Decision::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Review::Table)
                .col(string(Review::Id).primary_key())
                .col(string(Review::CouncilId))
                .col(string(Review::DecisionId))
                .col(string_null(Review::ReferralId))
                .col(date(Review::DueDate))
                .col(string_null(Review::MeetingId))
                .col(string(Review::Kind))
                .col(string(Review::Status))
                .col(string_null(Review::Repeats))
                .foreign_key(&mut fk(
                    "fk_review_decision",
                    (Review::Table, Review::DecisionId),
                    (Decision::Table, Decision::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_review_due")
                .table(Review::Table)
                .col(Review::CouncilId)
                .col(Review::DueDate)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(InterimDecision::Table)
                .col(string(InterimDecision::Id).primary_key())
                .col(string(InterimDecision::CouncilId))
                .col(string(InterimDecision::PanelId))
                .col(string(InterimDecision::ChildId))
                .col(string_null(InterimDecision::ReferralId))
                .col(string(InterimDecision::Situation))
                .col(string(InterimDecision::ApproverId))
                .col(string(InterimDecision::ApproverRole))
                .col(string_null(InterimDecision::InAbsenceOf))
                .col(text_null(InterimDecision::AbsenceReason))
                .col(big_integer_null(InterimDecision::AmountPence))
                .col(text(InterimDecision::Request))
                .col(text(InterimDecision::WhyUrgent))
                .col(timestamp_with_time_zone(InterimDecision::DecidedAt))
                .col(string(InterimDecision::ValidUntil))
                .col(string(InterimDecision::RatificationMeetingId))
                .col(string(InterimDecision::Status))
                .col(string(InterimDecision::PolicyVersion))
                .col(string(InterimDecision::Rule))
                .foreign_key(&mut fk(
                    "fk_interim_child",
                    (InterimDecision::Table, InterimDecision::ChildId),
                    (Child::Table, Child::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(string(Outbox::Id).primary_key())
                .col(string(Outbox::CouncilId))
                .col(string(Outbox::Kind))
                .col(string(Outbox::Recipient))
                .col(text(Outbox::Subject))
                .col(text(Outbox::Body))
                .col(timestamp_with_time_zone(Outbox::CreatedAt))
                .col(timestamp_with_time_zone_null(Outbox::SentAt))
                .col(integer(Outbox::Attempts).default(0))
                .col(text_null(Outbox::LastError))
                .col(timestamp_with_time_zone_null(Outbox::LeaseUntil))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Session::Table)
                .col(string(Session::Id).primary_key())
                .col(string(Session::PersonId))
                .col(string(Session::CsrfToken))
                .col(timestamp_with_time_zone(Session::CreatedAt))
                .col(timestamp_with_time_zone(Session::LastSeenAt))
                .col(timestamp_with_time_zone(Session::ExpiresAt))
                .foreign_key(&mut fk(
                    "fk_session_person",
                    (Session::Table, Session::PersonId),
                    (Person::Table, Person::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditEvent::Table)
                .col(string(AuditEvent::Id).primary_key())
                .col(string(AuditEvent::CouncilId))
                .col(big_integer(AuditEvent::Seq))
                .col(string(AuditEvent::At))
                .col(string_null(AuditEvent::ActorId))
                .col(string(AuditEvent::Action))
                .col(string(AuditEvent::Entity))
                .col(string(AuditEvent::EntityId))
                .col(text(AuditEvent::Detail))
                .col(string(AuditEvent::PrevHash))
                .col(string(AuditEvent::Hash))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_audit_council_seq")
                .table(AuditEvent::Table)
                .col(AuditEvent::CouncilId)
                .col(AuditEvent::Seq)
                .unique()
                .to_owned(),
        )
        .await?;
        // The audit trail is append-only for the application (SEC-03): updates and deletes
        // are refused by the database itself.
        let conn = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                conn.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                     RAISE EXCEPTION 'audit events are append-only'; END $$",
                )
                .await?;
                conn.execute_unprepared(
                    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event \
                     FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
                )
                .await?;
                conn.execute_unprepared(
                    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
                )
                .await?;
            }
            _ => {
                conn.execute_unprepared(
                    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event \
                     BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
                )
                .await?;
                conn.execute_unprepared(
                    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event \
                     BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the initial schema is not rolled back; restore a backup instead".into(),
        ))
    }
}
