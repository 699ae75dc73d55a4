//! Handler files run by the local `node` / `python3`: `--lambda NAME=node:path/handler.js#export`
//! or `NAME=python:path/module.py#func`. Each handler gets one long-lived child process (a
//! small runner the emulator ships, fed one JSON line per event), started on first use and
//! again after it dies or overruns the timeout. One invocation at a time per handler, as one
//! Lambda instance serves one request at a time.

use super::transport::{Failure, TIMEOUT};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Mutex;

const NODE_RUNNER: &str = include_str!("runners/node.js");
const PYTHON_RUNNER: &str = include_str!("runners/python.py");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Node,
    Python,
}

/// What `--lambda NAME=node:...` / `python:...` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub runtime: Runtime,
    pub file: PathBuf,
    pub export: String,
}

impl Spec {
    /// `node:path/to/handler.js[#export]` or `python:path/to/module.py[#func]` (the export
    /// defaults to `handler`); `None` for anything else (a URL).
    pub fn parse(target: &str) -> Option<Spec> {
        let (runtime, rest) = if let Some(rest) = target.strip_prefix("node:") {
            (Runtime::Node, rest)
        } else if let Some(rest) = target.strip_prefix("python:") {
            (Runtime::Python, rest)
        } else {
            return None;
        };
        let (file, export) = rest.split_once('#').unwrap_or((rest, "handler"));
        Some(Spec {
            runtime,
            file: PathBuf::from(file),
            export: export.to_string(),
        })
    }
}

struct Live {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// One handler's child process.
pub struct Runner {
    spec: Spec,
    live: Mutex<Option<Live>>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner").field("spec", &self.spec).finish()
    }
}

/// The runner scripts, written once per emulator process to a directory of its own.
fn runner_script(runtime: Runtime) -> std::io::Result<PathBuf> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = DIR
        .get_or_init(|| {
            let dir =
                std::env::temp_dir().join(format!("cognito-emu-runners-{}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            // .cjs: CommonJS whatever package.json sits around the temp directory.
            std::fs::write(dir.join("runner.cjs"), NODE_RUNNER).map_err(|e| e.to_string())?;
            std::fs::write(dir.join("runner.py"), PYTHON_RUNNER).map_err(|e| e.to_string())?;
            Ok(dir)
        })
        .clone()
        .map_err(std::io::Error::other)?;
    Ok(dir.join(match runtime {
        Runtime::Node => "runner.cjs",
        Runtime::Python => "runner.py",
    }))
}

impl Runner {
    pub fn new(spec: Spec) -> Runner {
        Runner {
            spec,
            live: Mutex::new(None),
            next_id: AtomicU64::new(1),
        }
    }

    fn spawn(&self) -> Result<Live, Failure> {
        let script = runner_script(self.spec.runtime)
            .map_err(|e| Failure::Unreachable(format!("cannot write the runner: {e}")))?;
        let program = match self.spec.runtime {
            Runtime::Node => "node",
            Runtime::Python => "python3",
        };
        let mut child = Command::new(program)
            .arg(script)
            .arg(&self.spec.file)
            .arg(&self.spec.export)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // The handler's logs show in the emulator's own stderr.
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Failure::Unreachable(format!("cannot start {program}: {e}")))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Failure::Unreachable(format!("{program} has no pipes")));
        };
        Ok(Live {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        })
    }

    /// Runs the handler on `event` (JSON); its result (JSON), or why there is none.
    pub async fn invoke(&self, event: &[u8]) -> Result<Vec<u8>, Failure> {
        let mut slot = self.live.lock().await;
        let mut live = match slot.take() {
            Some(live) => live,
            None => self.spawn()?,
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut line = format!(
            "{{\"id\":{id},\"timeout_ms\":{},\"event\":",
            TIMEOUT.as_millis()
        )
        .into_bytes();
        line.extend_from_slice(event);
        line.extend_from_slice(b"}\n");
        let exchange = async {
            live.stdin.write_all(&line).await?;
            live.stdin.flush().await?;
            let mut answer = String::new();
            loop {
                answer.clear();
                if live.stdout.read_line(&mut answer).await? == 0 {
                    return Err(std::io::Error::other("the handler process exited"));
                }
                // Lines of earlier, abandoned invocations are skipped.
                let parsed: serde_json::Value =
                    serde_json::from_str(&answer).unwrap_or(serde_json::Value::Null);
                if parsed["id"] == id {
                    return Ok(parsed);
                }
            }
        };
        match tokio::time::timeout(TIMEOUT, exchange).await {
            Err(_) => {
                // A stuck handler is replaced on the next invocation.
                let _ = live.child.start_kill();
                Err(Failure::TimedOut)
            }
            Ok(Err(e)) => {
                let _ = live.child.start_kill();
                Err(Failure::Unreachable(e.to_string()))
            }
            Ok(Ok(answer)) => {
                *slot = Some(live);
                if let Some(error) = answer.get("error") {
                    let message = error["errorMessage"]
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| error.to_string());
                    return Err(Failure::Function(message));
                }
                serde_json::to_vec(&answer["result"])
                    .map_err(|e| Failure::Unreachable(e.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_name_a_runtime_a_file_and_an_export() {
        assert_eq!(
            Spec::parse("node:hooks/pre.js#preSignUp"),
            Some(Spec {
                runtime: Runtime::Node,
                file: "hooks/pre.js".into(),
                export: "preSignUp".into()
            })
        );
        assert_eq!(
            Spec::parse("python:m.py").map(|s| s.export),
            Some("handler".into())
        );
        assert_eq!(Spec::parse("http://x"), None);
    }
}
