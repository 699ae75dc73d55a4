//! Users. One row per user; the attributes as a JSON list, plus indexed lowercased copies of
//! the attributes requests look users up by (email, phone_number, preferred_username).

use super::Store;
use crate::crypto::password::StoredPassword;
use crate::model::user::{User, UserStatus};
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row};
use std::sync::LazyLock;

// The SRP salt and verifier are stored as BLOBs when their hex is canonical (see
// `password_blob`); this turns them back into the same hex.
pub(super) const COLUMNS: &str = "pool_id, username, sub, status, enabled, attributes, \
     CASE typeof(password_salt) WHEN 'blob' THEN ltrim(lower(hex(password_salt)), '0') \
     ELSE password_salt END AS password_salt, \
     CASE typeof(password_verifier) WHEN 'blob' THEN ltrim(lower(hex(password_verifier)), '0') \
     ELSE password_verifier END AS password_verifier, created, modified";

/// A ListUsers filter: which column, how it is compared, and the value (already normalised
/// the way the column holds it).
#[derive(Debug, Clone, PartialEq)]
pub struct UserFilter {
    /// A column of `users` (from a fixed list the caller chooses from, never user input),
    /// each with an index on (pool_id, column, username).
    pub column: &'static str,
    pub op: FilterOp,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Equals,
    StartsWith,
}

/// Where a ListUsers page ends: the last user's internal username and, for a prefix filter
/// (whose pages are in (column, username) order), its value of the filtered column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCursor {
    pub username: String,
    pub key: Option<String>,
}

/// One page of ListUsers and the cursor of the next one (None on the last page).
#[derive(Debug, Clone)]
pub struct UserPage {
    pub users: Vec<User>,
    pub next: Option<UserCursor>,
}

/// A user as the access-token check reads it (see [`Store::get_token_user`]).
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub user: User,
    /// The token's family was revoked (sign-out, a revoked refresh token, a deleted user).
    pub family_revoked: bool,
    /// The user's MFA settings document, when they have one.
    pub mfa_doc: Option<String>,
}

/// Attributes a user can be found by besides the username.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupAttr {
    Email,
    PhoneNumber,
    PreferredUsername,
}

impl LookupAttr {
    pub(super) fn column(self) -> &'static str {
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

pub(super) fn user_from_row(row: &SqliteRow) -> Result<User, sqlx::Error> {
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

/// The bytes of `hex` when it is canonical (lowercase, no leading zero: what
/// `BigUint::to_str_radix(16)` gives), so that `ltrim(lower(hex(blob)), '0')` gives it back;
/// None for any other string, which is then stored as text.
fn password_blob(hex: &str) -> Option<Vec<u8>> {
    let canonical = !hex.starts_with('0')
        && !hex.is_empty()
        && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !canonical {
        return None;
    }
    let nibble = |b: u8| match b {
        b'0'..=b'9' => b - b'0',
        _ => b - b'a' + 10,
    };
    let padded: Vec<u8> = if hex.len() % 2 == 1 {
        std::iter::once(b'0').chain(hex.bytes()).collect()
    } else {
        hex.bytes().collect()
    };
    Some(
        padded
            .chunks(2)
            .map(|pair| (nibble(pair[0]) << 4) | nibble(pair[1]))
            .collect(),
    )
}

/// The columns `insert_user` and `save_user` both write, with their placeholders, in the
/// order `bind_mutable` binds them.
const MUTABLE_COLUMNS: &[(&str, &str)] = &[
    ("status", "?"),
    ("enabled", "?"),
    ("attributes", "?"),
    // (blob, text): one of the two is NULL.
    ("password_salt", "COALESCE(?, ?)"),
    ("password_verifier", "COALESCE(?, ?)"),
    ("modified", "?"),
    ("email", "?"),
    ("email_verified", "?"),
    ("phone_number", "?"),
    ("phone_number_verified", "?"),
    ("preferred_username", "?"),
    ("name", "?"),
    ("given_name", "?"),
    ("family_name", "?"),
];

pub(super) static INSERT_USER: LazyLock<String> = LazyLock::new(|| {
    let names: Vec<&str> = MUTABLE_COLUMNS.iter().map(|(n, _)| *n).collect();
    let values: Vec<&str> = MUTABLE_COLUMNS.iter().map(|(_, v)| *v).collect();
    format!(
        "INSERT INTO users (pool_id, username, username_key, sub, created, {}) \
         VALUES (?, ?, ?, ?, ?, {})",
        names.join(", "),
        values.join(", ")
    )
});

/// [`INSERT_USER`] as `INSERT ... SELECT <the same values>`, for a caller to append a
/// WHERE clause that must hold for the row to be inserted.
pub(super) static INSERT_USER_WHERE: LazyLock<String> = LazyLock::new(|| {
    INSERT_USER
        .replacen(") VALUES (", ") SELECT ", 1)
        .strip_suffix(')')
        .unwrap_or_default()
        .to_string()
});

pub(super) static SAVE_USER: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = MUTABLE_COLUMNS
        .iter()
        .map(|(n, v)| format!("{n} = {v}"))
        .collect();
    format!(
        "UPDATE users SET {} WHERE pool_id = ? AND username = ?",
        sets.join(", ")
    )
});

pub(super) type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

pub(super) fn bind_mutable<'q>(query: Query<'q>, user: &'q User) -> Result<Query<'q>, sqlx::Error> {
    let salt = user.password.as_ref().map(|p| p.salt_hex.as_str());
    let verifier = user.password.as_ref().map(|p| p.verifier_hex.as_str());
    let salt_blob = salt.and_then(password_blob);
    let verifier_blob = verifier.and_then(password_blob);
    Ok(query
        .bind(user.status.as_str())
        .bind(user.enabled as i64)
        .bind(attributes_json(user)?)
        .bind(salt_blob.clone())
        .bind(salt.filter(|_| salt_blob.is_none()))
        .bind(verifier_blob.clone())
        .bind(verifier.filter(|_| verifier_blob.is_none()))
        .bind(user.modified)
        .bind(user.email_key())
        .bind(user.attr_is_true("email_verified") as i64)
        .bind(user.phone_key())
        .bind(user.attr_is_true("phone_number_verified") as i64)
        .bind(user.preferred_username_key())
        .bind(user.attr("name"))
        .bind(user.attr("given_name"))
        .bind(user.attr("family_name")))
}

/// True when `e` is a UNIQUE/PRIMARY KEY violation.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Store {
    /// Inserts a new user whose sign-in key is `username_key`; false when the pool already
    /// has a user with that key (or that internal username).
    pub async fn insert_user(&self, user: &User, username_key: &str) -> Result<bool, sqlx::Error> {
        let query = sqlx::query(AssertSqlSafe(INSERT_USER.as_str()))
            .bind(&user.pool_id)
            .bind(&user.username)
            .bind(username_key)
            .bind(&user.sub)
            .bind(user.created);
        match bind_mutable(query, user)?.execute(&self.write).await {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Writes every mutable field of `user` (found by pool and internal username); false
    /// when the user no longer exists.
    pub async fn save_user(&self, user: &User) -> Result<bool, sqlx::Error> {
        let done = bind_mutable(sqlx::query(AssertSqlSafe(SAVE_USER.as_str())), user)?
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

    /// What the access-token check reads, in one query (each query is a round trip to the
    /// connection's thread): the user, whether the token's family `origin_jti` was revoked,
    /// and the user's MFA settings document. None when there is no such user.
    pub async fn get_token_user(
        &self,
        pool_id: &str,
        username: &str,
        origin_jti: Option<&str>,
    ) -> Result<Option<TokenUser>, sqlx::Error> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS}, \
             EXISTS(SELECT 1 FROM token_families f \
                    WHERE f.origin_jti = ? AND f.revoked_at IS NOT NULL) AS family_revoked, \
             (SELECT m.doc FROM user_mfa m \
              WHERE m.pool_id = users.pool_id AND m.sub = users.sub) AS mfa_doc \
             FROM users WHERE pool_id = ? AND username = ?"
        )))
        .bind(origin_jti)
        .bind(pool_id)
        .bind(username)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref()
            .map(|row| {
                Ok(TokenUser {
                    user: user_from_row(row)?,
                    family_revoked: row.try_get::<i64, _>("family_revoked")? != 0,
                    mfa_doc: row.try_get("mfa_doc")?,
                })
            })
            .transpose()
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
        // Kept by triggers on `users` (migration 0025).
        let n: Option<i64> =
            sqlx::query_scalar("SELECT users FROM pool_user_counts WHERE pool_id = ?")
                .bind(pool_id)
                .fetch_optional(&self.read)
                .await?;
        Ok(n.unwrap_or(0))
    }

    /// One page (at most `limit` users) of a pool's users after `after`, only those `filter`
    /// matches when given. Pages are in internal-username order, except under a prefix filter,
    /// whose pages are in (filtered value, username) order so they come off one index range.
    pub async fn list_users(
        &self,
        pool_id: &str,
        after: Option<&UserCursor>,
        limit: u32,
        filter: Option<&UserFilter>,
    ) -> Result<UserPage, sqlx::Error> {
        let (sql, args) = list_users_query(pool_id, after, limit.saturating_add(1), filter);
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for arg in args {
            query = match arg {
                Arg::Text(t) => query.bind(t),
                Arg::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(&self.read).await?;
        let more = rows.len() > limit as usize;
        let mut users = Vec::with_capacity(rows.len().min(limit as usize));
        let mut next = None;
        for row in rows.iter().take(limit as usize) {
            let user = user_from_row(row)?;
            if more {
                next = Some(UserCursor {
                    username: user.username.clone(),
                    key: row.try_get("sort_key")?,
                });
            }
            users.push(user);
        }
        if !more {
            next = None;
        }
        Ok(UserPage { users, next })
    }
}

/// A value bound to a query.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Text(String),
    Int(i64),
}

/// The smallest string greater than every string that starts with `prefix` (None when
/// there is none): the prefix with its last character replaced by the next one (UTF-8 byte
/// order is code point order, so this holds for SQLite's BINARY comparisons).
fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last as u32 {
            0xD7FF => Some('\u{E000}'),
            n => char::from_u32(n + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
        // U+10FFFF has no successor: carry into the previous character.
    }
    None
}

/// The SQL and arguments of one ListUsers page; each shape is answered from an index range
/// (see the query-plan tests).
fn list_users_query(
    pool_id: &str,
    after: Option<&UserCursor>,
    limit: u32,
    filter: Option<&UserFilter>,
) -> (String, Vec<Arg>) {
    let mut args = vec![Arg::Text(pool_id.to_string())];
    let mut sql = format!("SELECT {COLUMNS}");
    match filter {
        None => {
            sql.push_str(", NULL AS sort_key FROM users WHERE pool_id = ?");
            if let Some(after) = after {
                sql.push_str(" AND username > ?");
                args.push(Arg::Text(after.username.clone()));
            }
            sql.push_str(" ORDER BY username");
        }
        Some(UserFilter {
            column,
            op: FilterOp::Equals,
            value,
        }) => {
            sql.push_str(&format!(
                ", NULL AS sort_key FROM users WHERE pool_id = ? AND {column} = ?"
            ));
            args.push(Arg::Text(value.clone()));
            if let Some(after) = after {
                sql.push_str(" AND username > ?");
                args.push(Arg::Text(after.username.clone()));
            }
            sql.push_str(" ORDER BY username");
        }
        Some(UserFilter {
            column,
            op: FilterOp::StartsWith,
            value,
        }) => {
            // `sub` is unique across pools and its index does not start with pool_id: keep
            // the planner off the pool's indexes (which would read the whole pool and sort).
            let pool_term = if *column == "sub" {
                "+pool_id = ?"
            } else {
                "pool_id = ?"
            };
            sql.push_str(&format!(
                ", {column} AS sort_key FROM users WHERE {pool_term} AND {column} >= ?"
            ));
            // After a cursor the range starts at its value (which has the prefix); rows
            // with that very value continue after its username.
            match after.and_then(|a| a.key.as_ref().map(|k| (k, &a.username))) {
                Some((key, username)) if key.as_str() >= value.as_str() => {
                    args.push(Arg::Text(key.clone()));
                    sql.push_str(&format!(" AND ({column} > ? OR username > ?)"));
                    args.push(Arg::Text(key.clone()));
                    args.push(Arg::Text(username.clone()));
                }
                _ => args.push(Arg::Text(value.clone())),
            }
            if let Some(end) = prefix_successor(value) {
                sql.push_str(&format!(" AND {column} < ?"));
                args.push(Arg::Text(end));
            }
            sql.push_str(&format!(" ORDER BY {column}, username"));
        }
    }
    sql.push_str(" LIMIT ?");
    args.push(Arg::Int(limit as i64));
    (sql, args)
}

#[cfg(test)]
mod tests;
