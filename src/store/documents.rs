//! Tables that keep an API object as one JSON document (`doc`) next to the few columns it is
//! looked up by: user pools, app clients, identity pools, domains, resource servers, groups.
//!
//! The store never interprets a document: callers choose its type (`T: Serialize` going in,
//! `T: DeserializeOwned` coming out), so wire shapes stay out of `store/`. A document that does
//! not serialize is an `Encode` error, one that does not parse back a `Decode` error.
//!
//! Rows are selected by a filter: `(column, value)` pairs that must all match. Table and column
//! names are `&'static str` written in this crate, never request data, so building SQL from
//! them is safe; every value is a bound parameter.

use super::Db;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, Row};

/// `(column, value)` pairs a row must all match.
pub(crate) type Filter<'a> = [(&'static str, &'a str)];

pub(crate) fn to_json<T: Serialize>(doc: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(doc).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// One document table: its name and the column its listings page by (unique within a filter).
pub(crate) struct DocTable {
    pub table: &'static str,
    pub key: &'static str,
}

/// `a = ? AND b = ?` for a filter (binds follow in the filter's order).
fn condition(filter: &Filter<'_>) -> String {
    filter
        .iter()
        .map(|(column, _)| format!("{column} = ?"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

impl DocTable {
    /// Inserts a row: the text columns `cols`, `created` when given, and the document.
    /// A row that breaks a uniqueness rule is an error (see [`DocTable::insert_new`]).
    pub async fn insert<T: Serialize>(
        &self,
        db: &Db,
        cols: &Filter<'_>,
        created: Option<f64>,
        doc: &T,
    ) -> Result<(), sqlx::Error> {
        self.insert_sql(db, cols, created, doc, "").await?;
        Ok(())
    }

    /// [`DocTable::insert`], but false (and nothing written) when a row with the same unique
    /// columns exists.
    pub async fn insert_new<T: Serialize>(
        &self,
        db: &Db,
        cols: &Filter<'_>,
        created: Option<f64>,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        self.insert_sql(db, cols, created, doc, " ON CONFLICT DO NOTHING")
            .await
    }

    async fn insert_sql<T: Serialize>(
        &self,
        db: &Db,
        cols: &Filter<'_>,
        created: Option<f64>,
        doc: &T,
        tail: &str,
    ) -> Result<bool, sqlx::Error> {
        let mut names: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
        if created.is_some() {
            names.push("created");
        }
        names.push("doc");
        let marks = vec!["?"; names.len()].join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({marks}){tail}",
            self.table,
            names.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (_, value) in cols {
            query = query.bind(*value);
        }
        if let Some(created) = created {
            query = query.bind(created);
        }
        let done = query.bind(to_json(doc)?).execute(db).await?;
        Ok(done.rows_affected() == 1)
    }

    /// The document of the row matching `filter`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        db: &Db,
        filter: &Filter<'_>,
    ) -> Result<Option<T>, sqlx::Error> {
        self.get_column(db, "doc", filter).await
    }

    /// Another JSON column of the row matching `filter` (identity pools keep roles apart).
    pub async fn get_column<T: DeserializeOwned>(
        &self,
        db: &Db,
        column: &'static str,
        filter: &Filter<'_>,
    ) -> Result<Option<T>, sqlx::Error> {
        let sql = format!(
            "SELECT {column} FROM {} WHERE {}",
            self.table,
            condition(filter)
        );
        let row = bind_all(sqlx::query(AssertSqlSafe(sql)), filter)
            .fetch_optional(db)
            .await?;
        row.map(|r| from_json(r.get::<&str, _>(0))).transpose()
    }

    /// The document with one more text column the caller did not know (e.g. the pool a client
    /// id belongs to): `(column value, doc)`.
    pub async fn get_with<T: DeserializeOwned>(
        &self,
        db: &Db,
        column: &'static str,
        filter: &Filter<'_>,
    ) -> Result<Option<(String, T)>, sqlx::Error> {
        let sql = format!(
            "SELECT {column}, doc FROM {} WHERE {}",
            self.table,
            condition(filter)
        );
        let row = bind_all(sqlx::query(AssertSqlSafe(sql)), filter)
            .fetch_optional(db)
            .await?;
        row.map(|r| Ok((r.get::<String, _>(0), from_json(r.get::<&str, _>(1))?)))
            .transpose()
    }

    /// Replaces the document (and the `name` column when given); false when no row matched.
    pub async fn update<T: Serialize>(
        &self,
        db: &Db,
        name: Option<&str>,
        filter: &Filter<'_>,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let doc = to_json(doc)?;
        let set = if name.is_some() {
            "name = ?, doc = ?"
        } else {
            "doc = ?"
        };
        let sql = format!(
            "UPDATE {} SET {set} WHERE {}",
            self.table,
            condition(filter)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        if let Some(name) = name {
            query = query.bind(name);
        }
        let done = bind_all(query.bind(doc), filter).execute(db).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces another JSON column; false when no row matched.
    pub async fn set_column<T: Serialize>(
        &self,
        db: &Db,
        column: &'static str,
        filter: &Filter<'_>,
        value: &T,
    ) -> Result<bool, sqlx::Error> {
        let sql = format!(
            "UPDATE {} SET {column} = ? WHERE {}",
            self.table,
            condition(filter)
        );
        let done = bind_all(
            sqlx::query(AssertSqlSafe(sql)).bind(to_json(value)?),
            filter,
        )
        .execute(db)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the row matching `filter` (and, through foreign keys, what hangs off it);
    /// false when there was none.
    pub async fn delete(&self, db: &Db, filter: &Filter<'_>) -> Result<bool, sqlx::Error> {
        let sql = format!("DELETE FROM {} WHERE {}", self.table, condition(filter));
        let done = bind_all(sqlx::query(AssertSqlSafe(sql)), filter)
            .execute(db)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Documents matching `filter` (every row when empty) in key order after `after`, at most
    /// `limit`.
    pub async fn list<T: DeserializeOwned>(
        &self,
        db: &Db,
        filter: &Filter<'_>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<T>, sqlx::Error> {
        self.list_keys_in(db, filter, (after.unwrap_or(""), None), limit)
            .await
    }

    /// `list` of the documents whose key starts with `prefix` (`None`: every key).
    pub async fn list_prefixed<T: DeserializeOwned>(
        &self,
        db: &Db,
        prefix: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<T>, sqlx::Error> {
        let Some(prefix) = prefix else {
            return self.list(db, &[], after, limit).await;
        };
        let (low, high) = prefix_range(prefix);
        // `after` is exclusive; a key equal to the bare prefix is no ID, so `>` is fine for both.
        let from = after.filter(|a| *a > low.as_str()).unwrap_or(&low);
        self.list_keys_in(db, &[], (from, Some(&high)), limit).await
    }

    /// Documents matching `filter` with `after < key < before`, in key order, at most `limit`.
    async fn list_keys_in<T: DeserializeOwned>(
        &self,
        db: &Db,
        filter: &Filter<'_>,
        (after, before): (&str, Option<&str>),
        limit: u32,
    ) -> Result<Vec<T>, sqlx::Error> {
        let mut conditions = condition(filter);
        if !conditions.is_empty() {
            conditions.push_str(" AND ");
        }
        let key = self.key;
        let upper = if before.is_some() {
            format!(" AND {key} < ?")
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT doc FROM {} WHERE {conditions}{key} > ?{upper} ORDER BY {key} LIMIT ?",
            self.table
        );
        let mut query = bind_all(sqlx::query(AssertSqlSafe(sql)), filter).bind(after);
        if let Some(before) = before {
            query = query.bind(before);
        }
        let rows = query.bind(i64::from(limit)).fetch_all(db).await?;
        rows.iter()
            .map(|r| from_json(r.get::<&str, _>(0)))
            .collect()
    }
}

/// The keys that start with `prefix`, as the half-open range `[prefix, prefix + 1)` a key
/// index serves (the last byte of `prefix` is ASCII and not 0x7f: `_` and `:` here).
pub fn prefix_range(prefix: &str) -> (String, String) {
    let mut upper = prefix.as_bytes().to_vec();
    if let Some(last) = upper.last_mut() {
        *last += 1;
    }
    (
        prefix.to_string(),
        String::from_utf8(upper).unwrap_or_default(),
    )
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

fn bind_all<'q>(mut query: Query<'q>, filter: &Filter<'q>) -> Query<'q> {
    for (_, value) in filter {
        query = query.bind(*value);
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Doc {
        n: u32,
    }

    const SERVERS: DocTable = DocTable {
        table: "resource_servers",
        key: "identifier",
    };

    #[test]
    fn condition_joins_columns() {
        assert_eq!(condition(&[]), "");
        assert_eq!(condition(&[("a", "1"), ("b", "2")]), "a = ? AND b = ?");
    }

    #[tokio::test]
    async fn round_trip_through_a_scoped_table() -> Result<(), sqlx::Error> {
        let store = Store::open(None).await?;
        let pools = DocTable {
            table: "user_pools",
            key: "id",
        };
        for id in ["p1", "p2"] {
            pools
                .insert(
                    &store.write,
                    &[("id", id), ("name", id)],
                    Some(1.0),
                    &Doc { n: 0 },
                )
                .await?;
        }
        let db = &store.write;
        for (pool, id, n) in [("p1", "b", 2), ("p1", "a", 1), ("p2", "a", 9)] {
            let cols = [("pool_id", pool), ("identifier", id)];
            assert!(SERVERS.insert_new(db, &cols, None, &Doc { n }).await?);
        }
        let dup = [("pool_id", "p1"), ("identifier", "a")];
        assert!(!SERVERS.insert_new(db, &dup, None, &Doc { n: 5 }).await?);
        assert_eq!(SERVERS.get(db, &dup).await?, Some(Doc { n: 1 }));

        let listed: Vec<Doc> = SERVERS.list(db, &[("pool_id", "p1")], None, 10).await?;
        assert_eq!(listed, vec![Doc { n: 1 }, Doc { n: 2 }]);
        let after: Vec<Doc> = SERVERS
            .list(db, &[("pool_id", "p1")], Some("a"), 10)
            .await?;
        assert_eq!(after, vec![Doc { n: 2 }]);
        let all: Vec<Doc> = pools.list(db, &[], None, 1).await?;
        assert_eq!(all.len(), 1);

        assert!(SERVERS.update(db, None, &dup, &Doc { n: 7 }).await?);
        let with: Option<(String, Doc)> = SERVERS.get_with(db, "pool_id", &dup).await?;
        assert_eq!(with, Some(("p1".into(), Doc { n: 7 })));
        assert!(
            pools
                .update(db, Some("renamed"), &[("id", "p1")], &Doc { n: 3 })
                .await?
        );
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM user_pools WHERE id = 'p1'")
                .fetch_optional(db)
                .await?;
        assert_eq!(name.as_deref(), Some("renamed"));

        assert!(SERVERS.delete(db, &dup).await?);
        assert!(!SERVERS.delete(db, &dup).await?);
        assert!(!SERVERS.update(db, None, &dup, &Doc { n: 7 }).await?);
        Ok(())
    }

    #[tokio::test]
    async fn an_unreadable_document_is_a_decode_error() -> Result<(), sqlx::Error> {
        let store = Store::open(None).await?;
        let pools = DocTable {
            table: "user_pools",
            key: "id",
        };
        pools
            .insert(
                &store.write,
                &[("id", "p"), ("name", "p")],
                Some(1.0),
                &"text",
            )
            .await?;
        let got: Result<Option<Doc>, _> = pools.get(&store.read, &[("id", "p")]).await;
        assert!(matches!(got, Err(sqlx::Error::Decode(_))));
        Ok(())
    }
}
