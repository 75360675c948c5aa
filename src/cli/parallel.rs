//! Documents cleaned on all cores, results handed on in input order.
//!
//! Work is cut into batches of bounded size (bytes and count); each batch is cleaned in parallel
//! and its results are passed on in order before the next batch is read, so memory is bounded by
//! the batch size whatever the input size, and the output is the same for any number of threads.
//! Streams read ahead on a thread of their own ([`read_ahead`]) so that a batch never waits for
//! input that has not come yet.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Condvar, Mutex};

use rayon::prelude::*;

/// Largest batch, in input bytes (a single larger item is a batch of its own).
pub(crate) const BATCH_BYTES: u64 = 2 << 20;
/// Most items in a batch.
pub(crate) const BATCH_ITEMS: usize = 4096;

/// Sets the number of worker threads (0: one per core); later calls change nothing.
pub(crate) fn set_threads(jobs: usize) {
    let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global();
}

/// Maps `work` over `items` on the worker threads and calls `sink` with the results in input
/// order. `weight` is an item's size in bytes, for batching; a batch has at most `max_items` items
/// (files are handed on, and written, one small batch at a time, so writing goes on while later
/// files are cleaned). Stops at the first error of the input or of `sink`.
pub(crate) fn ordered_in_batches<T, R>(
    items: impl Iterator<Item = io::Result<T>>,
    weight: impl Fn(&T) -> u64,
    work: impl Fn(T) -> R + Sync,
    mut sink: impl FnMut(R) -> io::Result<()>,
    max_items: usize,
) -> io::Result<()>
where
    T: Send,
    R: Send,
{
    let mut batch: Vec<T> = Vec::new();
    let mut bytes = 0;
    let mut run = |batch: &mut Vec<T>| -> io::Result<()> { map(std::mem::take(batch), &work).into_iter().try_for_each(&mut sink) };
    for item in items {
        let item = item?;
        bytes += weight(&item);
        batch.push(item);
        if bytes >= BATCH_BYTES || batch.len() >= max_items.max(1) {
            run(&mut batch)?;
            bytes = 0;
        }
    }
    if !batch.is_empty() {
        run(&mut batch)?;
    }
    Ok(())
}

/// `work` applied to every item of a batch on the worker threads; the results in input order.
pub(crate) fn map<T: Send, R: Send>(batch: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    batch.into_par_iter().map(&work).collect()
}

/// Reads `items` on a thread of its own, at most one batch ahead, and yields them in batches:
/// each batch is everything read by the time it is asked for (at least one item, at most the
/// batch limits). When input comes faster than it is cleaned, batches are full; when a writer
/// waits for output before writing more (a pipe consumer in lock step), the batch is what it
/// wrote, so it is never left waiting. A read error ends the items.
pub(crate) fn read_ahead<T, I, W>(items: I, weight: W) -> ReadAhead<T>
where
    T: Send + 'static,
    I: Iterator<Item = io::Result<T>> + Send + 'static,
    W: Fn(&T) -> u64 + Send + 'static,
{
    let shared = Arc::new(Shared { queue: Mutex::new(Queue::default()), changed: Condvar::new() });
    let producer = Arc::clone(&shared);
    std::thread::spawn(move || {
        for item in items {
            let w = item.as_ref().map_or(0, &weight);
            let failed = item.is_err();
            let mut q = producer.lock();
            // At most one batch read ahead (or one item larger than a batch).
            while !q.closed && !q.items.is_empty() && (q.bytes + w > BATCH_BYTES || q.items.len() >= BATCH_ITEMS) {
                q = producer.changed.wait(q).unwrap_or_else(|e| e.into_inner());
            }
            if q.closed {
                return;
            }
            q.items.push_back((item, w));
            q.bytes += w;
            producer.changed.notify_all();
            if failed {
                break;
            }
        }
        producer.lock().done = true;
        producer.changed.notify_all();
    });
    ReadAhead { shared }
}

/// The batches of [`read_ahead`]; dropping it stops the reading thread (after its current read).
pub(crate) struct ReadAhead<T> {
    shared: Arc<Shared<T>>,
}

struct Shared<T> {
    queue: Mutex<Queue<T>>,
    changed: Condvar,
}

impl<T> Shared<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue<T>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Queue<T> {
    /// Items read and not yet taken, with their weights.
    items: VecDeque<(io::Result<T>, u64)>,
    bytes: u64,
    /// The reader has finished.
    done: bool,
    /// The consumer has gone.
    closed: bool,
}

impl<T> Default for Queue<T> {
    fn default() -> Queue<T> {
        Queue { items: VecDeque::new(), bytes: 0, done: false, closed: false }
    }
}

impl<T> Iterator for ReadAhead<T> {
    type Item = io::Result<Vec<T>>;

    fn next(&mut self) -> Option<io::Result<Vec<T>>> {
        let mut q = self.shared.lock();
        while q.items.is_empty() && !q.done {
            q = self.shared.changed.wait(q).unwrap_or_else(|e| e.into_inner());
        }
        let mut batch = Vec::new();
        let mut bytes = 0;
        // An error is handed on alone, after the items before it. A batch stays within the
        // limits (unless one item exceeds them): one more large record than the threads can take
        // at once would leave all but one thread waiting for it.
        while batch.len() < BATCH_ITEMS
            && q.items.front().is_some_and(|(i, w)| i.is_ok() && (batch.is_empty() || bytes + w <= BATCH_BYTES))
        {
            let Some((Ok(item), w)) = q.items.pop_front() else { unreachable!("front checked") };
            q.bytes -= w;
            bytes += w;
            batch.push(item);
        }
        if batch.is_empty() {
            if let Some((Err(e), _)) = q.items.pop_front() {
                return Some(Err(e));
            }
            return None;
        }
        self.shared.changed.notify_all();
        Some(Ok(batch))
    }
}

impl<T> Drop for ReadAhead<T> {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_in_input_order() {
        let items = (0..10_000u64).map(Ok);
        let mut seen = Vec::new();
        let sink = |r| {
            seen.push(r);
            Ok(())
        };
        ordered_in_batches(items, |_| 1000, |i| i * 2, sink, BATCH_ITEMS).unwrap();
        assert_eq!(seen, (0..10_000u64).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn read_ahead_keeps_order_and_limits() {
        let items = (0..10_000u64).map(Ok);
        let batches: Vec<Vec<u64>> = read_ahead(items, |_| 4096).map(Result::unwrap).collect();
        assert!(batches.iter().all(|b| !b.is_empty() && b.len() as u64 * 4096 <= BATCH_BYTES));
        assert_eq!(batches.concat(), (0..10_000u64).collect::<Vec<_>>());
    }

    #[test]
    fn read_ahead_hands_on_an_error_after_the_items_before_it() {
        let items = vec![Ok(1), Ok(2), Err(io::Error::other("bad read")), Ok(3)].into_iter();
        let mut batches = read_ahead(items, |_| 1);
        let mut seen = Vec::new();
        let error = loop {
            match batches.next() {
                Some(Ok(b)) => seen.extend(b),
                Some(Err(e)) => break e,
                None => panic!("the error was lost"),
            }
        };
        assert_eq!(seen, [1, 2]);
        assert_eq!(error.to_string(), "bad read");
        assert!(batches.next().is_none());
    }

    #[test]
    fn read_ahead_does_not_wait_for_a_full_batch() {
        // Each item is sent only after the one before came out: a batch that waited to fill up
        // would never come, and the test would time out.
        let (tx, rx) = std::sync::mpsc::channel::<u64>();
        let (out_tx, out_rx) = std::sync::mpsc::channel::<Vec<u64>>();
        let items = std::iter::from_fn(move || rx.recv().ok().map(Ok));
        std::thread::spawn(move || {
            for batch in read_ahead(items, |_| 1) {
                let _ = out_tx.send(batch.unwrap());
            }
        });
        for i in 0..3 {
            tx.send(i).unwrap();
            let batch = out_rx.recv_timeout(std::time::Duration::from_secs(10)).expect("batch waited for more input");
            assert_eq!(batch, [i]);
        }
    }
}
