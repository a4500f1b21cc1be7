//! The `wikidash` binary; everything lives in the library so tests can run the same code.

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    wikidash_cli::main()
}

/// Keep glibc's allocator to two arenas. A sync allocates from many threads at once (tokio
/// workers and the blocking pool that runs redb). With an arena per thread, the memory freed in
/// each arena stayed with it, and peak memory on a large campaign was twice what it is with two
/// arenas, for the same speed.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any other thread
    // exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
