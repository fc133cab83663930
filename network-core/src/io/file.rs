//! Model files on the file system: atomic [`save`], and [`load`] / [`load_into`] that read
//! only the header of a file of another architecture before refusing it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::{format, vec::Vec};

use super::error::ModelError;
use super::format::{FIXED_HEADER, encoded_len, from_bytes, parse_header, to_bytes};
use crate::float::Float;
use crate::network::Architecture;

/// Why [`save`] or [`load`] failed, with the path of the file.
#[derive(Debug)]
#[non_exhaustive]
pub enum FileError {
    /// The file system refused: the file is missing, the disk is full, ...
    Io {
        /// The model file.
        path: PathBuf,
        /// What the file system said.
        error: io::Error,
    },
    /// The bytes are not a model of this network (or the network cannot be saved).
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong with the model.
        error: ModelError,
    },
}

impl FileError {
    /// The model file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            FileError::Io { path, .. } | FileError::Model { path, .. } => path,
        }
    }

    /// The model error, if the file was read but is not a model of the network.
    pub fn model_error(&self) -> Option<&ModelError> {
        match self {
            FileError::Model { error, .. } => Some(error),
            FileError::Io { .. } => None,
        }
    }

    /// The file system's error, if the file system refused.
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            FileError::Io { error, .. } => Some(error),
            FileError::Model { .. } => None,
        }
    }

    fn io(path: &Path, error: io::Error) -> Self {
        FileError::Io {
            path: path.to_path_buf(),
            error,
        }
    }

    fn model(path: &Path, error: ModelError) -> Self {
        FileError::Model {
            path: path.to_path_buf(),
            error,
        }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::Io { path, error } => {
                write!(f, "model file {}: {error}", path.display())
            }
            FileError::Model { path, error } => {
                write!(f, "model file {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Io { error, .. } => Some(error),
            FileError::Model { error, .. } => Some(error),
        }
    }
}

/// Writes `net`'s model file at `path`, atomically: the bytes go to a new temporary file
/// in the same folder, which is flushed to disk (`fsync`) and then renamed over `path`, and
/// the folder is synced so the rename itself is durable. A crash, a full disk or any error
/// leaves the previous file at `path`, if any, intact, and removes the temporary file.
pub fn save<T: Float, N: Architecture<T>, P: AsRef<Path>>(
    net: &N,
    path: P,
) -> Result<(), FileError> {
    let path = path.as_ref();
    let mut bytes = std::vec![0u8; encoded_len::<T, N>()];
    to_bytes(net, &mut bytes).map_err(|e| FileError::model(path, e))?;
    write_atomic(path, &bytes, |f, b| f.write_all(b)).map_err(|e| FileError::io(path, e))
}

/// Distinguishes temporary files of concurrent saves within one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The atomic write behind [`save`], with the step that writes the contents injectable so
/// that tests can fail it part-way.
pub(crate) fn write_atomic(
    path: &Path,
    bytes: &[u8],
    write: impl FnOnce(&mut File, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "model path has no file name")
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = dir.join(tmp_name);
    let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    // The closure owns the file, so it is closed before the rename.
    let written = (move || {
        let mut file = file;
        write(&mut file, bytes)?;
        file.sync_all()
    })()
    .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        // The temporary file is garbage now; the original was never touched.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    // Make the rename durable. Opening a folder to sync it only works on Unix.
    #[cfg(unix)]
    File::open(&dir)?.sync_all()?;
    Ok(())
}

/// Reads the model file at `path` into a new network (of all-zero parameters before the
/// read). Errors as [`from_bytes`], with the path, or the file system's.
pub fn load<T: Float, N: Architecture<T>, P: AsRef<Path>>(path: P) -> Result<N, FileError> {
    let mut net = N::zeroed();
    load_into(&mut net, path)?;
    Ok(net)
}

/// Reads the model file at `path` into `net`, which is unchanged on any error. The same checks
/// as [`from_bytes`]: a file of another architecture, longer or shorter than this network's
/// model, gives the architecture error. It reads at most one byte more than this network's
/// model, and more only while the file's header is longer than that, so a large file of
/// another architecture is refused without being read whole.
pub fn load_into<T: Float, N: Architecture<T>, P: AsRef<Path>>(
    net: &mut N,
    path: P,
) -> Result<(), FileError> {
    let path = path.as_ref();
    let bytes = read_model(path, encoded_len::<T, N>() + 1).map_err(|e| FileError::io(path, e))?;
    from_bytes(net, &bytes).map_err(|e| FileError::model(path, e))
}

/// The first `limit` bytes of the file at `path`, or more if the file's header is longer
/// (up to the header's end), so that the header can always be judged whole.
fn read_model(path: &Path, limit: usize) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let mut bytes = Vec::with_capacity(limit.max(FIXED_HEADER));
    (&mut file)
        .take(limit.max(FIXED_HEADER) as u64)
        .read_to_end(&mut bytes)?;
    // A header longer than `limit` (many or long-named layers): read it in steps that double.
    while let Err(ModelError::Truncated { needed, .. }) = parse_header(&bytes) {
        if bytes.len() as u64 >= needed {
            break;
        }
        let more = (bytes.len() as u64).min(needed - bytes.len() as u64);
        let before = bytes.len();
        (&mut file).take(more).read_to_end(&mut bytes)?;
        if bytes.len() == before {
            // The file ends here: it is truncated, which `from_bytes` reports.
            break;
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::write_atomic;
    use std::io::{self, Write};
    use std::{fs, vec::Vec};

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(std::format!(
            "network-core-atomic-{}-{name}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn listing(d: &std::path::Path) -> Vec<std::ffi::OsString> {
        let mut v: Vec<_> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_write_failing_part_way_keeps_the_old_file() {
        let d = dir("partial");
        let path = d.join("m.model");
        fs::write(&path, b"the good old model").unwrap();
        let new = [7u8; 1000];
        // Writes half, then fails as a full disk would.
        let err = write_atomic(&path, &new, |f, b| {
            f.write_all(&b[..b.len() / 2])?;
            Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
        })
        .unwrap_err();
        assert!(std::format!("{err}").contains("disk full"));
        assert_eq!(fs::read(&path).unwrap(), b"the good old model");
        assert_eq!(
            listing(&d),
            ["m.model"],
            "the temporary file was left behind"
        );
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_successful_write_replaces_the_file_whole() {
        let d = dir("whole");
        let path = d.join("m.model");
        fs::write(&path, b"old").unwrap();
        write_atomic(&path, b"new contents", |f, b| f.write_all(b)).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new contents");
        assert_eq!(listing(&d), ["m.model"]);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_missing_folder_is_an_error_and_creates_nothing() {
        let d = dir("missing");
        let path = d.join("no-such-folder").join("m.model");
        assert!(write_atomic(&path, b"x", |f, b| f.write_all(b)).is_err());
        assert!(listing(&d).is_empty());
        fs::remove_dir_all(&d).unwrap();
    }
}
