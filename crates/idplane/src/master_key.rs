//! The master key: from `IDPLANE_MASTER_KEY`, or a key file generated once in the data dir
//! with mode 0600.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use idplane_core::crypto::MasterKey;

use crate::config::Config;

pub const KEY_FILE: &str = "master.key";

pub fn load(config: &Config) -> Result<MasterKey, String> {
    if let Some(text) = &config.master_key {
        return MasterKey::from_text(text.expose()).map_err(|e| format!("IDPLANE_MASTER_KEY: {e}"));
    }
    load_or_create_file(&config.data_dir.join(KEY_FILE))
}

fn load_or_create_file(path: &Path) -> Result<MasterKey, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => MasterKey::from_text(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate();
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| format!("creating {}: {e}", path.display()))?;
            file.write_all(format!("{}\n", key.to_hex()).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(format!("reading {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn key_file_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        let first = load_or_create_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let second = load_or_create_file(&path).unwrap();
        assert_eq!(first.to_hex(), second.to_hex());
    }
}
