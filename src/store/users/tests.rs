//! Store-level tests of users: query plans come off indexes, paging, the columns and
//! counts other writers keep, and the rowid rebuild. (The scale measurement lives in
//! `bench/src/store_scale.rs`.)

use super::*;
use crate::crypto::password::hash_password;
use crate::store::Db;
use crate::store::migrate;

async fn memory_store() -> Store {
    Store::open(None).await.unwrap()
}

/// The detail lines of SQLite's plan for `sql` (every `?` bound to a string).
async fn plan(pool: &Db, sql: &str) -> Vec<String> {
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
    let pool = Db::open(&opts, 1).await.unwrap();
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
    let store = Store::over(pool.clone());
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
