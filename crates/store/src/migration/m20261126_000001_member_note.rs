//! Pre-meeting notes: what a panel member, partner agencies included, records about an item
//! before the meeting, one note per person per item (PAP-04).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MemberNote {
    Table,
    Id,
    MeetingId,
    AgendaItemId,
    PersonId,
    Note,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AgendaItem {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MemberNote::Table)
                .col(string(MemberNote::Id).primary_key())
                .col(string(MemberNote::MeetingId))
                .col(string(MemberNote::AgendaItemId))
                .col(string(MemberNote::PersonId))
                .col(text(MemberNote::Note))
                .col(timestamp_with_time_zone(MemberNote::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_member_note_item")
                        .from(MemberNote::Table, MemberNote::AgendaItemId)
                        .to(AgendaItem::Table, AgendaItem::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_member_note_item_person")
                .table(MemberNote::Table)
                .col(MemberNote::AgendaItemId)
                .col(MemberNote::PersonId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_member_note_meeting")
                .table(MemberNote::Table)
                .col(MemberNote::MeetingId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(MemberNote::Table).to_owned())
            .await
    }
}
