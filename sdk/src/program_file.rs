//! The program `.so` this workspace builds, as the local network deploys it and the test kit
//! loads it: one path, one check, one hint.

use std::path::{Path, PathBuf};

/// The command that builds the program `.so`.
pub const BUILD_COMMAND: &str = "bash scripts/build-program.sh";

/// `$EDGERUN_SO` if set, else `target/deploy/edgerun.so` of this workspace.
pub fn default_path() -> PathBuf {
    if let Some(path) = std::env::var_os("EDGERUN_SO") {
        return PathBuf::from(path);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/deploy/edgerun.so")
}

/// Why the program could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProgramFileError {
    #[error("cannot read the Edgerun program at {path} ({source}); build it first with: {BUILD_COMMAND}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{path} is not an ELF file; rebuild it with: {BUILD_COMMAND}")]
    NotElf { path: PathBuf },
}

/// Reads the program at `path`; refuses a missing file or one that is not an ELF.
pub fn read(path: &Path) -> Result<Vec<u8>, ProgramFileError> {
    let bytes =
        std::fs::read(path).map_err(|source| ProgramFileError::Unreadable { path: path.to_path_buf(), source })?;
    if !bytes.starts_with(b"\x7fELF") {
        return Err(ProgramFileError::NotElf { path: path.to_path_buf() });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_foreign_file_is_refused_with_the_build_command() {
        let dir = std::env::temp_dir().join(format!("edgerun-program-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = read(&dir.join("absent.so")).unwrap_err().to_string();
        assert!(missing.contains("absent.so") && missing.contains(BUILD_COMMAND), "{missing}");
        let text = dir.join("text.so");
        std::fs::write(&text, b"not a program").unwrap();
        let foreign = read(&text).unwrap_err().to_string();
        assert!(foreign.contains("not an ELF") && foreign.contains(BUILD_COMMAND), "{foreign}");
        let elf = dir.join("elf.so");
        std::fs::write(&elf, b"\x7fELF rest").unwrap();
        assert_eq!(read(&elf).unwrap(), b"\x7fELF rest");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
