//! `cargo xtask bench`: the store benchmarks in a release build.

use crate::util;

pub fn bench(mothers: usize) -> anyhow::Result<()> {
    let n = mothers.to_string();
    util::cargo(&["run", "--release", "-p", "lohusa-bench", "--", "--mothers", &n], &[])
}
