//! Checks that keep the tables honest against the official service models, and the README's
//! list of implemented actions current (`UPDATE_README=1 cargo test --lib readme` rewrites it).

#[cfg(test)]
mod tests {
    use crate::protocol::ErrorKind;
    use crate::protocol::generated::{identity, idp};
    use crate::protocol::model::Operation;
    use axum::body::Body;
    use axum::extract::State;
    use axum::http::{HeaderMap, HeaderValue};
    use serde_json::Value;
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    struct Service {
        model_file: &'static str,
        prefix: &'static str,
        operations: &'static [Operation],
        implemented: &'static [&'static str],
        expected_operations: usize,
        title: &'static str,
    }

    const SERVICES: [Service; 2] = [
        Service {
            model_file: "models/cognito-idp.json",
            prefix: idp::TARGET_PREFIX,
            operations: idp::OPERATIONS,
            implemented: crate::idp::IMPLEMENTED,
            expected_operations: 141,
            title: "User pools",
        },
        Service {
            model_file: "models/cognito-identity.json",
            prefix: identity::TARGET_PREFIX,
            operations: identity::OPERATIONS,
            implemented: crate::identity::IMPLEMENTED,
            expected_operations: 23,
            title: "Identity pools",
        },
    ];

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn load_model(file: &str) -> Value {
        let text = std::fs::read_to_string(root().join(file)).expect("read the service model");
        serde_json::from_str(&text).expect("the service model is JSON")
    }

    fn modelled_operations(model: &Value) -> BTreeSet<String> {
        model["operations"]
            .as_object()
            .expect("operations")
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn every_modelled_operation_is_in_the_generated_tables() {
        for s in &SERVICES {
            let model = load_model(s.model_file);
            assert_eq!(model["metadata"]["targetPrefix"], s.prefix);
            let modelled = modelled_operations(&model);
            assert_eq!(modelled.len(), s.expected_operations, "{}", s.model_file);
            let tabled: BTreeSet<String> =
                s.operations.iter().map(|op| op.name.to_string()).collect();
            assert_eq!(tabled, modelled, "OPERATIONS of {} vs its model", s.prefix);
            // Dispatch looks operations up by binary search.
            assert!(s.operations.windows(2).all(|w| w[0].name < w[1].name));
            for action in s.implemented {
                assert!(
                    modelled.contains(*action),
                    "{action} is in {}'s action table but not in the model",
                    s.prefix
                );
            }
            let unique: BTreeSet<_> = s.implemented.iter().collect();
            assert_eq!(
                unique.len(),
                s.implemented.len(),
                "an action is listed twice"
            );
        }
    }

    /// Calls `POST /` the way a client does and returns (status, `__type`, message).
    async fn call(app: &crate::state::AppState, target: &str, body: &str) -> (u16, String, String) {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-target", HeaderValue::from_str(target).unwrap());
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        let resp = super::super::aws_json::handle(
            State(app.clone()),
            headers,
            Body::from(body.to_string()),
        )
        .await;
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let kind = v["__type"].as_str().unwrap_or_default().to_string();
        let message = v["message"].as_str().unwrap_or_default().to_string();
        (status, kind, message)
    }

    #[tokio::test]
    async fn every_operation_is_dispatched_or_answers_not_implemented() {
        let app = crate::build_state(crate::config::Config::for_tests())
            .await
            .unwrap();
        for s in &SERVICES {
            for op in s.operations {
                let target = format!("{}.{}", s.prefix, op.name);
                let (status, kind, message) = call(&app, &target, "{}").await;
                if s.implemented.contains(&op.name) {
                    // Reached validation or the handler: anything but "not implemented" or a
                    // dispatch gap (which shows as an internal error).
                    assert_ne!(kind, "NotImplementedException", "{target}");
                    assert!(status < 500, "{target}: {status} {kind} {message}");
                } else {
                    assert_eq!(
                        (status, kind.as_str()),
                        (501, "NotImplementedException"),
                        "{target}"
                    );
                    assert!(message.contains(op.name), "{target}: {message}");
                }
            }
        }
        let (status, kind, _) = call(&app, "AWSCognitoIdentityProviderService.Nope", "{}").await;
        assert_eq!((status, kind.as_str()), (400, "UnknownOperationException"));
    }

    #[test]
    fn every_modelled_exception_is_an_error_kind_with_the_model_status() {
        for s in &SERVICES {
            let model = load_model(s.model_file);
            for (name, shape) in model["shapes"].as_object().unwrap() {
                if shape["exception"] != Value::Bool(true) {
                    continue;
                }
                let status = shape["error"]["httpStatusCode"].as_u64().unwrap_or(
                    if shape["fault"] == Value::Bool(true) {
                        500
                    } else {
                        400
                    },
                );
                let kind = ErrorKind::ALL
                    .iter()
                    .find(|k| k.name() == name)
                    .unwrap_or_else(|| panic!("{name} ({}) is not an ErrorKind", s.model_file));
                assert_eq!(u64::from(kind.status()), status, "{name}");
            }
            // The errors each operation lists must exist too.
            for (op, def) in model["operations"].as_object().unwrap() {
                for e in def["errors"].as_array().into_iter().flatten() {
                    let name = e["shape"].as_str().unwrap();
                    assert!(
                        ErrorKind::ALL.iter().any(|k| k.name() == name),
                        "{op} lists {name}"
                    );
                }
            }
        }
        // Protocol-level errors the emulator itself answers with.
        for (kind, status) in [
            (ErrorKind::UnknownOperationException, 400),
            (ErrorKind::SerializationException, 400),
            (ErrorKind::NotImplementedException, 501),
            (ErrorKind::ValidationException, 400),
        ] {
            assert_eq!(kind.status(), status, "{}", kind.name());
        }
    }

    const BEGIN: &str = "<!-- BEGIN implemented-actions: generated from the action tables; UPDATE_README=1 cargo test --lib readme rewrites it -->";
    const END: &str = "<!-- END implemented-actions -->";

    /// The README's block listing the implemented actions, from the action tables.
    fn implemented_actions_block() -> String {
        let mut out = String::new();
        for s in &SERVICES {
            let mut done: Vec<&str> = s.implemented.to_vec();
            done.sort_unstable();
            let pending: Vec<&str> = s
                .operations
                .iter()
                .map(|op| op.name)
                .filter(|n| !done.contains(n))
                .collect();
            out.push_str(&format!(
                "\n**{}** (`{}`): {} of {} actions implemented.\n\n",
                s.title,
                s.prefix,
                done.len(),
                s.operations.len()
            ));
            if done.is_empty() {
                out.push_str("None yet.\n");
            }
            for name in &done {
                out.push_str(&format!("- `{name}`\n"));
            }
            if !pending.is_empty() {
                out.push_str(&format!(
                    "\n<details><summary>Not implemented yet ({}): they answer <code>NotImplementedException</code> naming the action</summary>\n\n{}\n\n</details>\n",
                    pending.len(),
                    pending
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        out
    }

    #[test]
    fn readme_lists_the_implemented_actions() {
        let path = root().join("README.md");
        let readme = std::fs::read_to_string(&path).expect("README.md");
        let (Some(start), Some(end)) = (readme.find(BEGIN), readme.find(END)) else {
            panic!("README.md lacks the markers {BEGIN} ... {END}");
        };
        let current = &readme[start + BEGIN.len()..end];
        let wanted = format!("{}\n", implemented_actions_block());
        if current == wanted {
            return;
        }
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{BEGIN}{wanted}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).expect("write README.md");
            return;
        }
        panic!(
            "README.md's list of implemented actions is stale: run `UPDATE_README=1 cargo test --lib readme` and commit README.md"
        );
    }
}
