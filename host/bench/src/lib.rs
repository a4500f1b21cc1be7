//! Benchmarks of wikidash: a deterministic synthetic wiki that answers the Action API modules
//! a sync uses, the workloads it generates, and the harness that measures wikidash against
//! them (requests against the floor, throughput, memory, re-sync, report start-up, and the
//! cost of running an importer as a component).

pub mod child;
pub mod machine;
pub mod parse;
pub mod synthetic;
pub mod workload;
