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
mod tests {
    use super::*;
    use crate::crypto::password::hash_password;
    use crate::store::migrate;
    use sqlx::SqlitePool;

    async fn memory_store() -> Store {
        Store::open(None).await.unwrap()
    }

    /// The detail lines of SQLite's plan for `sql` (every `?` bound to a string).
    async fn plan(pool: &SqlitePool, sql: &str) -> Vec<String> {
        let mut query = sqlx::query(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")));
        for _ in 0..sql.matches('?').count() {
            query = query.bind("x");
        }
        query
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>("detail"))
            .collect()
    }

    fn assert_indexed(sql: &str, steps: &[String], sorted_by_index: bool) {
        assert!(
            steps
                .iter()
                .all(|s| !s.starts_with("SCAN") && !s.contains("AUTOMATIC")),
            "{sql}\n{steps:#?}"
        );
        assert!(
            steps.iter().any(|s| s.contains("INDEX")),
            "{sql}\n{steps:#?}"
        );
        if sorted_by_index {
            assert!(
                steps.iter().all(|s| !s.contains("TEMP B-TREE")),
                "{sql}\n{steps:#?}"
            );
        }
    }

    #[tokio::test]
    async fn list_users_queries_come_off_an_index() {
        let store = memory_store().await;
        let columns = [
            "username_key",
            "email",
            "phone_number",
            "preferred_username",
            "sub",
            "status",
            "enabled",
            "name",
            "given_name",
            "family_name",
        ];
        let cursors = [
            None,
            Some(UserCursor {
                username: "u".into(),
                key: None,
            }),
            Some(UserCursor {
                username: "u".into(),
                key: Some("ab".into()),
            }),
        ];
        let mut filters = vec![None];
        for column in columns {
            for op in [FilterOp::Equals, FilterOp::StartsWith] {
                filters.push(Some(UserFilter {
                    column,
                    op,
                    value: "a".into(),
                }));
            }
        }
        for filter in &filters {
            for cursor in &cursors {
                let (sql, args) = list_users_query("p", cursor.as_ref(), 61, filter.as_ref());
                assert_eq!(sql.matches('?').count(), args.len(), "{sql}");
                let steps = plan(&store.read, &sql).await;
                assert_indexed(&sql, &steps, true);
                let index_of = |c: &str| match c {
                    "username_key" => "users_by_key".to_string(),
                    "phone_number" => "users_by_phone".to_string(),
                    c => format!("users_by_{c}"),
                };
                let expected = filter
                    .as_ref()
                    .map_or("users_by_username".to_string(), |f| index_of(f.column));
                assert!(
                    steps
                        .iter()
                        .any(|s| s.contains(&format!("INDEX {expected} "))),
                    "{sql}\n{steps:#?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn hot_lookups_use_indexes() {
        let store = memory_store().await;
        // (query, whether its ORDER BY must come from the index). Those of other tables
        // are copies of what the store runs on every sign-in / token request.
        let user_lookups = [
            format!("SELECT {COLUMNS} FROM users WHERE pool_id = ? AND username_key = ?"),
            format!("SELECT {COLUMNS} FROM users WHERE pool_id = ? AND username = ?"),
            format!("SELECT {COLUMNS} FROM users WHERE sub = ? AND pool_id = ?"),
            "DELETE FROM users WHERE pool_id = ? AND username = ?".to_string(),
            SAVE_USER.clone(),
        ];
        for sql in &user_lookups {
            assert_indexed(sql, &plan(&store.read, sql).await, true);
        }
        for attr in [
            LookupAttr::Email,
            LookupAttr::PhoneNumber,
            LookupAttr::PreferredUsername,
        ] {
            let column = attr.column();
            for verified in [
                "",
                " AND email_verified = 1",
                " AND phone_number_verified = 1",
            ] {
                let sql = format!(
                    "SELECT {COLUMNS} FROM users WHERE pool_id = ? AND {column} = ?{verified} \
                     ORDER BY created"
                );
                let steps = plan(&store.read, &sql).await;
                assert_indexed(&sql, &steps, false);
                assert!(
                    steps
                        .iter()
                        .any(|s| s.contains(&format!("(pool_id=? AND {column}=?)"))),
                    "{sql}\n{steps:#?}"
                );
            }
        }
        let others = [
            "SELECT code, expires FROM user_codes WHERE pool_id = ? AND username = ? AND purpose = ?",
            "SELECT value FROM pending_attributes WHERE pool_id = ? AND username = ? AND attribute = ?",
            "SELECT g.doc FROM user_group_members m JOIN user_groups g \
             ON g.pool_id = m.pool_id AND g.name = m.group_name \
             WHERE m.pool_id = ? AND m.username = ?",
            "SELECT username FROM user_group_members WHERE pool_id = ? AND group_name = ? \
             AND username > ? ORDER BY username LIMIT ?",
            "SELECT doc FROM user_groups WHERE pool_id = ? AND name > ? ORDER BY name LIMIT ?",
            "SELECT failures, locked_until FROM sign_in_failures WHERE pool_id = ? AND sub = ?",
            "DELETE FROM auth_challenges WHERE expires < ?",
            "SELECT pool_id, client_id, username, challenge, state, expires FROM auth_challenges \
             WHERE handle_sha256 = ?",
            "SELECT f.origin_jti, f.pool_id, r.expires, r.replaced_at FROM refresh_tokens r \
             JOIN token_families f ON f.origin_jti = r.origin_jti WHERE r.token_sha256 = ?",
            "SELECT * FROM token_families WHERE origin_jti = ?",
            "UPDATE token_families SET revoked_at = ? WHERE pool_id = ? AND username = ? \
             AND revoked_at IS NULL",
            "SELECT doc FROM user_mfa WHERE pool_id = ? AND sub = ?",
            "SELECT doc FROM pool_mfa WHERE pool_id = ?",
        ];
        for sql in others {
            let steps = plan(&store.read, sql).await;
            assert!(
                steps.iter().all(|s| !s.starts_with("SCAN")),
                "{sql}\n{steps:#?}"
            );
        }
    }

    fn user(pool: &str, name: &str, attrs: &[(&str, &str)]) -> User {
        let mut u = User::new(
            pool,
            name,
            &format!("sub-{pool}-{name}"),
            UserStatus::Confirmed,
            1.0,
        );
        for (n, v) in attrs {
            u.set_attr(n, v);
        }
        u
    }

    async fn add_pool(store: &Store, id: &str) {
        sqlx::query("INSERT INTO user_pools (id, name, created, doc) VALUES (?, ?, 0, '{}')")
            .bind(id)
            .bind(id)
            .execute(&store.write)
            .await
            .unwrap();
    }

    #[test]
    fn prefix_successors() {
        assert_eq!(prefix_successor("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_successor("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_successor("\u{10FFFF}"), None);
        assert_eq!(prefix_successor(""), None);
    }

    #[tokio::test]
    async fn passwords_round_trip_whatever_their_hex() {
        let store = memory_store().await;
        add_pool(&store, "p").await;
        let mut u = user("p", "alice", &[]);
        u.password = Some(hash_password("p", "alice", "Passw0rd!"));
        assert!(store.insert_user(&u, "alice").await.unwrap());
        assert_eq!(store.get_user("p", "alice").await.unwrap().unwrap(), u);
        let kind: String = sqlx::query_scalar("SELECT typeof(password_verifier) FROM users")
            .fetch_one(&store.read)
            .await
            .unwrap();
        assert_eq!(kind, "blob");
        for (salt, verifier) in [("abc", "0abc"), ("ABC", ""), ("0", "12x")] {
            u.password = Some(StoredPassword {
                salt_hex: salt.into(),
                verifier_hex: verifier.into(),
            });
            assert!(store.save_user(&u).await.unwrap());
            assert_eq!(store.get_user("p", "alice").await.unwrap().unwrap(), u);
        }
        u.password = None;
        assert!(store.save_user(&u).await.unwrap());
        assert_eq!(store.get_user("p", "alice").await.unwrap().unwrap(), u);
    }

    /// Every page of `filter`, two users at a time.
    async fn all_pages(store: &Store, filter: Option<&UserFilter>) -> Vec<String> {
        let mut names = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .list_users("p", after.as_ref(), 2, filter)
                .await
                .unwrap();
            names.extend(page.users.into_iter().map(|u| u.username));
            match page.next {
                Some(next) => after = Some(next),
                None => return names,
            }
        }
    }

    #[tokio::test]
    async fn prefix_filters_page_through_ties() {
        let store = memory_store().await;
        add_pool(&store, "p").await;
        add_pool(&store, "q").await;
        for (name, given) in [
            ("u1", "Anna"),
            ("u2", "Ann"),
            ("u3", "Anna"),
            ("u4", "Bob"),
            ("u5", "Anna"),
            ("u6", "An"),
            ("u7", "Ao"),
        ] {
            let u = user("p", name, &[("given_name", given)]);
            assert!(store.insert_user(&u, name).await.unwrap());
        }
        let other = user("q", "u8", &[("given_name", "Anna")]);
        assert!(store.insert_user(&other, "u8").await.unwrap());
        let prefix = |v: &str| UserFilter {
            column: "given_name",
            op: FilterOp::StartsWith,
            value: v.into(),
        };
        assert_eq!(
            all_pages(&store, Some(&prefix("An"))).await,
            ["u6", "u2", "u1", "u3", "u5"]
        );
        assert_eq!(
            all_pages(&store, Some(&prefix("Anna"))).await,
            ["u1", "u3", "u5"]
        );
        assert_eq!(all_pages(&store, Some(&prefix(""))).await.len(), 7);
        let equals = UserFilter {
            column: "given_name",
            op: FilterOp::Equals,
            value: "Anna".into(),
        };
        assert_eq!(all_pages(&store, Some(&equals)).await, ["u1", "u3", "u5"]);
        assert_eq!(all_pages(&store, None).await.len(), 7);
        // Renaming moves the user between filters (the column follows the attribute).
        let mut u4 = store.get_user("p", "u4").await.unwrap().unwrap();
        u4.set_attr("given_name", "Anna");
        assert!(store.save_user(&u4).await.unwrap());
        assert_eq!(
            all_pages(&store, Some(&equals)).await,
            ["u1", "u3", "u4", "u5"]
        );
        u4.remove_attr("given_name");
        assert!(store.save_user(&u4).await.unwrap());
        assert_eq!(all_pages(&store, Some(&prefix(""))).await.len(), 6);
    }

    /// Writers that insert users with the attributes only (the bulk import) still get the
    /// name columns ListUsers filters on.
    #[tokio::test]
    async fn name_columns_follow_attributes_of_other_writers() {
        let store = memory_store().await;
        add_pool(&store, "p").await;
        sqlx::query(
            "INSERT INTO users (pool_id, username, username_key, sub, status, enabled, \
             attributes, created, modified) VALUES ('p', 'imp', 'imp', 's-imp', 'CONFIRMED', 1, \
             '[[\"sub\",\"s-imp\"],[\"given_name\",\"Zed\"],[\"family_name\",\"Q\"]]', 0, 0), \
             ('p', 'plain', 'plain', 's-plain', 'CONFIRMED', 1, '[[\"sub\",\"s-plain\"]]', 0, 0)",
        )
        .execute(&store.write)
        .await
        .unwrap();
        for (column, value, found) in [
            ("given_name", "Zed", 1),
            ("family_name", "Q", 1),
            ("name", "Zed", 0),
        ] {
            let filter = UserFilter {
                column,
                op: FilterOp::Equals,
                value: value.into(),
            };
            let page = store
                .list_users("p", None, 10, Some(&filter))
                .await
                .unwrap();
            assert_eq!(page.users.len(), found, "{column}");
        }
    }

    #[tokio::test]
    async fn user_counts_follow_every_writer() {
        let store = memory_store().await;
        add_pool(&store, "p").await;
        add_pool(&store, "q").await;
        assert_eq!(store.count_users("p").await.unwrap(), 0);
        for name in ["a", "b", "c"] {
            assert!(
                store
                    .insert_user(&user("p", name, &[]), name)
                    .await
                    .unwrap()
            );
        }
        // A refused duplicate does not count.
        assert!(!store.insert_user(&user("p", "a", &[]), "a").await.unwrap());
        assert!(store.insert_user(&user("q", "a", &[]), "a").await.unwrap());
        sqlx::query(
            "INSERT INTO users (pool_id, username, username_key, sub, status, enabled, \
             attributes, created, modified) VALUES ('p', 'i', 'i', 's-i', 'CONFIRMED', 1, '[]', 0, 0) \
             ON CONFLICT DO NOTHING",
        )
        .execute(&store.write)
        .await
        .unwrap();
        assert_eq!(store.count_users("p").await.unwrap(), 4);
        assert!(store.delete_user("p", "b").await.unwrap());
        assert_eq!(store.count_users("p").await.unwrap(), 3);
        assert_eq!(store.count_users("q").await.unwrap(), 1);
        sqlx::query("DELETE FROM user_pools WHERE id = 'p'")
            .execute(&store.write)
            .await
            .unwrap();
        assert_eq!(store.count_users("p").await.unwrap(), 0);
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE pool_id = 'p'")
            .fetch_one(&store.read)
            .await
            .unwrap();
        assert_eq!(n, 0);
    }

    /// A database made by the schema before 0024 (users WITHOUT ROWID, hex passwords),
    /// with codes, memberships and pending attributes, keeps them all through 0024.
    #[tokio::test]
    async fn users_survive_the_rowid_rebuild() {
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .unwrap();
        let before: Vec<_> = migrate::MIGRATIONS
            .iter()
            .copied()
            .filter(|(v, _, _)| !(24..=29).contains(v))
            .collect();
        migrate::run_migrations(&pool, &before).await.unwrap();
        let password = hash_password("p", "alice", "Passw0rd!");
        sqlx::raw_sql(AssertSqlSafe(format!(
            "INSERT INTO user_pools (id, name, created, doc) VALUES ('p', 'p', 0, '{{}}');
             INSERT INTO users (pool_id, username, username_key, sub, status, enabled, attributes,
                 password_salt, password_verifier, created, modified, email, email_verified)
             VALUES ('p', 'Alice', 'alice', 's-a', 'CONFIRMED', 1,
                 '[[\"sub\",\"s-a\"],[\"email\",\"A@x.io\"],[\"given_name\",\"Al\"],[\"name\",\"Alice A\"]]',
                 '{}', '{}', 1.5, 2.5, 'a@x.io', 1),
             ('p', 'bob', 'bob', 's-b', 'UNCONFIRMED', 0, '[[\"sub\",\"s-b\"]]',
                 '0ab', 'XYZ', 3, 3, NULL, 0);
             INSERT INTO user_codes VALUES ('p', 'Alice', 'signup', '123456', 99);
             INSERT INTO user_codes VALUES ('p', 'bob', 'signup', '654321', 99);
             INSERT INTO user_groups VALUES ('p', 'g', NULL, 0, '{{}}');
             INSERT INTO user_group_members VALUES ('p', 'g', 'Alice');
             INSERT INTO user_group_members VALUES ('p', 'g', 'bob');
             INSERT INTO pending_attributes VALUES ('p', 'Alice', 'email', 'new@x.io');",
            password.salt_hex, password.verifier_hex
        )))
        .execute(&pool)
        .await
        .unwrap();

        migrate::run_migrations(&pool, migrate::MIGRATIONS)
            .await
            .unwrap();
        let store = Store {
            read: pool.clone(),
            write: pool.clone(),
            keys: Default::default(),
        };
        let alice = store.get_user_by_key("p", "alice").await.unwrap().unwrap();
        assert_eq!(alice.username, "Alice");
        assert_eq!(alice.password.as_ref(), Some(&password));
        assert_eq!((alice.created, alice.modified), (1.5, 2.5));
        assert_eq!(alice.attr("email"), Some("A@x.io"));
        let bob = store.find_user_by_sub("p", "s-b").await.unwrap().unwrap();
        assert!(!bob.enabled);
        let bob_password = bob.password.unwrap();
        assert_eq!(
            (
                bob_password.salt_hex.as_str(),
                bob_password.verifier_hex.as_str()
            ),
            ("0ab", "XYZ")
        );
        let by_email = store
            .find_users_by_attr("p", LookupAttr::Email, "A@X.IO", true)
            .await
            .unwrap();
        assert_eq!(by_email.len(), 1);
        for (column, value) in [("given_name", "Al"), ("name", "Alice A")] {
            let filter = UserFilter {
                column,
                op: FilterOp::Equals,
                value: value.into(),
            };
            let page = store
                .list_users("p", None, 10, Some(&filter))
                .await
                .unwrap();
            assert_eq!(page.users.len(), 1, "{column}");
        }
        assert!(
            store
                .get_code("p", "Alice", "signup")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .get_pending_attribute("p", "Alice", "email")
                .await
                .unwrap()
                .is_some()
        );
        let members: i64 = sqlx::query_scalar("SELECT count(*) FROM user_group_members")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(members, 2);
        assert_eq!(store.count_users("p").await.unwrap(), 2);

        // Foreign keys are enforced again, and deleting a user still takes its rows along.
        let orphan = sqlx::query("INSERT INTO user_codes VALUES ('p', 'nobody', 'signup', '1', 1)")
            .execute(&pool)
            .await;
        assert!(orphan.is_err());
        assert!(store.delete_user("p", "Alice").await.unwrap());
        assert_eq!(store.count_users("p").await.unwrap(), 1);
        for table in ["user_codes", "user_group_members", "pending_attributes"] {
            let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT count(*) FROM {table} WHERE username = 'Alice'"
            )))
            .fetch_one(&pool)
            .await
            .unwrap();
            assert_eq!(n, 0, "{table}");
        }
        assert!(
            store
                .get_code("p", "bob", "signup")
                .await
                .unwrap()
                .is_some()
        );
        // The uniqueness rules hold: same key, same username, same sub.
        let dup = user("p", "BOB", &[]);
        assert!(!store.insert_user(&dup, "bob").await.unwrap());
        let mut dup = user("p", "bob", &[]);
        assert!(!store.insert_user(&dup, "bob2").await.unwrap());
        dup.username = "carol".into();
        dup.sub = "s-b".into();
        assert!(!store.insert_user(&dup, "carol").await.unwrap());
    }

    /// Scale measurement, not a check: `cargo test --release --lib users::tests::scale --
    /// --ignored --nocapture` (USERS=1000,100000 to choose the sizes, SCHEMAS=new
    /// to measure only the current one). Fills a file database
    /// with the old (pre-0024) and the current schema and prints bytes per user and lookup
    /// latencies.
    #[tokio::test]
    #[ignore]
    async fn scale() {
        let sizes: Vec<usize> = std::env::var("USERS")
            .unwrap_or_else(|_| "1000,100000".into())
            .split(',')
            .map(|n| n.trim().parse().unwrap())
            .collect();
        let password = hash_password("p", "u", "Passw0rd!");
        // SCHEMAS=new skips the old schema (about 5 KB per user on disk).
        let old_too = std::env::var("SCHEMAS").map_or(true, |s| s != "new");
        for &n in &sizes {
            for old in [true, false] {
                if old && !old_too {
                    continue;
                }
                scale_one(n, old, &password).await;
            }
        }
    }

    fn sample(n: usize, i: usize) -> User {
        let sub = format!("{:08x}-0000-4000-8000-{:012x}", i, i * 7919);
        let mut u = User::new(
            "us-east-1_Scale0001",
            &format!("user{i:07}"),
            &sub,
            UserStatus::Confirmed,
            1.7e9,
        );
        u.set_attr("email", &format!("User{i}@Example.com"));
        u.set_attr("email_verified", "true");
        u.set_attr("phone_number", &format!("+1555{i:07}"));
        u.set_attr("given_name", &format!("Given{}", i % (n / 10).max(1)));
        u.set_attr("family_name", "Family");
        u.set_attr("name", &format!("Given{i} Family"));
        u
    }

    fn percentile(mut v: Vec<std::time::Duration>, p: f64) -> f64 {
        v.sort();
        let i = ((v.len() as f64 - 1.0) * p).round() as usize;
        v[i].as_secs_f64() * 1e6
    }

    async fn timed<F, Fut>(label: &str, runs: usize, mut f: F)
    where
        F: FnMut(usize) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let mut times = Vec::with_capacity(runs);
        for r in 0..runs {
            let t = std::time::Instant::now();
            f(r).await;
            times.push(t.elapsed());
        }
        let p50 = percentile(times.clone(), 0.5);
        let p99 = percentile(times, 0.99);
        println!("    {label:<34} p50 {p50:>9.1} us   p99 {p99:>9.1} us");
    }

    async fn scale_one(n: usize, old: bool, password: &StoredPassword) {
        let dir = std::env::temp_dir().join(format!(
            "cognito-emu-scale-{}-{n}-{old}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("db.sqlite");
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Off)
            .foreign_keys(true);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .unwrap();
        let migrations: Vec<_> = migrate::MIGRATIONS
            .iter()
            .copied()
            .filter(|(v, _, _)| !old || !(24..=29).contains(v))
            .collect();
        migrate::run_migrations(&pool, &migrations).await.unwrap();
        let store = Store {
            read: pool.clone(),
            write: pool.clone(),
            keys: Default::default(),
        };
        add_pool(&store, "us-east-1_Scale0001").await;
        let start = std::time::Instant::now();
        let mut tx = pool.begin().await.unwrap();
        for i in 0..n {
            let mut u = sample(n, i);
            u.password = Some(password.clone());
            if old {
                sqlx::query(
                    "INSERT INTO users (pool_id, username, username_key, sub, status, enabled, \
                     attributes, password_salt, password_verifier, created, modified, email, \
                     email_verified, phone_number, phone_number_verified, preferred_username) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(&u.pool_id)
                .bind(&u.username)
                .bind(&u.username)
                .bind(&u.sub)
                .bind(u.status.as_str())
                .bind(1)
                .bind(attributes_json(&u).unwrap())
                .bind(&password.salt_hex)
                .bind(&password.verifier_hex)
                .bind(u.created)
                .bind(u.modified)
                .bind(u.email_key())
                .bind(1)
                .bind(u.phone_key())
                .bind(1)
                .bind(u.preferred_username_key())
                .execute(&mut *tx)
                .await
                .unwrap();
            } else {
                let query = sqlx::query(AssertSqlSafe(INSERT_USER.as_str()))
                    .bind(&u.pool_id)
                    .bind(&u.username)
                    .bind(&u.username)
                    .bind(&u.sub)
                    .bind(u.created);
                bind_mutable(query, &u)
                    .unwrap()
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
        }
        tx.commit().await.unwrap();
        let fill = start.elapsed();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await
            .unwrap();
        let bytes = std::fs::metadata(&path).unwrap().len();
        println!(
            "{} schema, {n} users: {:.0} bytes/user ({:.1} MB), filled in {:.1} s",
            if old { "old" } else { "new" },
            bytes as f64 / n as f64,
            bytes as f64 / 1e6,
            fill.as_secs_f64()
        );
        let pool_id = "us-east-1_Scale0001";
        let runs = 2000;
        let pick = |r: usize| (r * 7_919_993) % n;
        if old {
            // The ListUsers email filter as main ran it before this change.
            timed("ListUsers email = (old query)", 50, |r| {
                let pool = pool.clone();
                async move {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM users WHERE pool_id = ? AND username > ? \
                         AND email = ? ORDER BY username LIMIT ?"
                    );
                    let rows = sqlx::query(AssertSqlSafe(sql))
                        .bind(pool_id)
                        .bind("")
                        .bind(format!("user{}@example.com", pick(r)))
                        .bind(61)
                        .fetch_all(&pool)
                        .await
                        .unwrap();
                    assert_eq!(rows.len(), 1);
                }
            })
            .await;
            pool.close().await;
            let _ = std::fs::remove_dir_all(&dir);
            return;
        }
        timed("get_user_by_key", runs, |r| {
            let store = store.clone();
            async move {
                let u = store
                    .get_user_by_key(pool_id, &format!("user{:07}", pick(r)))
                    .await
                    .unwrap();
                assert!(u.is_some());
            }
        })
        .await;
        timed("find_user_by_sub", runs, |r| {
            let store = store.clone();
            async move {
                let sub = sample(n, pick(r)).sub;
                assert!(
                    store
                        .find_user_by_sub(pool_id, &sub)
                        .await
                        .unwrap()
                        .is_some()
                );
            }
        })
        .await;
        timed("find_users_by_attr email (alias)", runs, |r| {
            let store = store.clone();
            async move {
                let email = format!("user{}@example.com", pick(r));
                let found = store
                    .find_users_by_attr(pool_id, LookupAttr::Email, &email, true)
                    .await
                    .unwrap();
                assert_eq!(found.len(), 1);
            }
        })
        .await;
        let list = |column: &'static str, op: FilterOp, value: String| {
            let store = store.clone();
            async move {
                let filter = UserFilter { column, op, value };
                let page = store
                    .list_users(pool_id, None, 60, Some(&filter))
                    .await
                    .unwrap();
                assert!(!page.users.is_empty());
            }
        };
        timed("ListUsers email =", runs, |r| {
            list(
                "email",
                FilterOp::Equals,
                format!("user{}@example.com", pick(r)),
            )
        })
        .await;
        timed("ListUsers email ^= (60 of many)", runs, |r| {
            list(
                "email",
                FilterOp::StartsWith,
                format!("user{}", pick(r) % 10),
            )
        })
        .await;
        timed("ListUsers given_name =", runs, |r| {
            list(
                "given_name",
                FilterOp::Equals,
                format!("Given{}", pick(r) % (n / 10).max(1)),
            )
        })
        .await;
        timed("ListUsers status = CONFIRMED", runs, |_| {
            list("status", FilterOp::Equals, "CONFIRMED".into())
        })
        .await;
        timed("ListUsers no filter, deep page", runs, |r| {
            let store = store.clone();
            async move {
                let after = UserCursor {
                    username: format!("user{:07}", pick(r)),
                    key: None,
                };
                store
                    .list_users(pool_id, Some(&after), 60, None)
                    .await
                    .unwrap();
            }
        })
        .await;
        timed("insert_user (autocommit)", runs, |r| {
            let store = store.clone();
            async move {
                let mut u = sample(n, n + r);
                u.password = Some(password.clone());
                assert!(store.insert_user(&u, &u.username.clone()).await.unwrap());
            }
        })
        .await;
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            for line in status
                .lines()
                .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
            {
                println!("    {line}");
            }
        }
        timed("count_users", 20, |_| {
            let store = store.clone();
            async move {
                store.count_users(pool_id).await.unwrap();
            }
        })
        .await;
        pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
