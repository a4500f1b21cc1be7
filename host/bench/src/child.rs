//! Running a wikidash command as a child process and measuring its wall-clock time and peak
//! resident memory.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// What one child process did and cost.
pub struct Measured {
    pub wall: Duration,
    /// Peak resident set size of the child, from `wait4`'s resource usage.
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

    Ok(Measured {
        wall,
        // Linux reports ru_maxrss in KiB.
        peak_rss_bytes: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
        cpu: duration(usage.ru_utime) + duration(usage.ru_stime),
        status: ExitStatus::from_raw(raw_status),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
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
