//! Test databases on both backends: SQLite in a temporary file (never in memory) and
//! PostgreSQL in a schema of its own on 127.0.0.1:5432. In CI an unreachable PostgreSQL
//! fails the tests instead of skipping them.

use crate::db::{DbError, connect, migrate};
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// The PostgreSQL server tests use (`CAREPANEL_TEST_PG` overrides it).
pub fn pg_url() -> String {
    std::env::var("CAREPANEL_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub const ALL: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];
}

/// A migrated, empty database that cleans up after itself.
pub struct TestDb {
    pub db: DatabaseConnection,
    pub backend: Backend,
    pub url: String,
    pub schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Result<TestDb, DbError> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().map_err(|e| DbError::Directory("tmp".into(), e))?;
                let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
                let db = connect(&url, None).await?;
                migrate(&db).await?;
                Ok(TestDb {
                    db,
                    backend,
                    url,
                    schema: None,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
                let url = pg_url();
                let db = connect(&url, Some(&schema)).await?;
                migrate(&db).await?;
                Ok(TestDb {
                    db,
                    backend,
                    url,
                    schema: Some(schema),
                    _dir: None,
                })
            }
        }
    }

    /// Another connection pool to the same database, as a second app instance would have.
    pub async fn reconnect(&self) -> Result<DatabaseConnection, DbError> {
        connect(&self.url, self.schema.as_deref()).await
    }

    pub async fn drop_schema(self) {
        if let Some(s) = &self.schema {
            let _ = self
                .db
                .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{s}\" CASCADE"))
                .await;
        }
    }
}
