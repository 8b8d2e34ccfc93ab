//! Tidy checks that run inside `cargo test`: the architecture's invariants, read from the
//! Cargo.toml files and sources, so breaking one fails the build instead of slowly rotting.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::util::workspace_root;

/// Every package manifest in the workspace, with its parsed contents.
fn manifests() -> Vec<(PathBuf, toml::Table)> {
    let root = workspace_root();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.extend(["src-tauri", "tests/e2e", "xtask"].map(|d| root.join(d)));
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let text = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
            (dir, text.parse::<toml::Table>().unwrap())
        })
        .collect()
}

fn package_name(manifest: &toml::Table) -> String {
    manifest["package"]["name"].as_str().unwrap().to_owned()
}

/// Names of normal and build dependencies (dev-dependencies are test-only and exempt).
fn dependencies(manifest: &toml::Table) -> BTreeSet<String> {
    ["dependencies", "build-dependencies"]
        .iter()
        .filter_map(|section| manifest.get(*section).and_then(|d| d.as_table()))
        .flat_map(|table| table.keys().cloned())
        .collect()
}

#[test]
fn the_core_depends_on_nothing_that_does_io() {
    let allowed = [
        "chrono",
        "chrono-tz",
        "serde",
        "serde_json",
        "thiserror",
        "ts-rs",
        "uuid",
    ];
    for (_, manifest) in manifests() {
        if package_name(&manifest) == "lohusa-core" {
            let extra: Vec<String> = dependencies(&manifest)
                .into_iter()
                .filter(|d| !allowed.contains(&d.as_str()))
                .collect();
            assert!(
                extra.is_empty(),
                "lohusa-core must stay free of IO; it depends on {extra:?}"
            );
        }
    }
}

#[test]
fn the_core_never_reads_the_clock_files_or_network() {
    let forbidden = [
        "std::fs",
        "std::net",
        "std::process",
        "Utc::now",
        "Local::now",
        "SystemTime",
        "Instant::now",
        "now_v7",
        "std::env",
    ];
    for file in rust_files(&workspace_root().join("crates/lohusa-core/src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in forbidden {
            assert!(
                !text.contains(word),
                "{} uses {word}: the core takes time and ids as arguments",
                file.display()
            );
        }
    }
}

/// Reading the wall clock or making a time-stamped id from it; `Instant` (for timeouts and
/// durations) is not a date and stays allowed.
const CLOCK_READS: &[&str] = &[
    "Utc::now",
    "Local::now",
    "SystemTime::now",
    "now_v7",
    "Timestamp::now",
    "OffsetDateTime::now",
];

#[test]
fn only_the_clock_module_reads_the_clock() {
    // Each of these crates has one `src/clock.rs` at most; a binary's `main.rs` (and `src/bin/`)
    // is where a program starts and may read it too. Everything else takes `now` and new ids
    // as arguments, so tests and a corrected tablet decide what time it is.
    let root = workspace_root();
    let mut found = Vec::new();
    for krate in [
        "lohusa-store",
        "lohusa-sync",
        "lohusa-server",
        "lohusa-exchange",
        "lohusa-demo",
    ] {
        let src = root.join("crates").join(krate).join("src");
        for file in rust_files(&src) {
            let relative = file.strip_prefix(&src).unwrap();
            if relative == Path::new("clock.rs") || relative == Path::new("main.rs") || relative.starts_with("bin") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if let Some(word) = CLOCK_READS.iter().find(|w| code.contains(*w)) {
                    found.push(format!(
                        "{}:{}: {word}",
                        file.strip_prefix(&root).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "only a crate's clock module reads the clock; take `now` (or an id) as an argument instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_the_app_shell_depends_on_tauri() {
    for (_, manifest) in manifests() {
        let name = package_name(&manifest);
        if name != "lohusa-app" {
            let tauri: Vec<String> = dependencies(&manifest)
                .into_iter()
                .filter(|d| d.starts_with("tauri"))
                .collect();
            assert!(
                tauri.is_empty(),
                "{name} depends on {tauri:?}; only src-tauri (lohusa-app) may"
            );
        }
    }
}

#[test]
fn only_the_store_and_the_server_touch_sql() {
    let sql = [
        "rusqlite",
        "rusqlite_migration",
        "libsqlite3-sys",
        "sqlx",
        "tokio-postgres",
        "postgres",
        "diesel",
    ];
    // The device's database belongs to the store, the central one to the server.
    let may = ["lohusa-store", "lohusa-server"];
    for (_, manifest) in manifests() {
        let name = package_name(&manifest);
        if !may.contains(&name.as_str()) {
            let found: Vec<String> = dependencies(&manifest)
                .into_iter()
                .filter(|d| sql.contains(&d.as_str()))
                .collect();
            assert!(
                found.is_empty(),
                "{name} depends on {found:?}; only the store and the server touch SQL"
            );
        }
    }
}

#[test]
fn crate_folders_are_named_after_their_crates() {
    for (dir, manifest) in manifests() {
        if dir.parent().unwrap().ends_with("crates") {
            assert_eq!(dir.file_name().unwrap().to_str().unwrap(), package_name(&manifest));
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_doc_line() {
    let root = workspace_root();
    let mut missing = Vec::new();
    for dir in ["crates", "src-tauri/src", "tests", "xtask/src"] {
        for file in rust_files(&root.join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            if !text.starts_with("//!") {
                missing.push(file.strip_prefix(&root).unwrap().display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these files must open with a `//!` line saying what they are for: {missing:?}"
    );
}

/// The modules of one source folder that reach themselves through others (through
/// `crate::…`, tests aside): a module that never reaches one that reaches it back can be read
/// knowing only those below it.
fn module_circles(folder: &str) -> (usize, Vec<String>) {
    let src = workspace_root().join(folder);
    let mut uses: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for file in rust_files(&src) {
        let module = file.file_stem().unwrap().to_str().unwrap().to_owned();
        if ["lib", "main"].contains(&module.as_str()) || file.parent() != Some(src.as_path()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        let reached: BTreeSet<String> = text
            .split("crate::")
            .skip(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect::<String>()
            })
            .filter(|m| !m.is_empty() && *m != module)
            .collect();
        uses.insert(module, reached);
    }
    // Every module reachable from each one; a module reachable from itself is in a circle.
    let mut circles = Vec::new();
    for start in uses.keys() {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = uses[start].iter().collect();
        while let Some(m) = todo.pop() {
            if seen.insert(m.clone()) {
                todo.extend(uses.get(m).into_iter().flatten());
            }
        }
        if seen.contains(start) {
            circles.push(start.clone());
        }
    }
    (uses.len(), circles)
}

#[test]
fn the_core_modules_form_no_circle() {
    let (modules, circles) = module_circles("crates/lohusa-core/src");
    assert!(modules > 20, "{modules}");
    assert!(
        circles.is_empty(),
        "these core modules reach themselves through others: {circles:?}"
    );
}

/// The app shell's modules too: the session state, its commands and the sync loop stay layers
/// (state below session below sync), as do the server's model, policy and databases.
#[test]
fn the_shell_and_server_modules_form_no_circle() {
    for (folder, at_least) in [("src-tauri/src", 6), ("crates/lohusa-server/src", 15)] {
        let (modules, circles) = module_circles(folder);
        assert!(modules >= at_least, "{folder}: {modules}");
        assert!(
            circles.is_empty(),
            "these modules of {folder} reach themselves through others: {circles:?}"
        );
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("target") && !path.ends_with("node_modules") {
                out.extend(rust_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
