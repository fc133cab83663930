//! A reader of numeric CSV files: features, then one-hot classes, class indices or regression
//! targets.

use std::borrow::{Cow, ToOwned};
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;

use super::Samples;
use super::error::{DataError, DataErrorKind};
use crate::float::Float;

/// Which column holds the label (the class, or the first regression target).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelColumn {
    /// The last column (the last `O` for `O` regression targets). The default.
    Last,
    /// The column at this index, from 0.
    Index(usize),
    /// The column with this name in the header.
    Name(String),
}

/// A numeric CSV text, and how to read it: whether its first line is a header, which column
/// holds the label, and the delimiter. Every other column is a feature, in file order.
///
/// Cells are trimmed; empty lines and lines starting with `#` are skipped. Quoted cells are not
/// supported: the data is numbers. Errors give the line and column (from 1) of the cell.
///
/// ```
/// use network_core::data::Csv;
///
/// let csv = Csv::new("x1,x2,y\n0.5,1.5,2\n-1,0,0\n").header(true).label_named("y");
/// let one_hot: Vec<([f32; 2], [f32; 3])> = csv.one_hot()?;
/// assert_eq!(one_hot[0], ([0.5, 1.5], [0.0, 0.0, 1.0]));
/// let classes: Vec<([f32; 2], usize)> = csv.classes(3)?;
/// assert_eq!(classes[1], ([-1.0, 0.0], 0));
/// let targets: Vec<([f64; 2], [f64; 1])> = csv.regression()?;
/// assert_eq!(targets[0].1, [2.0]);
///
/// let err = Csv::new("1,2,0\n1,x,0\n").one_hot::<f32, 2, 3>().unwrap_err();
/// assert_eq!(err.to_string(), "line 2, column 2: `x` is not a finite number");
/// # Ok::<(), network_core::data::DataError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Csv<'a> {
    text: Cow<'a, str>,
    path: Option<PathBuf>,
    header: bool,
    label: LabelColumn,
    delimiter: char,
}

impl<'a> Csv<'a> {
    /// CSV text, without a header, label in the last column, comma-separated.
    pub fn new(text: &'a str) -> Self {
        Csv {
            text: Cow::Borrowed(text),
            path: None,
            header: false,
            label: LabelColumn::Last,
            delimiter: ',',
        }
    }

    /// The CSV file at `path`, read whole; errors, then and later, name the file.
    pub fn read<P: AsRef<Path>>(path: P) -> Result<Csv<'static>, DataError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| DataError::whole(DataErrorKind::Io(e)).in_file(Some(path)))?;
        Ok(Csv {
            text: Cow::Owned(text),
            path: Some(path.to_path_buf()),
            header: false,
            label: LabelColumn::Last,
            delimiter: ',',
        })
    }

    /// Whether the first line (not empty, not a `#` comment) is a header of column names.
    pub fn header(mut self, header: bool) -> Self {
        self.header = header;
        self
    }

    /// The label is in column `index`, counted from 0.
    pub fn label(mut self, index: usize) -> Self {
        self.label = LabelColumn::Index(index);
        self
    }

    /// The label is in the column the header names `name` (needs [`header`](Self::header)).
    pub fn label_named(mut self, name: &str) -> Self {
        self.label = LabelColumn::Name(name.to_owned());
        self
    }

    /// Cells are separated by `delimiter` (`,` unless set; `;` and `\t` are common).
    pub fn delimiter(mut self, delimiter: char) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// The header's column names, if the reader has a header.
    pub fn column_names(&self) -> Option<Vec<&str>> {
        if !self.header {
            return None;
        }
        self.lines()
            .next()
            .map(|(_, l)| l.split(self.delimiter).map(str::trim).collect())
    }

    /// Features and the one-hot encoded class: the label cell is an integer from 0 to `K - 1`.
    pub fn one_hot<T: Float, const I: usize, const K: usize>(
        &self,
    ) -> Result<Samples<[T; I], [T; K]>, DataError> {
        self.rows::<T, I, _>(1, |cells, line, col| {
            let c = class(cells[0], K, line, col)?;
            Ok(super::one_hot(c))
        })
    }

    /// Features and the class index: the label cell is an integer from 0 to `classes - 1`.
    pub fn classes<T: Float, const I: usize>(
        &self,
        classes: usize,
    ) -> Result<Samples<[T; I], usize>, DataError> {
        self.rows::<T, I, _>(1, |cells, line, col| class(cells[0], classes, line, col))
    }

    /// Features and `O` regression targets, from `O` adjacent columns starting at the label
    /// column (the last `O` columns by default).
    pub fn regression<T: Float, const I: usize, const O: usize>(
        &self,
    ) -> Result<Samples<[T; I], [T; O]>, DataError> {
        self.rows::<T, I, _>(O, |cells, line, col| {
            let mut y = [T::zero(); O];
            for (j, (v, cell)) in y.iter_mut().zip(cells).enumerate() {
                *v = number(cell, line, col + j)?;
            }
            Ok(y)
        })
    }

    /// The lines that hold data or the header, with their numbers from 1.
    fn lines(&self) -> impl Iterator<Item = (usize, &str)> {
        self.text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            })
    }

    /// Every data row as `I` features and a target made by `target` from the `width` target
    /// cells (given with the line and the first target's column, from 1).
    fn rows<T: Float, const I: usize, Y>(
        &self,
        width: usize,
        mut target: impl FnMut(&[&str], usize, usize) -> Result<Y, DataError>,
    ) -> Result<Samples<[T; I], Y>, DataError> {
        let file = self.path.as_deref();
        let mut lines = self.lines();
        let columns = I + width;
        let header = if self.header { lines.next() } else { None };
        let start = match &self.label {
            LabelColumn::Last => I,
            LabelColumn::Index(i) => *i,
            LabelColumn::Name(name) => {
                let Some((line, h)) = header else {
                    return Err(DataError::whole(DataErrorKind::NoHeader).in_file(file));
                };
                let names: Vec<&str> = h.split(self.delimiter).map(str::trim).collect();
                match names.iter().position(|n| n == name) {
                    Some(i) => i,
                    None => {
                        return Err(DataError::at(
                            line,
                            None,
                            DataErrorKind::NoSuchColumn {
                                name: name.clone(),
                                header: names.join(","),
                            },
                        )
                        .in_file(file));
                    }
                }
            }
        };
        if start + width > columns {
            return Err(DataError::whole(DataErrorKind::LabelOutOfRow {
                index: start,
                columns,
            })
            .in_file(file));
        }
        let mut out = Vec::new();
        let mut cells: Vec<&str> = Vec::with_capacity(columns);
        for (line, text) in lines {
            cells.clear();
            cells.extend(text.split(self.delimiter).map(str::trim));
            if cells.len() != columns {
                let column = cells.len().min(columns) + 1;
                return Err(DataError::at(
                    line,
                    Some(column),
                    DataErrorKind::ColumnCount {
                        expected: columns,
                        found: cells.len(),
                    },
                )
                .in_file(file));
            }
            let mut x = [T::zero(); I];
            let features = (0..columns).filter(|&c| c < start || c >= start + width);
            for (v, c) in x.iter_mut().zip(features) {
                *v = number(cells[c], line, c + 1).map_err(|e| e.in_file(file))?;
            }
            let y = target(&cells[start..start + width], line, start + 1)
                .map_err(|e| e.in_file(file))?;
            out.push((x, y));
        }
        if out.is_empty() {
            return Err(DataError::whole(DataErrorKind::Empty).in_file(file));
        }
        Ok(out)
    }
}

/// A finite number, or the error at `line`, `column`.
fn number<T: Float>(cell: &str, line: usize, column: usize) -> Result<T, DataError> {
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(T::cast(v)),
        _ => Err(DataError::at(
            line,
            Some(column),
            DataErrorKind::NotANumber {
                text: cell.to_string(),
            },
        )),
    }
}

/// A class index below `classes` (`2` or `2.0`), or the error at `line`, `column`.
fn class(cell: &str, classes: usize, line: usize, column: usize) -> Result<usize, DataError> {
    let parsed = cell.parse::<usize>().ok().or_else(|| {
        cell.parse::<f64>()
            .ok()
            .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v < usize::MAX as f64)
            .map(|v| v as usize)
    });
    match parsed {
        Some(c) if c < classes => Ok(c),
        _ => Err(DataError::at(
            line,
            Some(column),
            DataErrorKind::BadClass {
                text: cell.to_string(),
                classes,
            },
        )),
    }
}
