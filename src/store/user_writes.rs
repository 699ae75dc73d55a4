//! User writes whose preconditions must still hold when they commit: a new user whose
//! username / email is not taken, a confirmation that spends its code once, a verified alias
//! only one user holds. Handlers check these first to pick Cognito's error message; checked
//! again here inside one transaction on the write connection (the only writer, so nothing
//! commits in between), two concurrent requests can no longer both pass.

use super::Store;
use super::users::{
    COLUMNS, INSERT_USER, INSERT_USER_WHERE, SAVE_USER, bind_mutable, user_from_row,
};
use crate::model::user::{User, UserStatus};
use sqlx::{AssertSqlSafe, SqliteConnection};

/// A value the written user must hold alone in its pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Unique {
    pub attr: super::users::LookupAttr,
    pub value: String,
    /// Only verified holders count (an alias); otherwise any user holding the value does
    /// (email / phone number as username).
    pub verified_only: bool,
    /// Un-verify the other holders instead of refusing (ForceAliasCreation).
    pub take_over: bool,
}

/// A code the write spends: it must be stored for the user and purpose, equal `code` and
/// not be expired at `now`.
#[derive(Debug, Clone, Copy)]
pub struct SpendCode<'a> {
    pub purpose: &'a str,
    pub code: &'a str,
    pub now: f64,
}

/// What a checked write did. Anything but `Done` wrote nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    Done,
    /// The user pool does not exist (any more).
    PoolGone,
    /// The user does not exist (any more).
    UserGone,
    /// Another user has the username (or its sign-in key).
    UsernameTaken,
    /// Another user holds `unique[i]`.
    Taken(usize),
    /// The user's status is no longer the one expected; it is this.
    StatusChanged(UserStatus),
    /// The code is not (or no longer) stored, differs, or has expired.
    CodeRejected,
}

fn verified_flag(attr: super::users::LookupAttr) -> Option<&'static str> {
    match attr {
        super::users::LookupAttr::Email => Some("email_verified"),
        super::users::LookupAttr::PhoneNumber => Some("phone_number_verified"),
        super::users::LookupAttr::PreferredUsername => None,
    }
}

/// ` AND NOT EXISTS (...)` per `unique` value (none may be taken over): the checks of
/// [`claim_unique`] as a condition, binding (pool id, value, username) each.
fn unique_conditions(unique: &[Unique]) -> String {
    let mut sql = String::new();
    for u in unique {
        let verified = match (u.verified_only, verified_flag(u.attr)) {
            (true, Some(flag)) => format!(" AND {flag} = 1"),
            _ => String::new(),
        };
        sql.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM users WHERE pool_id = ? AND {} = ?{verified} \
             AND username <> ?)",
            u.attr.column()
        ));
    }
    sql
}

fn bind_unique<'q>(
    mut query: super::users::Query<'q>,
    user: &'q User,
    unique: &[Unique],
) -> super::users::Query<'q> {
    for u in unique {
        query = query
            .bind(&user.pool_id)
            .bind(u.attr.key(&u.value))
            .bind(&user.username);
    }
    query
}

/// Checks (and for `take_over`, clears) every `unique` value for `user` on `conn`;
/// `Some(i)` when `unique[i]` is held by another user.
async fn claim_unique(
    conn: &mut SqliteConnection,
    user: &User,
    unique: &[Unique],
) -> Result<Option<usize>, sqlx::Error> {
    for (i, u) in unique.iter().enumerate() {
        let verified = match (u.verified_only, verified_flag(u.attr)) {
            (true, Some(flag)) => format!(" AND {flag} = 1"),
            _ => String::new(),
        };
        let column = u.attr.column();
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM users WHERE pool_id = ? AND {column} = ?{verified} \
             AND username <> ?"
        )))
        .bind(&user.pool_id)
        .bind(u.attr.key(&u.value))
        .bind(&user.username)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            continue;
        }
        let flag = verified_flag(u.attr).filter(|_| u.take_over && u.verified_only);
        let Some(flag) = flag else {
            return Ok(Some(i));
        };
        for row in &rows {
            let mut other = user_from_row(row)?;
            other.set_attr(flag, "false");
            other.modified = user.modified;
            bind_mutable(sqlx::query(AssertSqlSafe(SAVE_USER.as_str())), &other)?
                .bind(&other.pool_id)
                .bind(&other.username)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(None)
}

impl Store {
    /// Inserts a new user whose sign-in key is `username_key`, unless the pool is gone, the
    /// key or username is taken, or another user holds one of the `unique` values.
    pub async fn insert_user_checked(
        &self,
        user: &User,
        username_key: &str,
        unique: &[Unique],
    ) -> Result<Checked, sqlx::Error> {
        // The usual case, every check passing, is one statement: a transaction would hold
        // the only write connection across five round trips. Only when it inserts nothing
        // does the transaction below find out why (or insert, if things changed since).
        if unique.iter().all(|u| !u.take_over) {
            let sql = format!(
                "{} WHERE EXISTS (SELECT 1 FROM user_pools WHERE id = ?) \
                 AND NOT EXISTS (SELECT 1 FROM users WHERE pool_id = ? \
                     AND (username_key = ? OR username = ?)){}",
                INSERT_USER_WHERE.as_str(),
                unique_conditions(unique)
            );
            let query = sqlx::query(AssertSqlSafe(sql))
                .bind(&user.pool_id)
                .bind(&user.username)
                .bind(username_key)
                .bind(&user.sub)
                .bind(user.created);
            let query = bind_mutable(query, user)?
                .bind(&user.pool_id)
                .bind(&user.pool_id)
                .bind(username_key)
                .bind(&user.username);
            let query = bind_unique(query, user, unique);
            if query.execute(&self.write).await?.rows_affected() == 1 {
                return Ok(Checked::Done);
            }
        }
        let mut tx = self.write.begin().await?;
        let pool: Option<i64> = sqlx::query_scalar("SELECT 1 FROM user_pools WHERE id = ?")
            .bind(&user.pool_id)
            .fetch_optional(&mut *tx)
            .await?;
        if pool.is_none() {
            return Ok(Checked::PoolGone);
        }
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM users WHERE pool_id = ? AND (username_key = ? OR username = ?)",
        )
        .bind(&user.pool_id)
        .bind(username_key)
        .bind(&user.username)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Ok(Checked::UsernameTaken);
        }
        if let Some(i) = claim_unique(&mut tx, user, unique).await? {
            return Ok(Checked::Taken(i));
        }
        let query = sqlx::query(AssertSqlSafe(INSERT_USER.as_str()))
            .bind(&user.pool_id)
            .bind(&user.username)
            .bind(username_key)
            .bind(&user.sub)
            .bind(user.created);
        bind_mutable(query, user)?.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Checked::Done)
    }

    /// Writes every mutable field of `user` (as [`Store::save_user`]) provided it still
    /// exists, still has `expect_status` when given, no other user holds one of the `unique`
    /// values, and `spend` names its live code, which is then deleted: one caller can spend
    /// a code, however many present it at once.
    pub async fn update_user_checked(
        &self,
        user: &User,
        expect_status: Option<UserStatus>,
        spend: Option<SpendCode<'_>>,
        unique: &[Unique],
    ) -> Result<Checked, sqlx::Error> {
        // As in `insert_user_checked`: one guarded statement for the usual case (no code to
        // spend, nothing taken over); the transaction below when it changes nothing.
        if spend.is_none() && unique.iter().all(|u| !u.take_over) {
            let sql = format!(
                "{} AND status = COALESCE(?, status){}",
                SAVE_USER.as_str(),
                unique_conditions(unique)
            );
            let query = bind_mutable(sqlx::query(AssertSqlSafe(sql)), user)?
                .bind(&user.pool_id)
                .bind(&user.username)
                .bind(expect_status.map(|s| s.as_str()));
            let query = bind_unique(query, user, unique);
            if query.execute(&self.write).await?.rows_affected() == 1 {
                return Ok(Checked::Done);
            }
        }
        let mut tx = self.write.begin().await?;
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM users WHERE pool_id = ? AND username = ?")
                .bind(&user.pool_id)
                .bind(&user.username)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(status) = status.map(|s| UserStatus::parse(&s)) else {
            return Ok(Checked::UserGone);
        };
        if let Some(expected) = expect_status
            && status != expected
        {
            return Ok(Checked::StatusChanged(status));
        }
        if let Some(spend) = spend {
            let spent = sqlx::query(
                "DELETE FROM user_codes WHERE pool_id = ? AND username = ? AND purpose = ? \
                 AND code = ? AND expires >= ? RETURNING 1",
            )
            .bind(&user.pool_id)
            .bind(&user.username)
            .bind(spend.purpose)
            .bind(spend.code.trim())
            .bind(spend.now)
            .fetch_optional(&mut *tx)
            .await?;
            if spent.is_none() {
                return Ok(Checked::CodeRejected);
            }
        }
        if let Some(i) = claim_unique(&mut tx, user, unique).await? {
            return Ok(Checked::Taken(i));
        }
        bind_mutable(sqlx::query(AssertSqlSafe(SAVE_USER.as_str())), user)?
            .bind(&user.pool_id)
            .bind(&user.username)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Checked::Done)
    }
}
