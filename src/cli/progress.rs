//! A progress line on standard error for long runs: documents, MB cleaned, MB/s and, when the
//! total is known, an estimate of the time left. Shown only when standard error is a terminal.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Counters the work updates; the line is redrawn at most every `INTERVAL`.
pub(crate) struct Progress {
    shown: bool,
    started: Instant,
    last: Option<Instant>,
    docs: u64,
    bytes: u64,
    /// Bytes of input consumed so far (compressed bytes for compressed input), shared with readers.
    pub(crate) consumed: Arc<AtomicU64>,
    /// Total input bytes, when known.
    total: Option<u64>,
}

const INTERVAL: Duration = Duration::from_millis(250);

impl Progress {
    pub(crate) fn new(total: Option<u64>) -> Progress {
        Progress {
            shown: io::stderr().is_terminal(),
            started: Instant::now(),
            last: None,
            docs: 0,
            bytes: 0,
            consumed: Arc::new(AtomicU64::new(0)),
            total,
        }
    }

    /// Counts cleaned documents and their bytes, and redraws the line if it is time.
    pub(crate) fn add(&mut self, docs: u64, bytes: u64) {
        self.docs += docs;
        self.bytes += bytes;
        if !self.shown {
            return;
        }
        let now = Instant::now();
        if self.last.is_some_and(|t| now - t < INTERVAL) {
            return;
        }
        self.last = Some(now);
        self.draw(now);
    }

    fn draw(&self, now: Instant) {
        let secs = (now - self.started).as_secs_f64().max(1e-9);
        let mb = self.bytes as f64 / 1e6;
        let mut line = format!("{} documents  {:.1} MB  {:.1} MB/s", self.docs, mb, mb / secs);
        let consumed = self.consumed.load(Ordering::Relaxed);
        if let Some(total) = self.total.filter(|&t| t > 0 && consumed > 0) {
            let left = secs * total.saturating_sub(consumed) as f64 / consumed as f64;
            line.push_str(&format!("  {:.0}%  ETA {}", 100.0 * consumed.min(total) as f64 / total as f64, clock(left)));
        }
        let _ = write!(io::stderr(), "\r\x1b[2K{line}");
    }

    /// Clears the line at the end of the run.
    pub(crate) fn finish(&self) {
        if self.shown && self.last.is_some() {
            let _ = write!(io::stderr(), "\r\x1b[2K");
        }
    }
}

fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// A reader that adds the bytes it reads to a shared counter.
pub(crate) struct Counting<R> {
    pub(crate) inner: R,
    pub(crate) count: Arc<AtomicU64>,
}

impl<R: io::Read> io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_format() {
        assert_eq!(clock(5.0), "0:05");
        assert_eq!(clock(125.0), "2:05");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
