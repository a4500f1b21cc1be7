//! Host bindings of `wikidash:importer@0.1.0`, generated with async imports and exports so a
//! plugin waiting on HTTP never blocks the executor.

wasmtime::component::bindgen!({
    world: "importer",
    path: "../../wit/importer@0.1.0",
    imports: { default: async },
    exports: { default: async },
});

/// The interface's records and variants, as the rest of wikidash uses them.
pub mod wit {
    pub use super::wikidash::importer::types::*;
}
