//! Loading plugins and running their calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Semaphore;
use tracing::{Instrument, info_span};
use wasmtime::component::{HasSelf, Linker, types::ComponentItem};
use wasmtime::{Config, Engine, Store, Trap, UpdateDeadline};
use wikidash_net::HttpClient;
use wikidash_policy::manifest::{INTERFACE_PACKAGE, ManifestFields, check_api_version, interface_version};
use wikidash_policy::{AllowList, Manifest};

use crate::bindings::{Importer, ImporterPre};
use crate::cache::load_component;
use crate::config::{EPOCH_TICK, RuntimeConfig};
use crate::error::{JobError, LoadError};
use crate::host::CallState;
use crate::wit::{Job, Output};

/// The engine, the linker and the shared HTTP client. One per process.
pub struct Runtime {
    engine: Engine,
    linker: Linker<CallState>,
    http: HttpClient,
    config: RuntimeConfig,
    ticker_stop: Arc<AtomicBool>,
    /// One permit per call allowed to run at once.
    turns: Arc<Semaphore>,
}

/// A loaded, checked plugin, ready to run jobs. Cheap to share between tasks.
#[derive(Clone)]
pub struct Plugin {
    inner: Arc<PluginInner>,
}

struct PluginInner {
    manifest: Manifest,
    /// Where the plugin came from: `built-in …` or a file path.
    source_name: String,
    pre: ImporterPre<CallState>,
    engine: Engine,
    http: HttpClient,
    config: RuntimeConfig,
    turns: Arc<Semaphore>,
}

/// The facts about the job's campaign that a call needs.
#[derive(Clone, Debug, Default)]
pub struct JobContext {
    /// Campaign name, for logs.
    pub campaign: String,
    /// Origins of the campaign's wikis, which `campaign-wikis` in a manifest allows.
    pub campaign_wiki_origins: Vec<String>,
}

impl Runtime {
    /// Set up the engine and start the epoch ticker that enforces CPU budgets.
    pub fn new(config: RuntimeConfig, http: HttpClient) -> Result<Runtime, LoadError> {
        let mut engine_config = Config::new();
        engine_config.epoch_interruption(true);
        engine_config.wasm_component_model(true);
        let engine = Engine::new(&engine_config).map_err(|error| LoadError::Engine(error.to_string()))?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|error| LoadError::Engine(error.to_string()))?;
        Importer::add_to_linker::<CallState, HasSelf<CallState>>(&mut linker, |state| state)
            .map_err(|error| LoadError::Engine(error.to_string()))?;

        let ticker_stop = Arc::new(AtomicBool::new(false));
        spawn_epoch_ticker(engine.clone(), ticker_stop.clone());
        let turns = Arc::new(Semaphore::new(config.concurrent_calls.max(1)));
        Ok(Runtime { engine, linker, http, config, ticker_stop, turns })
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// Compile (or load from the cache) the component `wasm`, check that it speaks a supported
    /// interface version, ask it to describe itself and check the manifest. `source_name`
    /// names the plugin in errors until its manifest is known (a file name, or `built-in`).
    pub async fn load(&self, source_name: &str, wasm: &[u8]) -> Result<Plugin, LoadError> {
        let compile_error = |error: wasmtime::Error| LoadError::Compile {
            source_name: source_name.to_string(),
            detail: format!("{error:#}"),
        };
        let engine = self.engine.clone();
        let cache_dir = self.config.cache_dir.clone();
        let bytes = wasm.to_vec();
        let component = tokio::task::spawn_blocking(move || load_component(&engine, &bytes, cache_dir.as_deref()))
            .await
            .map_err(|error| LoadError::Engine(error.to_string()))?
            .map_err(compile_error)?;

        self.check_imports(source_name, &component)?;
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|error| LoadError::Link { source_name: source_name.to_string(), detail: format!("{error:#}") })?;
        let pre = ImporterPre::new(instance_pre)
            .map_err(|error| LoadError::Link { source_name: source_name.to_string(), detail: format!("{error:#}") })?;

        let host = CallHost { engine: &self.engine, http: &self.http, config: &self.config, turns: &self.turns };
        let described = describe(&pre, host, source_name)
            .await
            .map_err(|error| LoadError::Describe { source_name: source_name.to_string(), reason: Box::new(error) })?;
        let manifest = Manifest::check(ManifestFields {
            source_name,
            id: &described.id,
            version: &described.version,
            api_version: &described.api_version,
            hosts: &described.hosts,
            job_kinds: &described.job_kinds,
            description: &described.description,
        })
        .map_err(|reason| LoadError::Manifest { source_name: source_name.to_string(), reason })?;

        Ok(Plugin {
            inner: Arc::new(PluginInner {
                manifest,
                source_name: source_name.to_string(),
                pre,
                engine: self.engine.clone(),
                http: self.http.clone(),
                config: self.config.clone(),
                turns: self.turns.clone(),
            }),
        })
    }

    /// Refuse components built for another `wikidash:importer` version, or that import
    /// something other than that package and WASI 0.2, before instantiating anything.
    fn check_imports(&self, source_name: &str, component: &wasmtime::component::Component) -> Result<(), LoadError> {
        let component_type = component.component_type();
        for (name, _item) in component_type.imports(&self.engine) {
            if let Some(version) = interface_version(name) {
                check_api_version(source_name, version)
                    .map_err(|reason| LoadError::Manifest { source_name: source_name.to_string(), reason })?;
            } else if !name.starts_with("wasi:") {
                return Err(LoadError::UnknownImport {
                    source_name: source_name.to_string(),
                    import: name.to_string(),
                });
            }
        }
        let exports_run = component_type
            .exports(&self.engine)
            .any(|(name, item)| name == "run" && matches!(item.ty, ComponentItem::ComponentFunc(_)));
        if !exports_run {
            return Err(LoadError::Link {
                source_name: source_name.to_string(),
                detail: format!("it exports no `run` function, so it is not a {INTERFACE_PACKAGE} importer"),
            });
        }
        Ok(())
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

fn spawn_epoch_ticker(engine: Engine, stop: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("wikidash-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .expect("spawning the epoch ticker thread");
}

impl Plugin {
    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// Whether `self` and `other` are the same loaded plugin.
    pub fn same_as(&self, other: &Plugin) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Where the plugin came from: `built-in …` or the path of its file.
    pub fn source_name(&self) -> &str {
        &self.inner.source_name
    }

    /// `id version`, as messages name the plugin.
    pub fn label(&self) -> String {
        self.inner.manifest.label()
    }

    /// Run one page of `job`, continuing from `cursor`.
    pub async fn run(&self, context: &JobContext, job: &Job, cursor: Option<&str>) -> Result<Output, JobError> {
        let label = self.label();
        if !self.inner.manifest.serves(&job.kind) {
            return Err(JobError::UnknownKind { plugin: label, kind: job.kind.clone() });
        }
        let span = info_span!("plugin_call", plugin = %label, campaign = %context.campaign, wiki = %job.wiki, kind = %job.kind);
        let allow = AllowList::new(&label, &self.inner.manifest.hosts, &context.campaign_wiki_origins);
        let inner = &self.inner;
        // The call future must own its arguments: the closure type cannot name their lifetimes.
        let job = job.clone();
        let cursor = cursor.map(str::to_owned);
        let host = CallHost { engine: &inner.engine, http: &inner.http, config: &inner.config, turns: &inner.turns };
        let result = call(&inner.pre, host, &label, allow, move |importer, store| {
            Box::pin(async move { importer.call_run(store, &job, cursor.as_deref()).await })
        })
        .instrument(span)
        .await?;
        result.map_err(|error| JobError::Plugin { plugin: label, error })
    }
}

/// The runtime's parts that every call uses.
#[derive(Clone, Copy)]
struct CallHost<'a> {
    engine: &'a Engine,
    http: &'a HttpClient,
    config: &'a RuntimeConfig,
    /// One permit per call allowed to run at once.
    turns: &'a Semaphore,
}

async fn describe(
    pre: &ImporterPre<CallState>,
    host: CallHost<'_>,
    source_name: &str,
) -> Result<crate::wit::PluginInfo, JobError> {
    // `describe` may not reach the network.
    let allow = AllowList::new(source_name, &[], &[]);
    call(pre, host, source_name, allow, |importer, store| Box::pin(async move { importer.call_describe(store).await }))
        .await
}

type CallFuture<'a, R> = std::pin::Pin<Box<dyn std::future::Future<Output = wasmtime::Result<R>> + Send + 'a>>;

/// Run one export call in a fresh store under the memory cap, CPU budget and wall-clock
/// timeout, turning every way it can fail into a [`JobError`].
async fn call<R, F>(
    pre: &ImporterPre<CallState>,
    host: CallHost<'_>,
    label: &str,
    allow: AllowList,
    body: F,
) -> Result<R, JobError>
where
    F: for<'a> FnOnce(&'a Importer, &'a mut Store<CallState>) -> CallFuture<'a, R>,
{
    let CallHost { engine, http, config, turns } = host;
    // Declared before the store, so the turn ends only once the instance and its memory are
    // gone. The semaphore is never closed, so acquiring cannot fail.
    let _turn = turns.acquire().await.map_err(|_| JobError::Runtime {
        plugin: label.to_string(),
        message: "the plugin runtime has shut down".into(),
    })?;
    let state = CallState::new(label.to_string(), http.clone(), allow, config.memory_limit_bytes, config.max_log_lines);
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    let budget_ticks = (config.cpu_budget.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |mut context| {
        let state = context.data_mut();
        state.ticks += 1;
        if state.ticks > budget_ticks { Ok(UpdateDeadline::Interrupt) } else { Ok(UpdateDeadline::Yield(1)) }
    });

    let outcome = tokio::time::timeout(config.call_timeout, async {
        let importer = pre.instantiate_async(&mut store).await?;
        body(&importer, &mut store).await
    })
    .await;

    match outcome {
        Err(_elapsed) => Err(JobError::Timeout { plugin: label.to_string(), limit: config.call_timeout }),
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(classify_failure(label, &store, config, error)),
    }
}

fn classify_failure(label: &str, store: &Store<CallState>, config: &RuntimeConfig, error: wasmtime::Error) -> JobError {
    let state = store.data();
    let plugin = label.to_string();
    if state.limits.exceeded {
        return JobError::MemoryLimit { plugin, limit_mib: state.limits.limit / (1024 * 1024) };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => JobError::CpuBudget { plugin, budget: config.cpu_budget },
        Some(trap) => JobError::Trap { plugin, message: trap.to_string(), stderr: state.stderr_text() },
        None => JobError::Runtime { plugin, message: format!("{error:#}") },
    }
}
