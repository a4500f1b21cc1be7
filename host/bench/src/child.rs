//! Running a wikidash command as a child process and measuring its wall-clock time and peak
//! resident memory.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// What one child process did and cost.
pub struct Measured {
    pub wall: Duration,
    /// Peak resident set size of the child's own program, sampled from `VmHWM` (see
    /// [`PeakSampler`]).
    pub peak_rss_bytes: u64,
    /// Processor time the child used, user and system together.
    pub cpu: Duration,
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Measured {
    /// Fail with the command's output unless it exited with status 0.
    pub fn check(self, what: &str) -> Result<Measured> {
        if !self.status.success() {
            bail!(
                "{what} failed with {}\nstdout:\n{}\nstderr:\n{}",
                self.status,
                String::from_utf8_lossy(&self.stdout),
                String::from_utf8_lossy(&self.stderr)
            );
        }
        Ok(self)
    }
}

/// Run `command` to completion with its output captured, timing it from spawn to exit.
pub fn run(command: &mut Command) -> Result<Measured> {
    let start = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {command:?}"))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let pid = libc::pid_t::try_from(child.id()).context("the child's process id does not fit pid_t")?;
    let sampler = PeakSampler::start(child.id());

    let mut raw_status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unreaped child and both pointers are valid for writes for
        // the duration of the call. Reaping it here means `child` is never waited on again.
        let reaped = unsafe { libc::wait4(pid, &mut raw_status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error).context("wait4 on the child failed");
        }
    }
    let wall = start.elapsed();
    drop(child);
    let peak_rss_bytes = sampler.stop();

    Ok(Measured {
        wall,
        peak_rss_bytes,
        cpu: duration(usage.ru_utime) + duration(usage.ru_stime),
        status: ExitStatus::from_raw(raw_status),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// Samples a child's `VmHWM` (the high-water mark of its resident memory) every millisecond
/// until it exits.
///
/// `wait4`'s `ru_maxrss` cannot be used: the child is started with `vfork` semantics, so it
/// shares this process's memory until it calls `exec`, and Linux carries that memory's
/// high-water mark into the child's `ru_maxrss`. After the harness has built a large report
/// in process, every later child would report at least that much. `VmHWM` belongs to the
/// memory the child's program maps after `exec`. A peak reached in the last millisecond
/// before exit can be missed; wikidash's peaks last longer than that.
struct PeakSampler {
    stop: Arc<AtomicBool>,
    thread: thread::JoinHandle<u64>,
}

impl PeakSampler {
    fn start(pid: u32) -> PeakSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let thread = thread::spawn(move || {
            let path = format!("/proc/{pid}/status");
            let mut peak = 0;
            while !stop_flag.load(Ordering::Relaxed) {
                if let Some(high_water) = std::fs::read_to_string(&path).ok().as_deref().and_then(vm_hwm_bytes) {
                    peak = peak.max(high_water);
                }
                thread::sleep(Duration::from_millis(1));
            }
            peak
        });
        PeakSampler { stop, thread }
    }

    /// Stop sampling and return the highest `VmHWM` seen, in bytes.
    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

/// Parse the `VmHWM` line of a `/proc/PID/status` text into bytes; `None` once the process has
/// exited and its memory is gone.
fn vm_hwm_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// Processor time this process (the harness and its synthetic wikis) has used so far, user and
/// system together.
pub fn own_cpu() -> Duration {
    // SAFETY: `rusage` is plain old data for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer is valid for writes for the duration of the call.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    duration(usage.ru_utime) + duration(usage.ru_stime)
}

fn duration(time: libc::timeval) -> Duration {
    let seconds = u64::try_from(time.tv_sec).unwrap_or(0);
    let micros = u32::try_from(time.tv_usec).unwrap_or(0);
    Duration::from_secs(seconds) + Duration::from_micros(u64::from(micros))
}

/// Read a pipe to its end on a thread, so a chatty child never blocks on a full pipe.
fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error leaves what was read so far, which is all a report needs.
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_hwm_is_read_in_bytes() {
        let status = "Name:\tsleep\nVmPeak:\t    8000 kB\nVmHWM:\t     1536 kB\nVmRSS:\t    1024 kB\n";
        assert_eq!(vm_hwm_bytes(status), Some(1536 * 1024));
        assert_eq!(vm_hwm_bytes("Name:\tzombie\nState:\tZ (zombie)\n"), None);
    }

    #[test]
    fn child_peak_excludes_the_harness_memory() {
        // Touch 256 MiB in this process first: a child's ru_maxrss would include it.
        let harness_memory = vec![1u8; 256 * 1024 * 1024];
        let measured = run(Command::new("sleep").arg("0.05")).unwrap().check("sleep").unwrap();
        assert!(measured.peak_rss_bytes > 0, "no VmHWM sample was taken");
        assert!(measured.peak_rss_bytes < 64 * 1024 * 1024, "peak {} bytes", measured.peak_rss_bytes);
        assert_eq!(harness_memory.iter().step_by(4096).map(|&byte| u64::from(byte)).sum::<u64>(), 65_536);
    }
}
