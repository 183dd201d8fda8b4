//! Connecting to SQLite or PostgreSQL, with the durability settings carepanel relies on.

use crate::migration::Migrator;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// The default database: an SQLite file under `./data/`.
pub const DEFAULT_URL: &str = "sqlite://data/carepanel.db?mode=rwc";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "'{0}' is not a database URL carepanel knows; use sqlite://PATH or postgres://USER@HOST/DB"
    )]
    UnknownScheme(String),
    #[error("cannot create the directory for {0}: {1}")]
    Directory(String, std::io::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Opens a database. On SQLite every pooled connection uses WAL, a busy timeout, foreign keys
/// and `synchronous=FULL`: a decision or a sum of money acknowledged to a user survives a crash
/// or power cut, at the cost of one more fsync per commit (docs/OPERATIONS.md). `pg_schema`
/// puts every PostgreSQL connection in that schema (tests use one schema each).
pub async fn connect(url: &str, pg_schema: Option<&str>) -> Result<DatabaseConnection, DbError> {
    open(url, pg_schema, true).await
}

/// Opens a database for loading invented data in bulk (`carepanel demo seed`): commits do not
/// wait for the disk (SQLite `synchronous=OFF`, PostgreSQL `synchronous_commit=off`), so a
/// crash while loading can lose the last commits, and the load is started again. Never for
/// real records.
pub async fn connect_for_loading(url: &str) -> Result<DatabaseConnection, DbError> {
    open(url, None, false).await
}

async fn open(
    url: &str,
    pg_schema: Option<&str>,
    durable: bool,
) -> Result<DatabaseConnection, DbError> {
    let mut opt = ConnectOptions::new(url.to_string());
    opt.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30))
        .max_connections(16);
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or("");
        if let Some(dir) = std::path::Path::new(file).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| DbError::Directory(file.to_string(), e))?;
        }
        let synchronous = if durable {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Off
        };
        opt.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .synchronous(synchronous)
                .foreign_keys(true)
        });
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        if let Some(schema) = pg_schema {
            opt.set_schema_search_path(schema);
        }
        if !durable {
            opt.map_sqlx_postgres_opts(|o| o.options([("synchronous_commit", "off")]));
        }
    } else {
        return Err(DbError::UnknownScheme(url.to_string()));
    }
    let db = Database::connect(opt).await?;
    if let (DbBackend::Postgres, Some(schema)) = (db.get_database_backend(), pg_schema) {
        db.execute_unprepared(&format!(
            "CREATE SCHEMA IF NOT EXISTS \"{}\"",
            schema.replace('"', "")
        ))
        .await?;
    }
    Ok(db)
}

/// Brings the schema up to date.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
