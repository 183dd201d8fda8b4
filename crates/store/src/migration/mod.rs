//! The migration set, run on SQLite and PostgreSQL alike, in order.

use sea_orm_migration::prelude::*;

mod m20261125_000001_initial;
mod m20261126_000001_member_note;
mod m20261127_000001_outbox_extras;
mod m20261128_000001_api_token;
mod m20261129_000001_single_sign_on;
mod m20261130_000001_lookup_indexes;
mod m20261201_000001_page_indexes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_initial::Migration),
            Box::new(m20261126_000001_member_note::Migration),
            Box::new(m20261127_000001_outbox_extras::Migration),
            Box::new(m20261128_000001_api_token::Migration),
            Box::new(m20261129_000001_single_sign_on::Migration),
            Box::new(m20261130_000001_lookup_indexes::Migration),
            Box::new(m20261201_000001_page_indexes::Migration),
        ]
    }
}
