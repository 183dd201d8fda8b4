//! Indexes for what the pages read, so a page reads only its own rows however many years of
//! record (or councils) there are (P5). Each was found by `crates/web/tests/query_plans.rs`,
//! which walks the site and fails on a plan that reads a whole growing table: a social worker's
//! referrals, most recently changed first, a page at a time; a meeting's register and
//! declarations; a decision's reviews; the reviews to remind people of; the decisions register; decisions between meetings by
//! status; a council's messages; the messages not yet sent; a council's people; who holds a role on a panel.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index name, table, columns)
const INDEXES: [(&str, &str, &[&str]); 11] = [
    (
        "ix_referral_author_changed",
        "referral",
        &["author_id", "updated_at", "id"],
    ),
    ("ix_attendance_meeting", "attendance", &["meeting_id"]),
    ("ix_declaration_meeting", "declaration", &["meeting_id"]),
    ("ix_review_decision", "review", &["decision_id"]),
    ("ix_review_status_due", "review", &["status", "due_date"]),
    (
        "ix_decision_register",
        "decision",
        &["council_id", "panel_id", "decided_at"],
    ),
    (
        "ix_interim_status",
        "interim_decision",
        &["council_id", "status", "valid_until"],
    ),
    ("ix_outbox_council", "outbox", &["council_id", "created_at"]),
    ("ix_outbox_unsent", "outbox", &["sent_at", "created_at"]),
    ("ix_person_council", "person", &["council_id"]),
    ("ix_person_role_panel", "person_role", &["panel_id", "role"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create()
                .name(name)
                .table(Alias::new(table))
                .to_owned();
            for c in columns {
                index.col(Alias::new(*c));
            }
            m.create_index(index).await?;
        }
        // The author's index is the first column of the new one.
        m.drop_index(
            Index::drop()
                .name("ix_referral_author")
                .table(Alias::new("referral"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_referral_author")
                .table(Alias::new("referral"))
                .col(Alias::new("author_id"))
                .to_owned(),
        )
        .await?;
        for (name, table, _) in INDEXES {
            m.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
