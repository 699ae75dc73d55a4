#![allow(clippy::expect_used)] // a build script may stop the build with a message
//! Embeds every migrations/*.sql file, in version order, so a new migration needs no edit
//! elsewhere (and sqlx's compile-time macros, which build SQLite a second time, are not needed).

use std::fmt::Write;
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<(i64, String, String)> = fs::read_dir(&dir)
        .expect("migrations/ is readable")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".sql")?;
            let (version, description) = stem.split_once('_')?;
            Some((
                version.parse().ok()?,
                description.replace('_', " "),
                name.clone(),
            ))
        })
        .collect();
    files.sort();
    let mut out = String::from("/// (version, description, SQL) of every migration, in order.\n");
    out.push_str("pub static MIGRATIONS: &[(i64, &str, &str)] = &[\n");
    for (version, description, name) in &files {
        let path = dir.join(name);
        writeln!(
            out,
            "    ({version}, {description:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("write to string");
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("OUT_DIR set by cargo")).join("migrations.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}
