//! GraphDef and MetaGraphDef import: the same bytes are decoded as both; a graph that
//! imports is exported back.
#![no_main]

use cairn_graph::graphdef::{from_graph_def_bytes, from_meta_graph_def_bytes, to_graph_def_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(g) = from_graph_def_bytes(data) {
        let _ = to_graph_def_bytes(&g);
    }
    let _ = from_meta_graph_def_bytes(data);
});
