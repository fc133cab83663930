//! Why data could not be read, with the file, line and column at fault.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::string::String;

/// Why a CSV file or a stored [`Standardizer`](super::Standardizer) could not be read: what,
/// and where (file, line, column; lines and columns counted from 1).
#[derive(Debug)]
pub struct DataError {
    /// The file, when the data came from one.
    pub path: Option<PathBuf>,
    /// The line (from 1), when the error is about one.
    pub line: Option<usize>,
    /// The column (from 1), when the error is about one cell.
    pub column: Option<usize>,
    /// What is wrong.
    pub kind: DataErrorKind,
}

/// What is wrong with the data.
#[derive(Debug)]
#[non_exhaustive]
pub enum DataErrorKind {
    /// The file could not be read or written.
    Io(io::Error),
    /// A cell is not a finite number.
    NotANumber {
        /// The cell's text.
        text: String,
    },
    /// A row has another number of columns than the features and targets need.
    ColumnCount {
        /// Columns needed: features plus targets.
        expected: usize,
        /// Columns in the row.
        found: usize,
    },
    /// A class label is not an integer from 0 to `classes - 1`.
    BadClass {
        /// The cell's text.
        text: String,
        /// The number of classes.
        classes: usize,
    },
    /// The label column named is not in the header.
    NoSuchColumn {
        /// The name asked for.
        name: String,
        /// The header's names, comma-separated.
        header: String,
    },
    /// A label column was asked for by name, but the reader was told there is no header.
    NoHeader,
    /// The label column (or the targets starting there) lies past the row's last column.
    LabelOutOfRow {
        /// The label column asked for, from 0.
        index: usize,
        /// Columns in the row.
        columns: usize,
    },
    /// A stored [`Standardizer`](super::Standardizer) has another number of features.
    FeatureCount {
        /// Features the standardizer needs.
        expected: usize,
        /// Features the file holds.
        found: usize,
    },
    /// There is no data row.
    Empty,
}

impl DataError {
    pub(crate) fn at(line: usize, column: Option<usize>, kind: DataErrorKind) -> Self {
        DataError {
            path: None,
            line: Some(line),
            column,
            kind,
        }
    }

    pub(crate) fn whole(kind: DataErrorKind) -> Self {
        DataError {
            path: None,
            line: None,
            column: None,
            kind,
        }
    }

    pub(crate) fn in_file(mut self, path: Option<&std::path::Path>) -> Self {
        if self.path.is_none() {
            self.path = path.map(|p| p.to_path_buf());
        }
        self
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}: ", p.display())?;
        }
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: ")?,
            (Some(l), None) => write!(f, "line {l}: ")?,
            _ => {}
        }
        match &self.kind {
            DataErrorKind::Io(e) => write!(f, "{e}"),
            DataErrorKind::NotANumber { text } => write!(f, "`{text}` is not a finite number"),
            DataErrorKind::ColumnCount { expected, found } => {
                write!(f, "the row has {found} columns, {expected} are needed")
            }
            DataErrorKind::BadClass { text, classes } => write!(
                f,
                "class `{text}` is not an integer from 0 to {}",
                classes.saturating_sub(1)
            ),
            DataErrorKind::NoSuchColumn { name, header } => {
                write!(f, "no column named `{name}` in the header ({header})")
            }
            DataErrorKind::NoHeader => f.write_str(
                "a label column can only be chosen by name when the file has a header \
                 (call `.header(true)`)",
            ),
            DataErrorKind::LabelOutOfRow { index, columns } => write!(
                f,
                "the label column {index} (from 0) is past the row's {columns} columns"
            ),
            DataErrorKind::FeatureCount { expected, found } => {
                write!(f, "the file holds {found} features, {expected} are needed")
            }
            DataErrorKind::Empty => f.write_str("no data rows"),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            DataErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}
