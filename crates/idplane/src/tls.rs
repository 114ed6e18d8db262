//! Native HTTPS: TLS 1.2 and 1.3 (rustls), HTTP/2 or HTTP/1.1 chosen by ALPN, a certificate
//! chain and key read from PEM files (RSA, ECDSA or Ed25519 keys; PKCS#8, PKCS#1 or SEC1), and
//! read again on SIGHUP or when either file changes — new handshakes use the new certificate,
//! connections already open keep theirs.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::signal::unix::{SignalKind, signal};
use tokio_rustls::TlsAcceptor;

/// How often the files are looked at for changes.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Where the certificate chain and its key are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// The chain and key as they are now, checked to belong together.
    fn load(&self) -> Result<CertifiedKey, String> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.cert)
            .map_err(|e| format!("reading the certificate {}: {e}", self.cert.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("reading the certificate {}: {e}", self.cert.display()))?;
        if chain.is_empty() {
            return Err(format!(
                "{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                self.cert.display()
            ));
        }
        let key = PrivateKeyDer::from_pem_file(&self.key).map_err(|e| {
            format!(
                "reading the private key {} (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC): {e}",
                self.key.display()
            )
        })?;
        let signing = rustls::crypto::ring::sign::any_supported_type(&key)
            .map_err(|e| format!("the private key {}: {e}", self.key.display()))?;
        let certified = CertifiedKey::new(chain, signing);
        certified.keys_match().map_err(|e| {
            format!(
                "the key {} does not belong to the certificate {}: {e}",
                self.key.display(),
                self.cert.display()
            )
        })?;
        Ok(certified)
    }

    fn modified(&self) -> Option<(SystemTime, SystemTime)> {
        let at = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        Some((at(&self.cert)?, at(&self.key)?))
    }
}

/// The certificate handshakes use, replaceable while the server runs.
struct Current {
    key: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for Current {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Current(<certificate>)")
    }
}

impl ResolvesServerCert for Current {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.key.read().ok().map(|k| k.clone())
    }
}

/// Builds the acceptor and starts watching the files (SIGHUP, or a change of either file).
pub fn acceptor(files: TlsFiles) -> Result<TlsAcceptor, String> {
    let current = Arc::new(Current {
        key: RwLock::new(Arc::new(files.load()?)),
    });
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_cert_resolver(current.clone());
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    tokio::spawn(watch(files, current));
    Ok(TlsAcceptor::from(Arc::new(config)))
}

async fn watch(files: TlsFiles, current: Arc<Current>) {
    let mut hangup = signal(SignalKind::hangup()).ok();
    let mut seen = files.modified();
    let mut last_error = None;
    let mut tick = tokio::time::interval(WATCH_EVERY);
    loop {
        let asked = match hangup.as_mut() {
            Some(h) => tokio::select! {
                _ = h.recv() => true,
                _ = tick.tick() => false,
            },
            None => {
                tick.tick().await;
                false
            }
        };
        let now = files.modified();
        if !asked && now == seen {
            continue;
        }
        match files.load() {
            Ok(key) => {
                if let Ok(mut slot) = current.key.write() {
                    *slot = Arc::new(key);
                }
                seen = now;
                last_error = None;
                tracing::info!(cert = %files.cert.display(), "TLS certificate loaded");
            }
            // Mid-way through a replacement the files may not match yet: keep serving the
            // certificate in hand and look again at the next tick (saying why once).
            Err(e) => {
                if last_error.as_ref() != Some(&e) {
                    tracing::warn!(error = %e, "TLS certificate not reloaded");
                }
                last_error = Some(e);
            }
        }
    }
}
