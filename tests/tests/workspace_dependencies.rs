//! The workspace's crates depend on each other in one direction only, test-only dependencies
//! included: a crate's dev-dependency on a crate that depends on it (cargo allows it) builds the
//! crate twice, lets a test reach into what should be above it, and hides a layering mistake.
//! The layers, bottom up: the program, the sdk / service / guest, the crank, the worker, the
//! storage gateway, the local network kit (migrations), then the scheduler and the CLI, whose
//! tests use the kit.

use std::collections::BTreeMap;
use std::process::Command;

/// Workspace crate → the workspace crates it names in `[dependencies]`, `[dev-dependencies]` or
/// `[build-dependencies]` (what `cargo metadata` reports as path dependencies).
fn workspace_graph() -> BTreeMap<String, Vec<String>> {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline", "--manifest-path"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
        .output()
        .expect("run cargo metadata");
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let mut graph = BTreeMap::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().expect("package name").to_string();
        let mut dependencies: Vec<String> = package["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|dependency| dependency["path"].is_string())
            .map(|dependency| dependency["name"].as_str().expect("dependency name").to_string())
            .collect();
        dependencies.sort();
        dependencies.dedup();
        graph.insert(name, dependencies);
    }
    graph
}

/// The first cycle found, as the crates along it (the first one repeated at the end).
fn find_cycle(graph: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Unvisited,
        OnPath,
        Done,
    }
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, Vec<String>>,
        marks: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        marks.insert(node, Mark::OnPath);
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next.as_str()).copied().unwrap_or(Mark::Unvisited) {
                Mark::OnPath => {
                    let start = path.iter().position(|on_path| *on_path == next).expect("on the path");
                    let mut cycle: Vec<String> = path[start..].iter().map(|name| name.to_string()).collect();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Mark::Unvisited => {
                    if let Some(cycle) = visit(next, graph, marks, path) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(node, Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if marks.get(node.as_str()).copied().unwrap_or(Mark::Unvisited) == Mark::Unvisited {
            if let Some(cycle) = visit(node, graph, &mut marks, &mut Vec::new()) {
                return Some(cycle);
            }
        }
    }
    None
}

#[test]
fn no_workspace_crate_depends_on_itself_through_others() {
    let graph = workspace_graph();
    // The metadata is the workspace's: a check that reads nothing cannot fail.
    for name in ["edgerun-sdk", "edgerun-migrations", "edgerun-worker", "edgerun-cli", "edgerun-scheduler"] {
        assert!(graph.contains_key(name), "{name} is not in the workspace's metadata: {graph:?}");
    }
    assert!(graph["edgerun-migrations"].contains(&"edgerun-worker".to_string()));
    if let Some(cycle) = find_cycle(&graph) {
        panic!("workspace crates depend on each other in a cycle (dev-dependencies count): {}", cycle.join(" -> "));
    }
}

#[test]
fn the_search_finds_cycles_test_only_ones_included() {
    let graph = |edges: &[(&str, &[&str])]| -> BTreeMap<String, Vec<String>> {
        edges.iter().map(|(from, to)| (from.to_string(), to.iter().map(|name| name.to_string()).collect())).collect()
    };
    assert_eq!(find_cycle(&graph(&[("a", &["b"]), ("b", &["c"]), ("c", &[])])), None);
    assert_eq!(find_cycle(&graph(&[("a", &["b", "c"]), ("b", &["c"]), ("c", &[])])), None);
    // worker --dev--> migrations --> worker, as it was.
    let found = find_cycle(&graph(&[("migrations", &["worker"]), ("worker", &["sdk", "migrations"]), ("sdk", &[])]));
    assert_eq!(found, Some(vec!["migrations".to_string(), "worker".to_string(), "migrations".to_string()]));
    let found = find_cycle(&graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])])).unwrap();
    assert_eq!((found.len(), found.first(), found.last()), (4, Some(&"a".to_string()), Some(&"a".to_string())));
}
