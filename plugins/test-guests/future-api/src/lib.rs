//! A plugin for `wikidash:importer@0.2.0`, which this wikidash does not support. The host's
//! tests load it to check that an unknown interface version is refused with a clear message.

wit_bindgen::generate!({ world: "importer", path: "wit" });

struct Plugin;

impl Guest for Plugin {
    fn describe() -> String {
        wikidash::importer::log::log("describing");
        "future".into()
    }
}

export!(Plugin);
