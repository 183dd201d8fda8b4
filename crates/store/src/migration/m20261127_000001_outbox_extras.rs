//! Two things a message may carry: a key that makes it one of a kind (a reminder is sent once
//! however often the reminder job runs), and the calendar invitation attached to it, named as
//! `meeting:ID` or `slot:ITEM` and made when the message is sent, so it is current.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    DedupeKey,
    Calendar,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one change per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .add_column(string_null(Outbox::DedupeKey))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .add_column(string_null(Outbox::Calendar))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_outbox_dedupe_key")
                .table(Outbox::Table)
                .col(Outbox::DedupeKey)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ux_outbox_dedupe_key")
                .table(Outbox::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .drop_column(Outbox::Calendar)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .drop_column(Outbox::DedupeKey)
                .to_owned(),
        )
        .await
    }
}
