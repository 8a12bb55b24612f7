//! End-to-end runs of the `lots` binary.

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};
use std::process::Command;

use crate::root;

fn lots() -> Command {
    let mut cmd = Command::new(get_cargo_bin("lots"));
    cmd.current_dir(root());
    cmd
}

#[test]
fn check_shipped_catalog_exits_zero_with_summary() {
    assert_cmd_snapshot!(lots().arg("check"));
}

#[test]
fn check_missing_path_is_a_usage_error() {
    let out = lots().args(["check", "no/such/dir"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

#[test]
fn graph_of_each_workflow() {
    for workflow in ["vuxna_utsatta", "utovare_atv", "barn_mottagning"] {
        for format in ["dot", "mermaid"] {
            let out = lots()
                .args(["graph", workflow, "--format", format])
                .output()
                .unwrap();
            assert!(out.status.success(), "graph {workflow} {format} failed");
            let text = String::from_utf8(out.stdout).unwrap();
            insta::assert_snapshot!(format!("graph_{workflow}_{format}"), text);
        }
    }
}

#[test]
fn graph_unknown_workflow_is_a_usage_error() {
    let out = lots().args(["graph", "no_such_workflow"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("vuxna_utsatta"));
}

#[test]
fn schema_check_agrees_with_the_files() {
    let out = lots().args(["schema", "--check"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
