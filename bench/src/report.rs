//! The Markdown table: one column per target, from the JSON results of one or more runs.

use crate::scenario::Op;
use serde_json::Value;
use std::fmt::Write;

const EMU: &str = "cognito-emu";

/// One row of the start-up and memory table: the cell for a result.
type Row = dyn Fn(&Value) -> String;

fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn thousands(x: f64) -> String {
    let n = x.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn ms(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn mib(kib: &Value) -> String {
    f(kib).map_or("–".into(), |k| format!("{:.1} MiB", k / 1024.0))
}

/// A cell for one measured run (phase or scale op).
fn cell(label: &str, p: Option<&Value>, with_rate: bool) -> String {
    let Some(p) = p else { return "–".into() };
    match p["status"].as_str().unwrap_or("") {
        "ok" => {
            let mut s = if with_rate {
                format!(
                    "{}/s · {} / {} ms",
                    thousands(f(&p["ops_per_s"]).unwrap_or(0.0)),
                    ms(f(&p["p50_ms"]).unwrap_or(0.0)),
                    ms(f(&p["p99_ms"]).unwrap_or(0.0))
                )
            } else {
                format!(
                    "{} / {} ms",
                    ms(f(&p["p50_ms"]).unwrap_or(0.0)),
                    ms(f(&p["p99_ms"]).unwrap_or(0.0))
                )
            };
            let errors = p["errors"].as_u64().unwrap_or(0);
            if errors > 0 {
                let _ = write!(
                    s,
                    " **⚠ {errors} errors of {}**",
                    p["ops"].as_u64().unwrap_or(0)
                );
            }
            s
        }
        "unsupported" if label == EMU => "n/a (not implemented)".into(),
        "unsupported" => "unsupported".into(),
        "skipped" => format!(
            "skipped ({})",
            p["reason"].as_str().unwrap_or("").replace('|', "/")
        ),
        _ => {
            let reason: String = p["reason"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(70)
                .collect();
            format!("**failed**: {}", reason.replace('|', "/"))
        }
    }
}

fn phase<'a>(r: &'a Value, op: &str, c: u64) -> Option<&'a Value> {
    r["phases"]
        .as_array()?
        .iter()
        .find(|p| p["op"] == op && p["concurrency"] == c)
}

fn header(out: &mut String, first: &[&str], results: &[Value]) {
    let mut cols: Vec<String> = first.iter().map(|s| s.to_string()).collect();
    cols.extend(
        results
            .iter()
            .map(|r| r["label"].as_str().unwrap_or("?").to_string()),
    );
    let _ = writeln!(out, "| {} |", cols.join(" | "));
    let _ = writeln!(out, "|{}", " --- |".repeat(cols.len()));
}

pub fn markdown(results: &[Value]) -> String {
    let mut out = String::new();
    let Some(first) = results.first() else {
        return out;
    };
    let m = &first["machine"];
    let _ = writeln!(
        out,
        "Measured {} on {} cores ({}), {} GiB; load average at start {}.\n",
        first["date"].as_str().unwrap_or("?"),
        m["nproc"],
        m["cpu"].as_str().unwrap_or("?"),
        m["memory_gib"],
        m["loadavg"].as_str().unwrap_or("?"),
    );
    let _ = writeln!(out, "Versions and settings:\n");
    for r in results {
        let s = &r["settings"];
        let _ = writeln!(
            out,
            "- **{}** {}: {} s or {} ops per phase and concurrency; load average at end {}",
            r["label"].as_str().unwrap_or("?"),
            r["version"].as_str().unwrap_or(""),
            s["duration_s"],
            s["max_ops"],
            r["load_end"].as_str().unwrap_or("?"),
        );
        if let Some(e) = r["error"].as_str() {
            let _ = writeln!(
                out,
                "  - **the run stopped early**: {}",
                e.replace('|', "/")
            );
        }
    }
    let concurrencies: Vec<u64> = first["settings"]["concurrency"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();

    let _ = writeln!(
        out,
        "\n### Throughput and latency (ops/s · p50 / p99)\n\nOne op is the whole named sequence (e.g. both calls of AdminCreateUser+AdminSetUserPassword, both round trips of an SRP handshake).\n"
    );
    header(&mut out, &["Phase", "Conc."], results);
    for op in Op::PHASES {
        for &c in &concurrencies {
            let cells: Vec<String> = results
                .iter()
                .map(|r| {
                    cell(
                        r["label"].as_str().unwrap_or(""),
                        phase(r, op.name(), c),
                        true,
                    )
                })
                .collect();
            let _ = writeln!(out, "| {} | {c} | {} |", op.name(), cells.join(" | "));
        }
    }

    let _ = writeln!(out, "\n### Start-up and memory\n");
    header(&mut out, &["Measure"], results);
    let rows: [(&str, &Row); 8] = [
        ("Start-up to first answer, empty", &|r| {
            f(&r["startup"]["empty_ms"]).map_or("–".into(), |x| format!("{} ms", ms(x)))
        }),
        ("Start-up to first answer, populated", &|r| {
            f(&r["startup"]["populated_ms"]).map_or("–".into(), |x| {
                format!(
                    "{} ms ({} users)",
                    ms(x),
                    thousands(f(&r["startup"]["populated_users"]).unwrap_or(0.0))
                )
            })
        }),
        (
            "Data intact after restart",
            &|r| match r["startup"]["data_survived_restart"].as_bool() {
                Some(true) => "yes".into(),
                Some(false) => "**no**".into(),
                None => "– (in memory or not restarted)".into(),
            },
        ),
        ("First sign-in on a new pool (median of 3)", &|r| {
            f(&r["startup"]["first_sign_in_ms"]).map_or("–".into(), |x| format!("{} ms", ms(x)))
        }),
        ("RSS idle (empty)", &|r| mib(&r["memory"]["idle_kib"])),
        ("RSS after the phases", &|r| {
            mib(&r["memory"]["after_load_kib"])
        }),
        ("RSS idle after restart (populated)", &|r| {
            mib(&r["memory"]["populated_idle_kib"])
        }),
        ("Peak RSS (VmHWM)", &|r| mib(&r["memory"]["peak_kib"])),
    ];
    for (name, get) in rows {
        let cells: Vec<String> = results.iter().map(get).collect();
        let _ = writeln!(out, "| {name} | {} |", cells.join(" | "));
    }

    // Scale: sizes any target measured.
    let mut sizes: Vec<u64> = results
        .iter()
        .flat_map(|r| r["scale"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["size"].as_u64())
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    if !sizes.is_empty() {
        let _ = writeln!(
            out,
            "\n### Latency as the pool grows (concurrency 1, p50 / p99)\n"
        );
        header(&mut out, &["Users", "Operation"], results);
        let scale_of = |r: &Value, size: u64| -> Option<Value> {
            r["scale"]
                .as_array()?
                .iter()
                .find(|s| s["size"] == size)
                .cloned()
        };
        for &size in &sizes {
            let cells: Vec<String> = results
                .iter()
                .map(|r| match scale_of(r, size) {
                    Some(s) if s["reached"].as_bool() == Some(true) => format!(
                        "{}/s, {:.0} s{}",
                        thousands(f(&s["preload_per_s"]).unwrap_or(0.0)),
                        f(&s["preload_s"]).unwrap_or(0.0),
                        match s["preload_errors"].as_u64() {
                            Some(e) if e > 0 => format!(" **⚠ {e} errors**"),
                            _ => String::new(),
                        }
                    ),
                    Some(s) => format!(
                        "not reached: {} users in {:.0} s",
                        thousands(f(&s["users"]).unwrap_or(0.0)),
                        f(&s["preload_s"]).unwrap_or(0.0)
                    ),
                    None => "–".into(),
                })
                .collect();
            let _ = writeln!(
                out,
                "| {} | preload (AdminCreateUser, 16 workers) | {} |",
                thousands(size as f64),
                cells.join(" | ")
            );
            for op in [
                Op::AdminGetUser,
                Op::ListUsersFilter,
                Op::PasswordAuth,
                Op::AdminCreateOnly,
            ] {
                let cells: Vec<String> = results
                    .iter()
                    .map(|r| {
                        let s = scale_of(r, size);
                        let p = s.as_ref().and_then(|s| {
                            s["ops"]
                                .as_array()?
                                .iter()
                                .find(|p| p["op"] == op.name())
                                .cloned()
                        });
                        cell(r["label"].as_str().unwrap_or(""), p.as_ref(), false)
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    thousands(size as f64),
                    op.name(),
                    cells.join(" | ")
                );
            }
            let cells: Vec<String> = results
                .iter()
                .map(|r| scale_of(r, size).map_or("–".into(), |s| mib(&s["rss_kib"])))
                .collect();
            let _ = writeln!(
                out,
                "| {} | RSS | {} |",
                thousands(size as f64),
                cells.join(" | ")
            );
        }
    }

    for r in results {
        if r["micro"].is_object() {
            crypto_section(&mut out, r);
            floor_section(&mut out, r);
        }
    }
    out
}

/// Crypto-bound phases against the arithmetic they cannot avoid.
fn crypto_section(out: &mut String, r: &Value) {
    let m = &r["micro"];
    let nproc = r["machine"]["nproc"].as_f64().unwrap_or(1.0);
    let _ = writeln!(
        out,
        "\n### Crypto arithmetic ({}, one core)\n\nOne RS256 signature (2048-bit key, the emulator's signer): {} µs. SRP verifier g^x (checking a plain password): {} µs. SRP server challenge (g^b + k·v): {} µs. SRP server key ((A·v^u)^b): {} µs. RSA-2048 key generation: {} µs.\n",
        r["label"].as_str().unwrap_or("?"),
        m["rs256_sign_us"],
        m["srp_verifier_us"],
        m["srp_server_challenge_us"],
        m["srp_server_key_us"],
        m["rsa_keygen_us"],
    );
    let _ = writeln!(
        out,
        "| Phase (conc. 16) | Arithmetic per op | Server CPU per op | CPU spent on the arithmetic | Arithmetic limit ({nproc} cores) | Measured | Fraction of limit |\n| --- | --- | --- | --- | --- | --- | --- |"
    );
    for op in [Op::PasswordAuth, Op::SrpAuth, Op::RefreshAuth] {
        let arith = f(&m["arith_us"][op.name()]).unwrap_or(0.0);
        let p = phase(r, op.name(), 16);
        match p.filter(|p| p["status"] == "ok") {
            Some(p) => {
                let cpu = f(&p["server_cpu_us_per_op"]);
                let rate = f(&p["ops_per_s"]).unwrap_or(0.0);
                let limit = nproc * 1e6 / arith.max(1.0);
                let _ = writeln!(
                    out,
                    "| {} | {arith:.0} µs | {} | {} | {}/s | {}/s | {:.0}% |",
                    op.name(),
                    cpu.map_or("–".into(), |c| format!("{c:.0} µs")),
                    cpu.map_or("–".into(), |c| format!("{:.0}%", 100.0 * arith / c)),
                    thousands(limit),
                    thousands(rate),
                    100.0 * rate / limit
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "| {} | {arith:.0} µs | – | – | {}/s | n/a | – |",
                    op.name(),
                    thousands(nproc * 1e6 / arith.max(1.0))
                );
            }
        }
    }
}

/// Calls that do no signing against the HTTP floor.
fn floor_section(out: &mut String, r: &Value) {
    let Some(floor) = phase(r, Op::HttpFloor.name(), 16).filter(|p| p["status"] == "ok") else {
        return;
    };
    let floor_rate = f(&floor["ops_per_s"]).unwrap_or(0.0);
    let _ = writeln!(
        out,
        "\n### Against the HTTP floor ({}, conc. 16: {}/s for a {}-byte constant body)\n\n| Call | ops/s | Fraction of floor | p99 |\n| --- | --- | --- | --- |",
        r["label"].as_str().unwrap_or("?"),
        thousands(floor_rate),
        r["floor_bytes"]
    );
    for op in [Op::GetUser, Op::AdminGetUser, Op::ListUsersFilter] {
        match phase(r, op.name(), 16).filter(|p| p["status"] == "ok") {
            Some(p) => {
                let rate = f(&p["ops_per_s"]).unwrap_or(0.0);
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.0}% | {} ms |",
                    op.name(),
                    thousands(rate),
                    100.0 * rate / floor_rate.max(1.0),
                    ms(f(&p["p99_ms"]).unwrap_or(0.0))
                );
            }
            None => {
                let _ = writeln!(out, "| {} | n/a | – | – |", op.name());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_formatted_for_reading() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(ms(0.123), "0.12");
        assert_eq!(ms(12.34), "12.3");
        assert_eq!(ms(123.4), "123");
    }

    #[test]
    fn unsupported_reads_as_not_implemented_only_for_the_emulator() {
        let p = serde_json::json!({"status": "unsupported", "reason": "x"});
        assert_eq!(cell(EMU, Some(&p), true), "n/a (not implemented)");
        assert_eq!(cell("moto", Some(&p), true), "unsupported");
        let e = serde_json::json!({"status": "ok", "ops": 10, "errors": 2, "ops_per_s": 1000.0, "p50_ms": 1.0, "p99_ms": 2.0});
        assert!(cell("moto", Some(&e), true).contains("2 errors"));
    }
}
