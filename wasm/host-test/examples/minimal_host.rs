//! The README's minimal host: loads the component, grants nothing, validates a file.
wasmtime::component::bindgen!({ world: "plugin", path: "../wit" });

struct Host {
    ctx: wasmtime_wasi::WasiCtx,
    table: wasmtime::component::ResourceTable,
}
impl wasmtime_wasi::WasiView for Host {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        wasmtime_wasi::WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

fn main() -> wasmtime::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let engine = wasmtime::Engine::default();
    let component = wasmtime::component::Component::from_file(&engine, &args[1])?;
    let mut linker = wasmtime::component::Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?; // the imports exist; nothing is granted
    let host = Host {
        ctx: wasmtime_wasi::WasiCtxBuilder::new().build(),
        table: Default::default(),
    };
    let mut store = wasmtime::Store::new(&engine, host);
    let plugin = Plugin::instantiate(&mut store, &component, &linker)?;
    let document = std::fs::read(&args[2]).expect("a document");
    let report = plugin
        .manifold_engine_validator()
        .call_validate(&mut store, &document, None)?;
    println!("{report:?}");
    Ok(())
}
