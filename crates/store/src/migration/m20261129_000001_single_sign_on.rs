//! Single sign-on: a sign-in waiting for the identity provider to send the person back (its
//! state, nonce and PKCE verifier, held for ten minutes and used once), and the link between a
//! provider's subject and a local account.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SsoLogin {
    Table,
    State,
    CouncilId,
    Nonce,
    PkceVerifier,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SsoIdentity {
    Table,
    Id,
    PersonId,
    Issuer,
    Subject,
    LinkedAt,
    LastSignInAt,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SsoLogin::Table)
                .col(string(SsoLogin::State).primary_key())
                .col(string(SsoLogin::CouncilId))
                .col(string(SsoLogin::Nonce))
                .col(string(SsoLogin::PkceVerifier))
                .col(timestamp_with_time_zone(SsoLogin::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SsoIdentity::Table)
                .col(string(SsoIdentity::Id).primary_key())
                .col(string(SsoIdentity::PersonId))
                .col(string(SsoIdentity::Issuer))
                .col(string(SsoIdentity::Subject))
                .col(timestamp_with_time_zone(SsoIdentity::LinkedAt))
                .col(timestamp_with_time_zone(SsoIdentity::LastSignInAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_sso_identity_person")
                        .from(SsoIdentity::Table, SsoIdentity::PersonId)
                        .to(Person::Table, Person::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_sso_identity_subject")
                .table(SsoIdentity::Table)
                .col(SsoIdentity::Issuer)
                .col(SsoIdentity::Subject)
                .unique()
                .to_owned(),
        )
        .await?;
        // One identity per provider per account.
        m.create_index(
            Index::create()
                .name("ux_sso_identity_person_issuer")
                .table(SsoIdentity::Table)
                .col(SsoIdentity::PersonId)
                .col(SsoIdentity::Issuer)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SsoIdentity::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(SsoLogin::Table).to_owned())
            .await
    }
}
