//! Documents cleaned on all cores, results handed on in input order.
//!
//! Work is cut into batches of bounded size (bytes and count); each batch is cleaned in parallel
//! and its results are passed on in order before the next batch is read, so memory is bounded by
//! the batch size whatever the input size, and the output is the same for any number of threads.

use std::io;

use rayon::prelude::*;

/// Largest batch, in input bytes (a single larger item is a batch of its own).
pub(crate) const BATCH_BYTES: u64 = 8 << 20;
/// Most items in a batch.
pub(crate) const BATCH_ITEMS: usize = 4096;

/// Sets the number of worker threads (0: one per core); later calls change nothing.
pub(crate) fn set_threads(jobs: usize) {
    let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global();
}

/// Maps `work` over `items` on the worker threads and calls `sink` with the results in input
/// order. `weight` is an item's size in bytes, for batching. Stops at the first error of the input
/// or of `sink`.
pub(crate) fn ordered<T, R>(
    items: impl Iterator<Item = io::Result<T>>,
    weight: impl Fn(&T) -> u64,
    work: impl Fn(T) -> R + Sync,
    sink: impl FnMut(R) -> io::Result<()>,
) -> io::Result<()>
where
    T: Send,
    R: Send,
{
    ordered_in_batches(items, weight, work, sink, BATCH_ITEMS)
}

/// [`ordered`] with at most `max_items` items a batch: files are handed on (and written) one
/// small batch at a time, so writing goes on while later files are cleaned.
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
    let mut run = |batch: &mut Vec<T>| -> io::Result<()> {
        let results: Vec<R> = std::mem::take(batch).into_par_iter().map(&work).collect();
        results.into_iter().try_for_each(&mut sink)
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_in_input_order() {
        let items = (0..10_000u64).map(Ok);
        let mut seen = Vec::new();
        ordered(items, |_| 1000, |i| i * 2, |r| {
            seen.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..10_000u64).map(|i| i * 2).collect::<Vec<_>>());
    }
}
