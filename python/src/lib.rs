//! The `zhclean` Python module: the library's cleaning for Python pipelines (Ray Data, datatrove,
//! Dask, Spark's `mapInArrow`, plain scripts).
//!
//! `clean(document, path="-", **options) -> (text, report)` cleans one document;
//! `clean_batch(documents, paths=None, on_error="raise", **options) -> (texts, reports)` cleans
//! many on all cores with the GIL released. A document is `str` (cleaned as it is) or `bytes`
//! (its encoding detected first, as for a file). The report is the JSON object the command line
//! writes (`--report`, or the `zhclean` field of `clean --jsonl`), serialised by the same code and
//! read back with Python's `json`, so it has the same keys in the same order.
//!
//! Options are the command line's: `convert` (`"t2s"`), `encoding`, `strict`, `warn_removal`
//! (0.5), `max_removal`, `rules` (folders of rule files), `select`, `ignore` (lists of codes,
//! prefixes or categories). A cleaner is built once per set of options and kept for the process.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use rayon::prelude::*;
use zhclean_core::convert::Conversion;
use zhclean_core::decode::Label;
use zhclean_core::report::Report;
use zhclean_core::{Cleaner, Options};

/// A document as given: text, or bytes whose encoding is to be detected.
enum Document {
    Text(String),
    Bytes(Vec<u8>),
}

impl Document {
    fn from_py(object: &Bound<'_, PyAny>) -> PyResult<Document> {
        if let Ok(s) = object.cast::<PyString>() {
            Ok(Document::Text(s.to_cow()?.into_owned()))
        } else if let Ok(b) = object.cast::<PyBytes>() {
            Ok(Document::Bytes(b.as_bytes().to_vec()))
        } else {
            Err(PyTypeError::new_err(format!("a document is str or bytes, not {}", object.get_type().name()?)))
        }
    }

    /// Cleans the document; a decode error (bytes only) names the path.
    fn clean(self, cleaner: &Cleaner, path: &str) -> Result<(String, Report), String> {
        let cleaned = match self {
            Document::Text(text) => cleaner.clean_text(text, path),
            Document::Bytes(bytes) => cleaner.clean_bytes(&bytes, path).map_err(|e| format!("{path}: {e}"))?,
        };
        Ok((cleaned.text, cleaned.report))
    }
}

/// The options of a cleaner, read from keyword arguments.
#[derive(Debug, Clone, PartialEq)]
struct Settings {
    convert: String,
    encoding: Option<String>,
    strict: bool,
    warn_removal: f64,
    max_removal: Option<f64>,
    rules: Vec<PathBuf>,
    select: Vec<String>,
    ignore: Vec<String>,
}

impl Settings {
    fn from_kwargs(options: Option<&Bound<'_, PyDict>>) -> PyResult<Settings> {
        let mut s = Settings {
            convert: "t2s".to_owned(),
            encoding: None,
            strict: false,
            warn_removal: zhclean_core::HEAVY_REMOVAL_SHARE,
            max_removal: None,
            rules: Vec::new(),
            select: Vec::new(),
            ignore: Vec::new(),
        };
        for (key, value) in options.into_iter().flatten() {
            let key: String = key.extract()?;
            match key.as_str() {
                "convert" => s.convert = value.extract()?,
                "encoding" => s.encoding = value.extract()?,
                "strict" => s.strict = value.extract()?,
                "warn_removal" => s.warn_removal = share(&key, value.extract()?)?,
                "max_removal" => s.max_removal = value.extract::<Option<f64>>()?.map(|v| share(&key, v)).transpose()?,
                "rules" => s.rules = value.extract()?,
                "select" => s.select = value.extract()?,
                "ignore" => s.ignore = value.extract()?,
                _ => {
                    return Err(PyTypeError::new_err(format!(
                        "unknown option `{key}`; options are convert, encoding, strict, warn_removal, max_removal, rules, select, ignore"
                    )))
                }
            }
        }
        Ok(s)
    }

    /// The cleaner for these settings, built on first use.
    fn cleaner(&self) -> PyResult<Arc<Cleaner>> {
        static BUILT: LazyLock<Mutex<Built>> = LazyLock::new(|| Mutex::new(Vec::new()));
        let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, c)) = built.iter().find(|(s, _)| s == self) {
            return Ok(Arc::clone(c));
        }
        let error = |e: &dyn std::fmt::Display| PyValueError::new_err(e.to_string());
        let conversion: Conversion = self.convert.parse().map_err(|e| error(&e))?;
        let encoding = self.encoding.as_deref().map(Label::parse).transpose().map_err(|e| error(&format!("encoding: {e}")))?;
        let options = Options { conversion, encoding, strict: self.strict, warn_removal: self.warn_removal, max_removal: self.max_removal };
        let cleaner = Arc::new(Cleaner::with_rules(&self.rules, &self.select, &self.ignore, &options).map_err(|e| error(&e))?);
        built.push((self.clone(), Arc::clone(&cleaner)));
        Ok(cleaner)
    }
}

/// The cleaners built so far, by their settings (few: a process uses one or two).
type Built = Vec<(Settings, Arc<Cleaner>)>;

/// Cleaned texts (`None` for a document marked as failed) and their reports.
type Batch<'py> = (Vec<Option<String>>, Vec<Bound<'py, PyAny>>);

fn share(key: &str, value: f64) -> PyResult<f64> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(PyValueError::new_err(format!("{key} is a share from 0 to 1, not {value}")))
    }
}

/// The report as a Python dict: the JSON the command line writes, read back with `json.loads`.
fn report_dict<'py>(loads: &Bound<'py, PyAny>, report: &Report) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_string(report).map_err(|e| PyValueError::new_err(e.to_string()))?;
    loads.call1((json,))
}

/// Cleans one document (`str`, or `bytes` in any encoding) and returns `(text, report)`.
#[pyfunction]
#[pyo3(signature = (document, path = "-", **options))]
fn clean<'py>(
    py: Python<'py>,
    document: &Bound<'py, PyAny>,
    path: &str,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<(String, Bound<'py, PyAny>)> {
    let cleaner = Settings::from_kwargs(options)?.cleaner()?;
    let document = Document::from_py(document)?;
    let (text, report) = py.detach(|| document.clean(&cleaner, path)).map_err(PyValueError::new_err)?;
    let loads = py.import("json")?.getattr("loads")?;
    Ok((text, report_dict(&loads, &report)?))
}

/// Cleans a list of documents on all cores, with the GIL released, and returns `(texts, reports)`
/// in input order. `paths` names each document in its report (default `"-"`). A document that
/// cannot be decoded (bytes only) raises `ValueError`, or with `on_error="mark"` gives `None` and
/// the report `{"path": ..., "error": ...}`.
#[pyfunction]
#[pyo3(signature = (documents, paths = None, on_error = "raise", **options))]
fn clean_batch<'py>(
    py: Python<'py>,
    documents: Vec<Bound<'py, PyAny>>,
    paths: Option<Vec<String>>,
    on_error: &str,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Batch<'py>> {
    let mark = match on_error {
        "raise" => false,
        "mark" => true,
        _ => return Err(PyValueError::new_err(format!("on_error is \"raise\" or \"mark\", not {on_error:?}"))),
    };
    let cleaner = Settings::from_kwargs(options)?.cleaner()?;
    let paths = paths.unwrap_or_else(|| vec!["-".to_owned(); documents.len()]);
    if paths.len() != documents.len() {
        return Err(PyValueError::new_err(format!("{} paths for {} documents", paths.len(), documents.len())));
    }
    let documents = documents.iter().map(Document::from_py).collect::<PyResult<Vec<_>>>()?;
    let results: Vec<Result<(String, Report), String>> =
        py.detach(|| documents.into_par_iter().zip(&paths).map(|(d, p)| d.clean(&cleaner, p)).collect());
    let loads = py.import("json")?.getattr("loads")?;
    let mut texts = Vec::with_capacity(results.len());
    let mut reports = Vec::with_capacity(results.len());
    for (result, path) in results.into_iter().zip(&paths) {
        match result {
            Ok((text, report)) => {
                texts.push(Some(text));
                reports.push(report_dict(&loads, &report)?);
            }
            Err(e) if mark => {
                let error = PyDict::new(py);
                error.set_item("path", path)?;
                error.set_item("error", e)?;
                texts.push(None);
                reports.push(error.into_any());
            }
            Err(e) => return Err(PyValueError::new_err(e)),
        }
    }
    Ok((texts, reports))
}

#[pymodule]
fn zhclean(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(clean, m)?)?;
    m.add_function(wrap_pyfunction!(clean_batch, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
