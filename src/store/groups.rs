//! Groups (stored as their `GroupType` documents) and memberships.

use super::Store;
use super::documents::{from_json, to_json};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

/// What [`Store::add_member_checked`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddMember {
    Added,
    GroupGone,
    UserGone,
}

impl Store {
    /// False when the pool already has a group of that name.
    pub async fn insert_group<T: Serialize>(
        &self,
        pool_id: &str,
        name: &str,
        precedence: Option<i32>,
        created: f64,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(
            "INSERT INTO user_groups (pool_id, name, precedence, created, doc) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(pool_id)
        .bind(name)
        .bind(precedence)
        .bind(created)
        .bind(to_json(doc)?)
        .execute(&self.write)
        .await;
        match r {
            Ok(_) => Ok(true),
            Err(e) if super::users::is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn get_group<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        name: &str,
    ) -> Result<Option<T>, sqlx::Error> {
        let row = sqlx::query("SELECT doc FROM user_groups WHERE pool_id = ? AND name = ?")
            .bind(pool_id)
            .bind(name)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| from_json(r.get::<&str, _>(0))).transpose()
    }

    pub async fn update_group<T: Serialize>(
        &self,
        pool_id: &str,
        name: &str,
        precedence: Option<i32>,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE user_groups SET precedence = ?, doc = ? WHERE pool_id = ? AND name = ?",
        )
        .bind(precedence)
        .bind(to_json(doc)?)
        .bind(pool_id)
        .bind(name)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delete_group(&self, pool_id: &str, name: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM user_groups WHERE pool_id = ? AND name = ?")
            .bind(pool_id)
            .bind(name)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Groups in name order after `after`, at most `limit`.
    pub async fn list_groups<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<T>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT doc FROM user_groups WHERE pool_id = ? AND name > ? ORDER BY name LIMIT ?",
        )
        .bind(pool_id)
        .bind(after.unwrap_or(""))
        .bind(limit as i64)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| from_json(r.get::<&str, _>(0)))
            .collect()
    }

    /// Adds a membership (idempotent) provided the group and the user both exist, checked in
    /// the same transaction so a concurrent delete of either cannot break the foreign keys.
    pub async fn add_member_checked(
        &self,
        pool_id: &str,
        group: &str,
        username: &str,
    ) -> Result<AddMember, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        let group_exists: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM user_groups WHERE pool_id = ? AND name = ?")
                .bind(pool_id)
                .bind(group)
                .fetch_optional(&mut *tx)
                .await?;
        if group_exists.is_none() {
            return Ok(AddMember::GroupGone);
        }
        let user_exists: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM users WHERE pool_id = ? AND username = ?")
                .bind(pool_id)
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
        if user_exists.is_none() {
            return Ok(AddMember::UserGone);
        }
        sqlx::query(
            "INSERT OR IGNORE INTO user_group_members (pool_id, group_name, username) VALUES (?, ?, ?)",
        )
        .bind(pool_id)
        .bind(group)
        .bind(username)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AddMember::Added)
    }

    pub async fn remove_member(
        &self,
        pool_id: &str,
        group: &str,
        username: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "DELETE FROM user_group_members WHERE pool_id = ? AND group_name = ? AND username = ?",
        )
        .bind(pool_id)
        .bind(group)
        .bind(username)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The groups of a user, by precedence (lowest first, groups without one last), then name.
    pub async fn groups_of_user<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Vec<T>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT g.doc FROM user_group_members m JOIN user_groups g \
             ON g.pool_id = m.pool_id AND g.name = m.group_name \
             WHERE m.pool_id = ? AND m.username = ? \
             ORDER BY g.precedence IS NULL, g.precedence, g.name",
        )
        .bind(pool_id)
        .bind(username)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| from_json(r.get::<&str, _>(0)))
            .collect()
    }

    /// Internal usernames of a group's members in order after `after`, at most `limit`.
    pub async fn members_of_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT username FROM user_group_members WHERE pool_id = ? AND group_name = ? \
             AND username > ? ORDER BY username LIMIT ?",
        )
        .bind(pool_id)
        .bind(group)
        .bind(after.unwrap_or(""))
        .bind(limit as i64)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| r.try_get(0)).collect()
    }
}
