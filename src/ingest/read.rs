//! Input files read within a bound. A regular file larger than the bound is refused before a
//! byte of it is read (naming the bound and its size); anything else (a pipe, a device such as
//! `/dev/stdin` that never ends) is read through [`Capped`], which fails once more than the
//! bound has come, so no input can hang runwait or fill its memory.

use crate::error::Error;
use crate::trace::limits;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// A reader that fails once more than its bound has been read from it.
pub struct Capped<R> {
    inner: R,
    cap: u64,
    read: u64,
}

impl<R: Read> Capped<R> {
    pub fn new(inner: R, cap: u64) -> Capped<R> {
        Capped {
            inner,
            cap,
            read: 0,
        }
    }

    /// Whether more than the bound came (the read that failed, failed for that).
    pub fn past_cap(&self) -> bool {
        self.read > self.cap
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.past_cap() {
            return Err(std::io::Error::other("over the limit on input files"));
        }
        // One byte past the bound is enough to know.
        let room = (self.cap - self.read + 1).min(buf.len() as u64) as usize;
        let n = self.inner.read(&mut buf[..room])?;
        self.read += n as u64;
        if self.past_cap() {
            return Err(std::io::Error::other("over the limit on input files"));
        }
        Ok(n)
    }
}

/// What a bound is on, for its errors: `trace files`, and how to raise it, if one can.
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    pub what: &'static str,
    pub raise: Option<&'static str>,
}

impl Kind {
    fn words(&self) -> String {
        match self.raise {
            Some(raise) => format!("the limit on {}; {raise}", self.what),
            None => format!("the limit on {}", self.what),
        }
    }
}

/// What kind of special file `path` is, found without opening it (opening a FIFO with no
/// writer blocks): `a FIFO`, `a character device`, ...; `None` for a regular file, a
/// directory, a path that does not exist, or a descriptor runwait was handed (`/dev/stdin`,
/// `/dev/fd/N`, `/proc/self/fd/N`: a pipe from the shell, read as it comes).
pub fn special_file(path: &Path) -> Option<&'static str> {
    let handed = ["/dev/stdin", "/dev/fd/", "/proc/self/fd/"];
    let text = path.to_string_lossy();
    if handed.iter().any(|h| text.starts_with(h)) {
        return None;
    }
    let kind = std::fs::metadata(path).ok()?.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    (!kind.is_file() && !kind.is_dir()).then_some("a special file")
}

/// A file opened for reading at most `cap` bytes.
pub struct Input {
    pub reader: Capped<File>,
    origin: String,
    kind: Kind,
}

impl Input {
    pub fn open(path: &Path, cap: u64, kind: Kind) -> Result<Input, Error> {
        let origin = path.display().to_string();
        let cannot = |e| Error::Io {
            what: format!("cannot read {origin}"),
            source: e,
        };
        if let Some(special) = special_file(path) {
            return Err(Error::Input {
                path: origin,
                why: format!(
                    "not a regular file ({special}): {} are read from regular files, or a pipe as /dev/stdin",
                    kind.what
                ),
            });
        }
        let file = File::open(path).map_err(cannot)?;
        let meta = file.metadata().map_err(cannot)?;
        if meta.is_dir() {
            return Err(Error::Input {
                path: origin,
                why: "a directory, not a file".into(),
            });
        }
        if meta.is_file() && meta.len() > cap {
            return Err(Error::Input {
                why: format!(
                    "{}, over {} ({})",
                    limits::bytes(meta.len()),
                    limits::bytes(cap),
                    kind.words()
                ),
                path: origin,
            });
        }
        Ok(Input {
            reader: Capped::new(file, cap),
            origin,
            kind,
        })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The error for a read that went past the bound (not a regular file: its size was not
    /// known before reading).
    pub fn too_big(&self) -> Error {
        Error::Input {
            path: self.origin.clone(),
            why: format!(
                "not a regular file, and more than {} came from it ({}): it may never end",
                limits::bytes(self.reader.cap),
                self.kind.words()
            ),
        }
    }

    /// The whole input as text.
    pub fn text(mut self) -> Result<String, Error> {
        let mut text = String::new();
        match self.reader.read_to_string(&mut text) {
            Ok(_) => Ok(text),
            Err(_) if self.reader.past_cap() => Err(self.too_big()),
            Err(e) => Err(Error::Io {
                what: format!("cannot read {}", self.origin),
                source: e,
            }),
        }
    }
}

/// A size given on the command line: bytes, or with a unit (`512M`, `2G`, `64k`; powers of
/// 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size (say 512M, 2G or a number of bytes)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("'{text}': the units are K, M, G and T")),
    };
    n.checked_mul(1 << shift)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("'{text}' is not a size runwait can read"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_reader_fails_past_its_bound() {
        let mut ok = Capped::new(&b"12345"[..], 5);
        let mut text = String::new();
        assert!(ok.read_to_string(&mut text).is_ok() && text == "12345");
        let mut over = Capped::new(&b"123456"[..], 5);
        assert!(over.read_to_string(&mut String::new()).is_err());
        assert!(over.past_cap());
    }

    #[test]
    fn sizes_read_with_units() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
