//! Documents cleaned on all cores, results handed on in input order.
//!
//! One thread reads, the workers clean, and the calling thread hands the results on in input
//! order as soon as each is next in line: no batch waits for its slowest document, and writing
//! is not a serial section between batches. What has been read but not yet handed on is bounded
//! in bytes and in number, so memory stays bounded whatever the input size, and the output is
//! the same for any number of threads. With one thread, documents are read, cleaned and handed
//! on in turn on the calling thread.

use std::collections::BTreeMap;
use std::io;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

/// Most input bytes read and not yet handed on (a single larger item goes alone).
pub(crate) const BATCH_BYTES: u64 = 8 << 20;
/// Most items read and not yet handed on.
pub(crate) const BATCH_ITEMS: usize = 4096;

/// Sets the number of worker threads (0: one per core); later calls change nothing.
pub(crate) fn set_threads(jobs: usize) {
    let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global();
}

/// Maps `work` over `items` on the worker threads and calls `sink` with the results in input
/// order. `weight` is an item's size in bytes, for the memory bound. Stops at the first error of
/// the input (after handing on what was read before it) or of `sink`.
pub(crate) fn ordered<T, R>(
    items: impl Iterator<Item = io::Result<T>> + Send,
    weight: impl Fn(&T) -> u64 + Sync,
    work: impl Fn(T) -> R + Sync,
    sink: impl FnMut(R) -> io::Result<()>,
) -> io::Result<()>
where
    T: Send,
    R: Send,
{
    ordered_in_batches(items, weight, work, sink, BATCH_ITEMS)
}

/// [`ordered`] with at most `max_items` items read and not yet handed on.
pub(crate) fn ordered_in_batches<T, R>(
    items: impl Iterator<Item = io::Result<T>> + Send,
    weight: impl Fn(&T) -> u64 + Sync,
    work: impl Fn(T) -> R + Sync,
    mut sink: impl FnMut(R) -> io::Result<()>,
    max_items: usize,
) -> io::Result<()>
where
    T: Send,
    R: Send,
{
    let threads = rayon::current_num_threads();
    if threads <= 1 {
        for item in items {
            sink(work(item?))?;
        }
        return Ok(());
    }
    let budget = Budget { state: Mutex::new(InFlight::default()), freed: Condvar::new(), max_items: max_items.max(1) };
    // Items go to the workers in chunks, so that small records do not cost a hand-over each.
    let chunk_items = (max_items / 16).max(1);
    let (jobs, job_queue) = mpsc::sync_channel::<(usize, Vec<T>, u64)>(threads);
    let job_queue = Mutex::new(job_queue);
    let (done, results) = mpsc::channel::<(usize, Vec<R>, u64)>();
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| -> io::Result<()> {
            let jobs = jobs;
            let mut chunk = Vec::new();
            let mut weight_of_chunk = 0;
            let mut seq = 0;
            let mut send = |chunk: Vec<T>, w: u64| {
                let sent = budget.take(w, chunk.len()) && jobs.send((seq, chunk, w)).is_ok();
                seq += 1;
                sent
            };
            for item in items {
                let item = match item {
                    Ok(item) => item,
                    Err(e) => {
                        // What was read before the error is still handed on.
                        if !chunk.is_empty() {
                            send(chunk, weight_of_chunk);
                        }
                        return Err(e);
                    }
                };
                let w = weight(&item);
                // A large item goes alone: a chunk never holds a large item back, nor it others.
                if w >= CHUNK_BYTES && !chunk.is_empty() && !send(std::mem::take(&mut chunk), std::mem::take(&mut weight_of_chunk)) {
                    return Ok(());
                }
                weight_of_chunk += w;
                chunk.push(item);
                let full = chunk.len() >= chunk_items || weight_of_chunk >= CHUNK_BYTES;
                if full && !send(std::mem::take(&mut chunk), std::mem::take(&mut weight_of_chunk)) {
                    return Ok(());
                }
            }
            if !chunk.is_empty() {
                send(chunk, weight_of_chunk);
            }
            Ok(())
        });
        for _ in 0..threads {
            let done = done.clone();
            let (job_queue, work) = (&job_queue, &work);
            scope.spawn(move || loop {
                let job = match job_queue.lock() {
                    Ok(queue) => queue.recv(),
                    Err(_) => return,
                };
                let Ok((seq, chunk, w)) = job else { return };
                if done.send((seq, chunk.into_iter().map(work).collect(), w)).is_err() {
                    return;
                }
            });
        }
        drop(done);
        // Chunks come in any order; each is handed on when all before it have been.
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        let mut handed = Ok(());
        for (seq, chunk, w) in results {
            waiting.insert(seq, (chunk, w));
            while let Some((chunk, w)) = waiting.remove(&next) {
                next += 1;
                let n = chunk.len();
                for result in chunk {
                    if handed.is_ok() {
                        handed = sink(result);
                        if handed.is_err() {
                            budget.stop();
                        }
                    }
                }
                budget.give_back(w, n);
            }
        }
        let read = reader.join().unwrap_or_else(|_| Err(io::Error::other("reader thread panicked")));
        handed.and(read)
    })
}

/// Largest chunk of items handed to a worker at once, in input bytes.
const CHUNK_BYTES: u64 = 256 << 10;

/// Items read and not yet handed on, and whether reading should stop.
#[derive(Default)]
struct InFlight {
    bytes: u64,
    items: usize,
    stopped: bool,
}

struct Budget {
    state: Mutex<InFlight>,
    freed: Condvar,
    max_items: usize,
}

impl Budget {
    /// Waits until `n` items of `w` bytes fit; `false` when reading should stop.
    fn take(&self, w: u64, n: usize) -> bool {
        let Ok(mut s) = self.state.lock() else { return false };
        while !s.stopped && s.items > 0 && (s.bytes + w > BATCH_BYTES || s.items + n > self.max_items) {
            s = match self.freed.wait(s) {
                Ok(s) => s,
                Err(_) => return false,
            };
        }
        s.bytes += w;
        s.items += n;
        !s.stopped
    }

    fn give_back(&self, w: u64, n: usize) {
        if let Ok(mut s) = self.state.lock() {
            s.bytes -= w;
            s.items -= n;
        }
        self.freed.notify_one();
    }

    fn stop(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.stopped = true;
        }
        self.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_in_input_order() {
        set_threads(2);
        let items = (0..10_000u64).map(Ok);
        let mut seen = Vec::new();
        ordered(items, |_| 1000, |i| i * 2, |r| {
            seen.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..10_000u64).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn errors_stop_the_run() {
        set_threads(2);
        let items = (0..100u64).map(|i| if i == 50 { Err(io::Error::other("bad read")) } else { Ok(i) });
        let mut seen = Vec::new();
        let e = ordered(items, |_| 1, |i| i, |r| {
            seen.push(r);
            Ok(())
        });
        assert_eq!(e.unwrap_err().to_string(), "bad read");
        assert_eq!(seen, (0..50).collect::<Vec<_>>(), "what was read before the error is handed on");
        let mut handed = 0;
        let e = ordered((0..100_000u64).map(Ok), |_| 1, |i| i, |_| {
            handed += 1;
            if handed == 10 { Err(io::Error::other("full")) } else { Ok(()) }
        });
        assert_eq!(e.unwrap_err().to_string(), "full");
        assert_eq!(handed, 10);
    }
}
