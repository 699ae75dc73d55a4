//! Users. One row per user; the attributes as a JSON list, plus indexed lowercased copies of
//! the attributes requests look users up by (email, phone_number, preferred_username).

use super::Store;
use crate::crypto::password::StoredPassword;
use crate::model::user::{User, UserStatus};
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row};

const COLUMNS: &str = "pool_id, username, sub, status, enabled, attributes, password_salt, \
                       password_verifier, created, modified";

/// A ListUsers filter: which value, how it is compared, and the value (already normalised
/// the way the column holds it).
#[derive(Debug, Clone, PartialEq)]
pub struct UserFilter {
    pub field: FilterField,
    pub op: FilterOp,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FilterField {
    /// A column of `users` (from a fixed list the caller chooses from, never user input).
    Column(&'static str),
    /// An attribute inside the attributes document.
    Attribute(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Equals,
    StartsWith,
}

/// Attributes a user can be found by besides the username.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupAttr {
    Email,
    PhoneNumber,
    PreferredUsername,
}

impl LookupAttr {
    fn column(self) -> &'static str {
        match self {
            LookupAttr::Email => "email",
            LookupAttr::PhoneNumber => "phone_number",
            LookupAttr::PreferredUsername => "preferred_username",
        }
    }

    /// The value as the column holds it.
    pub fn key(self, value: &str) -> String {
        match self {
            LookupAttr::PhoneNumber => value.to_string(),
            _ => value.to_lowercase(),
        }
    }
}

fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

fn user_from_row(row: &SqliteRow) -> Result<User, sqlx::Error> {
    let attributes: Vec<(String, String)> =
        serde_json::from_str(row.try_get::<&str, _>("attributes")?).map_err(decode_err)?;
    let salt: Option<String> = row.try_get("password_salt")?;
    let verifier: Option<String> = row.try_get("password_verifier")?;
    let password = match (salt, verifier) {
        (Some(salt_hex), Some(verifier_hex)) => Some(StoredPassword {
            salt_hex,
            verifier_hex,
        }),
        _ => None,
    };
    Ok(User {
        pool_id: row.try_get("pool_id")?,
        username: row.try_get("username")?,
        sub: row.try_get("sub")?,
        status: UserStatus::parse(row.try_get::<&str, _>("status")?),
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        attributes,
        password,
        created: row.try_get("created")?,
        modified: row.try_get("modified")?,
    })
}

fn attributes_json(user: &User) -> Result<String, sqlx::Error> {
    serde_json::to_string(&user.attributes).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// True when `e` is a UNIQUE/PRIMARY KEY violation.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Store {
    /// Inserts a new user whose sign-in key is `username_key`; false when the pool already
    /// has a user with that key (or that internal username).
    pub async fn insert_user(&self, user: &User, username_key: &str) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "INSERT INTO users (pool_id, username, username_key, sub, status, enabled, attributes, \
             password_salt, password_verifier, created, modified, email, email_verified, \
             phone_number, phone_number_verified, preferred_username) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&user.pool_id)
        .bind(&user.username)
        .bind(username_key)
        .bind(&user.sub)
        .bind(user.status.as_str())
        .bind(user.enabled as i64)
        .bind(attributes_json(user)?)
        .bind(user.password.as_ref().map(|p| p.salt_hex.as_str()))
        .bind(user.password.as_ref().map(|p| p.verifier_hex.as_str()))
        .bind(user.created)
        .bind(user.modified)
        .bind(user.email_key())
        .bind(user.attr_is_true("email_verified") as i64)
        .bind(user.phone_key())
        .bind(user.attr_is_true("phone_number_verified") as i64)
        .bind(user.preferred_username_key())
        .execute(&self.write)
        .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Writes every mutable field of `user` (found by pool and internal username); false
    /// when the user no longer exists.
    pub async fn save_user(&self, user: &User) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE users SET status = ?, enabled = ?, attributes = ?, password_salt = ?, \
             password_verifier = ?, modified = ?, email = ?, email_verified = ?, \
             phone_number = ?, phone_number_verified = ?, preferred_username = ? \
             WHERE pool_id = ? AND username = ?",
        )
        .bind(user.status.as_str())
        .bind(user.enabled as i64)
        .bind(attributes_json(user)?)
        .bind(user.password.as_ref().map(|p| p.salt_hex.as_str()))
        .bind(user.password.as_ref().map(|p| p.verifier_hex.as_str()))
        .bind(user.modified)
        .bind(user.email_key())
        .bind(user.attr_is_true("email_verified") as i64)
        .bind(user.phone_key())
        .bind(user.attr_is_true("phone_number_verified") as i64)
        .bind(user.preferred_username_key())
        .bind(&user.pool_id)
        .bind(&user.username)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A user by sign-in key (the username, lowercased in case-insensitive pools).
    pub async fn get_user_by_key(
        &self,
        pool_id: &str,
        username_key: &str,
    ) -> Result<Option<User>, sqlx::Error> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM users WHERE pool_id = ? AND username_key = ?"
        )))
        .bind(pool_id)
        .bind(username_key)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// A user by internal username, exactly (USER_ID_FOR_SRP, token `username`).
    pub async fn get_user(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Option<User>, sqlx::Error> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM users WHERE pool_id = ? AND username = ?"
        )))
        .bind(pool_id)
        .bind(username)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn find_user_by_sub(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Option<User>, sqlx::Error> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM users WHERE sub = ? AND pool_id = ?"
        )))
        .bind(sub)
        .bind(pool_id)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Users whose `attr` equals `value` (case-insensitively for email and
    /// preferred_username); with `verified_only`, only those whose email / phone is verified.
    pub async fn find_users_by_attr(
        &self,
        pool_id: &str,
        attr: LookupAttr,
        value: &str,
        verified_only: bool,
    ) -> Result<Vec<User>, sqlx::Error> {
        let column = attr.column();
        let verified = match (verified_only, attr) {
            (true, LookupAttr::Email) => " AND email_verified = 1",
            (true, LookupAttr::PhoneNumber) => " AND phone_number_verified = 1",
            _ => "",
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM users WHERE pool_id = ? AND {column} = ?{verified} \
             ORDER BY created"
        )))
        .bind(pool_id)
        .bind(attr.key(value))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Deletes a user (its codes and group memberships go with it); false when absent.
    pub async fn delete_user(&self, pool_id: &str, username: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM users WHERE pool_id = ? AND username = ?")
            .bind(pool_id)
            .bind(username)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn count_users(&self, pool_id: &str) -> Result<i64, sqlx::Error> {
        let row = sqlx::query("SELECT COUNT(*) FROM users WHERE pool_id = ?")
            .bind(pool_id)
            .fetch_one(&self.read)
            .await?;
        row.try_get(0)
    }

    /// A pool's users in internal-username order after `after`, at most `limit`, only those
    /// `filter` matches when given.
    pub async fn list_users(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
        filter: Option<&UserFilter>,
    ) -> Result<Vec<User>, sqlx::Error> {
        let condition = match filter {
            None => String::new(),
            Some(f) => {
                let target = match &f.field {
                    FilterField::Column(c) => c.to_string(),
                    FilterField::Attribute(_) => "json_extract(j.value, '$[1]')".to_string(),
                };
                let test = match f.op {
                    FilterOp::Equals => format!("{target} = ?"),
                    FilterOp::StartsWith => format!("substr({target}, 1, ?) = ?"),
                };
                match &f.field {
                    FilterField::Column(_) => format!(" AND {test}"),
                    FilterField::Attribute(_) => format!(
                        " AND EXISTS (SELECT 1 FROM json_each(users.attributes) j \
                         WHERE json_extract(j.value, '$[0]') = ? AND {test})"
                    ),
                }
            }
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM users WHERE pool_id = ? AND username > ?{condition} \
             ORDER BY username LIMIT ?"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(pool_id)
            .bind(after.unwrap_or(""));
        if let Some(f) = filter {
            if let FilterField::Attribute(name) = &f.field {
                query = query.bind(name.clone());
            }
            if f.op == FilterOp::StartsWith {
                query = query.bind(f.value.chars().count() as i64);
            }
            query = query.bind(f.value.clone());
        }
        let rows = query.bind(limit as i64).fetch_all(&self.read).await?;
        rows.iter().map(user_from_row).collect()
    }
}
