//! The run's trace: every observation as one JSON line, and the SHA-256 of those lines.
//!
//! The trace hash is the fingerprint of a run: `sha256sum trace.jsonl` equals it when the file is
//! written (`--trace`). Lines are built from struct serialisation only (fixed field order), with
//! time as exact decimal seconds, so equal runs give equal bytes.

use bitcoin::hashes::{Hash, HashEngine, sha256};
use hemisim_node::events::Observation;
use hemisim_node::time::SimTime;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct Trace {
    engine: sha256::HashEngine,
    file: Option<TraceFile>,
    line: Vec<u8>,
    body: Vec<u8>,
    lines: u64,
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trace").field("lines", &self.lines).field("file", &self.file).finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct TraceFile {
    writer: BufWriter<File>,
    temp: PathBuf,
    path: PathBuf,
    error: Option<io::Error>,
}

impl Trace {
    /// A trace that is hashed, and also written to `path` when given (atomically, at `finish`).
    pub fn new(path: Option<&Path>) -> io::Result<Trace> {
        let file = match path {
            Some(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    // Through the outputs' write gate: an interrupted process removing its staged
                    // outputs must not see this recreate the folder.
                    hemisim_reports::atomic::create_dir(dir).map_err(io::Error::other)?;
                }
                let temp = path.with_extension("jsonl.tmp");
                let writer = BufWriter::new(File::create(&temp)?);
                Some(TraceFile { writer, temp, path: path.to_owned(), error: None })
            }
            None => None,
        };
        Ok(Trace {
            engine: sha256::Hash::engine(),
            file,
            line: Vec::with_capacity(256),
            body: Vec::with_capacity(256),
            lines: 0,
        })
    }

    pub fn record(&mut self, at: SimTime, peer: &str, observation: &Observation) {
        self.line.clear();
        self.body.clear();
        // Writing into a Vec cannot fail, and these types always serialise.
        let _ = write!(self.line, "{{\"t\":\"{at}\",\"peer\":");
        let _ = serde_json::to_writer(&mut self.line, peer);
        let _ = serde_json::to_writer(&mut self.body, observation);
        self.line.push(b',');
        self.line.extend_from_slice(&self.body[1..]);
        self.line.push(b'\n');
        self.engine.input(&self.line);
        self.lines += 1;
        if let Some(file) = self.file.as_mut().filter(|f| f.error.is_none())
            && let Err(e) = file.writer.write_all(&self.line)
        {
            file.error = Some(e);
        }
    }

    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The trace hash (hex); renames the written trace into place.
    pub fn finish(self) -> io::Result<String> {
        if let Some(mut file) = self.file {
            if let Some(e) = file.error.take() {
                return Err(e);
            }
            file.writer.flush()?;
            file.writer.get_ref().sync_all()?;
            std::fs::rename(&file.temp, &file.path)?;
        }
        Ok(sha256::Hash::from_engine(self.engine).to_string())
    }
}
