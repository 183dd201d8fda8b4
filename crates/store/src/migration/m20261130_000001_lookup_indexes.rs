//! Indexes for the lookups the pages make by a parent's id: a referral's agenda items,
//! attachments, decisions and reviews; a decision's commitments and actions; an item's
//! declarations; the decisions between meetings a meeting ratifies. Without them each of those
//! reads scanned its whole table, so a referral's page slowed as the years of data grew (P5).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index name, table, column)
const INDEXES: [(&str, &str, &str); 8] = [
    ("ix_agenda_item_referral", "agenda_item", "referral_id"),
    ("ix_attachment_referral", "attachment", "referral_id"),
    ("ix_decision_referral", "decision", "referral_id"),
    ("ix_review_referral", "review", "referral_id"),
    ("ix_commitment_decision", "commitment", "decision_id"),
    ("ix_action_decision", "action", "decision_id"),
    ("ix_declaration_item", "declaration", "agenda_item_id"),
    (
        "ix_interim_ratification_meeting",
        "interim_decision",
        "ratification_meeting_id",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, column) in INDEXES {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Alias::new(table))
                    .col(Alias::new(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            m.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
