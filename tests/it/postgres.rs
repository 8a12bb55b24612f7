//! A real PostgreSQL server for the store tests, started by the tests themselves: a throwaway
//! cluster (`initdb` + `pg_ctl` from Debian's `postgresql` package, on a temporary directory and a
//! free port on 127.0.0.1), or the server named by `LOTS_TEST_DATABASE_URL`. When neither is
//! possible, the tests fail with what to install; they never skip.
//!
//! `initdb` refuses to run as root, and CI runs as root: then every server binary runs as the
//! `postgres` user (the package creates it), and the cluster's directory belongs to that user.
//! Clients (`psql`, the store under test) connect over TCP as the cluster's superuser `lots`,
//! with trust authentication.
//!
//! A server never outlives the test process, even one killed with SIGKILL: each cluster has a
//! keeper, a small `sh` script that runs `initdb`, and `pg_ctl start`/`stop` when the test
//! process asks on its stdin, a pipe from the test process. When the test process ends, however
//! it ends, the kernel closes the pipe; the keeper finishes what it was doing, reads end of file,
//! stops the server (`pg_ctl -m immediate stop`) and deletes the cluster's directory. All control
//! goes through the keeper, so no start can slip past that stop. The keeper sits in its own
//! process group, so a Ctrl-C meant for the tests does not kill it first.
//!
//! This module knows nothing about the store: it hands out database URLs.

use std::ffi::{OsStr, OsString};
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The environment variable naming an external server to create databases on.
const URL_VAR: &str = "LOTS_TEST_DATABASE_URL";
/// Where Debian's server packages put their binaries: `/usr/lib/postgresql/<version>/bin`.
const PACKAGE_ROOT: &str = "/usr/lib/postgresql";
/// The superuser `initdb` creates in a throwaway cluster.
const SUPERUSER: &str = "lots";
/// Attempts to start a cluster, each on a new free port (another process may take the port
/// between our probe and the server's bind).
const START_ATTEMPTS: usize = 5;

/// The keeper, run as the server's user with `$1` = the binaries' folder, `$2` = the cluster's
/// directory, `$3` = the superuser: runs `initdb`, then answers `start` and `stop` lines with
/// `ok` or `failed` until end of file, then stops the server and deletes the directory. It
/// ignores SIGPIPE (its answer may go to a test process that is gone, and it must still clean
/// up) and the terminal's SIGINT and SIGHUP.
const KEEPER: &str = r#"
trap '' PIPE INT HUP
bin=$1 base=$2 superuser=$3
stop() { "$bin/pg_ctl" stop -w -m "$1" -D "$base/data" >>"$base/pg_ctl.out" 2>&1; }
if "$bin/initdb" -D "$base/data" --auth=trust -U "$superuser" -E UTF8 --locale=C --no-sync \
    >"$base/initdb.out" 2>&1; then echo ok; else echo failed; fi
while read -r request; do
  case $request in
    start)
      if "$bin/pg_ctl" start -w -D "$base/data" -l "$base/server.log" >"$base/pg_ctl.out" 2>&1
      then echo ok; else stop immediate; echo failed; fi ;;
    stop) if stop fast; then echo ok; else echo failed; fi ;;
  esac
done
stop immediate
rm -rf "$base"
"#;

/// A PostgreSQL server the tests may create databases on.
pub(crate) struct Server {
    /// A database on the server to run `CREATE DATABASE` from; a fresh database's URL is this
    /// one with the database name replaced.
    url: String,
    /// The `psql` that creates databases.
    psql: PathBuf,
    /// The throwaway cluster behind `url`; `None` for the server of `LOTS_TEST_DATABASE_URL`.
    cluster: Option<Cluster>,
}

/// The server the tests of this process share: started on first use, stopped when the process
/// ends; or the server named by `LOTS_TEST_DATABASE_URL`.
pub(crate) fn shared() -> &'static Server {
    static SHARED: OnceLock<Server> = OnceLock::new();
    SHARED.get_or_init(|| match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => external(url.trim()),
        _ => Server::cluster(),
    })
}

/// A cluster of its own, for a test that stops and restarts the server. Dropping it stops the
/// server and deletes its directory. Needs the server binaries even when
/// `LOTS_TEST_DATABASE_URL` is set.
pub(crate) fn dedicated() -> Server {
    Server::cluster()
}

impl Server {
    /// Creates a new, empty database with a unique name (containing `hint`) and returns its URL,
    /// `postgres://user@127.0.0.1:PORT/name` for a throwaway cluster.
    pub(crate) fn fresh_database(&self, hint: &str) -> String {
        let name = unique_name(hint);
        if let Err(e) = self.psql(&self.url, &format!("CREATE DATABASE {name}")) {
            panic!("cannot create database `{name}` {}: {e}", self.described());
        }
        with_database(&self.url, &name)
    }

    /// Stops the server (fast shutdown); clients are disconnected and new ones refused until
    /// [`Server::start`]. Only for a [`dedicated`] cluster.
    pub(crate) fn stop(&self) {
        let cluster = self.own_cluster("stop");
        if let Err(e) = cluster.ask("stop") {
            panic!("pg_ctl stop failed: {e}");
        }
    }

    /// Starts the server again on the same port and data directory, after [`Server::stop`].
    pub(crate) fn start(&self) {
        let cluster = self.own_cluster("start");
        if let Err(e) = cluster.ask("start") {
            panic!("pg_ctl start failed: {e}\n{}", cluster.log_tail());
        }
    }

    /// Starts a throwaway cluster.
    fn cluster() -> Server {
        let started = Instant::now();
        let cluster = Cluster::start();
        let url = format!("postgres://{SUPERUSER}@127.0.0.1:{}/postgres", cluster.port);
        eprintln!(
            "PostgreSQL test cluster on 127.0.0.1:{} ({}), started in {:.1?}",
            cluster.port,
            cluster.base.display(),
            started.elapsed()
        );
        Server {
            url,
            psql: cluster.bin.join("psql"),
            cluster: Some(cluster),
        }
    }

    /// Runs `sql` on the database at `url` with `psql`; returns its unaligned, tuples-only output
    /// or its error.
    fn psql(&self, url: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(&self.psql)
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                url,
                "-c",
                sql,
            ])
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.psql.display()));
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    fn own_cluster(&self, verb: &str) -> &Cluster {
        self.cluster.as_ref().unwrap_or_else(|| {
            panic!(
                "cannot {verb} the server of {URL_VAR}: use postgres::dedicated() for a server \
                 of the test's own"
            )
        })
    }

    fn described(&self) -> String {
        match &self.cluster {
            Some(c) => format!("on the test cluster ({})", c.base.display()),
            None => format!("on the server of {URL_VAR}"),
        }
    }
}

/// The server named by `LOTS_TEST_DATABASE_URL`; databases are created on it with `psql`.
fn external(url: &str) -> Server {
    let path = env_path();
    let psql = match server_bin(Path::new(PACKAGE_ROOT), path.as_deref()) {
        Ok(bin) => bin.join("psql"),
        Err(_) => on_path("psql", path.as_deref()).unwrap_or_else(|| {
            panic!(
                "`psql` not found (looked in {PACKAGE_ROOT}/*/bin and on PATH): the tests create \
                 their databases on the server of {URL_VAR} with it: install the Debian package \
                 `postgresql-client` (apt-get install postgresql-client)"
            )
        }),
    };
    Server {
        url: url.to_owned(),
        psql,
        cluster: None,
    }
}

/// A throwaway cluster: its directory (`data/`, `server.log`, the Unix socket), its port and
/// its keeper.
struct Cluster {
    /// The folder of `initdb`, `pg_ctl`, `psql`.
    bin: PathBuf,
    /// The cluster's directory, owned by the server's user.
    base: PathBuf,
    port: u16,
    keeper: Option<Keeper>,
}

/// The keeper process and the two ends of the conversation with it.
struct Keeper {
    child: Child,
    conversation: Mutex<(ChildStdin, BufReader<ChildStdout>)>,
}

impl Cluster {
    fn start() -> Cluster {
        let bin = server_bin(Path::new(PACKAGE_ROOT), env_path().as_deref())
            .unwrap_or_else(|e| panic!("{e}"));
        let account = account();
        let base =
            std::env::temp_dir().join(format!("lots-pg-{}-{}", std::process::id(), next_number()));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir(&base).unwrap_or_else(|e| panic!("cannot create {}: {e}", base.display()));
        // From here on, a panic drops the cluster, which deletes `base`.
        let mut cluster = Cluster {
            bin,
            base,
            port: 0,
            keeper: None,
        };
        if let Some((uid, gid)) = account {
            std::os::unix::fs::chown(&cluster.base, Some(uid), Some(gid)).unwrap_or_else(|e| {
                panic!(
                    "cannot give {} to the `postgres` user: {e}",
                    cluster.base.display()
                )
            });
        }
        cluster.keeper = Some(cluster.spawn_keeper(account));
        if cluster.answer().is_err() {
            let out = fs::read_to_string(cluster.base.join("initdb.out")).unwrap_or_default();
            let hint = if account.is_some() {
                "\n(the tests run as root, so the server runs as the `postgres` user: it must be \
                 able to enter the temporary directory; set TMPDIR to one it can)"
            } else {
                ""
            };
            panic!("initdb failed:\n{}{hint}", out.trim());
        }
        // Throwaway settings: durability is traded for speed (data still survives a clean stop
        // and start, which is all a test asks).
        cluster.append_conf(&format!(
            "\n# lots tests: a throwaway cluster\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\n\
             max_connections = 100\n\
             fsync = off\n\
             full_page_writes = off\n\
             synchronous_commit = off\n",
            cluster.base.display()
        ));

        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            cluster.port = free_port();
            cluster.append_conf(&format!("port = {}\n", cluster.port));
            match cluster.ask("start") {
                Ok(()) => return cluster,
                Err(e) => failures.push(format!("port {}: {e}", cluster.port)),
            }
        }
        panic!(
            "PostgreSQL test cluster did not start ({START_ATTEMPTS} attempts):\n{}\n{}",
            failures.join("\n"),
            cluster.log_tail()
        );
    }

    /// Starts the keeper, as the `postgres` user when `account` names it, in the cluster's
    /// directory (that user may not enter the test's working directory).
    fn spawn_keeper(&self, account: Option<(u32, u32)>) -> Keeper {
        let mut sh = Command::new("/bin/sh");
        sh.arg("-c")
            .arg(KEEPER)
            .arg("lots-pg-keeper")
            .arg(&self.bin)
            .arg(&self.base)
            .arg(SUPERUSER)
            .current_dir(&self.base)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0);
        if let Some((uid, gid)) = account {
            sh.uid(uid).gid(gid).env("HOME", &self.base);
        }
        let mut child = sh
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run /bin/sh: {e}"));
        let stdin = child.stdin.take().expect("keeper's stdin");
        let stdout = child.stdout.take().expect("keeper's stdout");
        Keeper {
            child,
            conversation: Mutex::new((stdin, BufReader::new(stdout))),
        }
    }

    /// Asks the keeper to `start` or `stop` the server; `Err` holds pg_ctl's output.
    fn ask(&self, request: &str) -> Result<(), String> {
        {
            let mut conversation = self.conversation();
            writeln!(conversation.0, "{request}")
                .and_then(|()| conversation.0.flush())
                .unwrap_or_else(|e| panic!("the cluster's keeper is gone: {e}"));
        }
        self.answer().map_err(|()| {
            let out = fs::read_to_string(self.base.join("pg_ctl.out")).unwrap_or_default();
            out.trim().to_owned()
        })
    }

    /// The keeper's next answer: `ok` or not.
    fn answer(&self) -> Result<(), ()> {
        let mut line = String::new();
        let read = self.conversation().1.read_line(&mut line);
        if matches!(read, Ok(n) if n > 0) && line.trim() == "ok" {
            Ok(())
        } else {
            Err(())
        }
    }

    fn conversation(&self) -> MutexGuard<'_, (ChildStdin, BufReader<ChildStdout>)> {
        let keeper = self.keeper.as_ref().expect("a cluster has a keeper");
        keeper
            .conversation
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn append_conf(&self, text: &str) {
        let path = self.base.join("data/postgresql.conf");
        OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// The end of the server's log, for a failure message.
    fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.base.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines
            .get(lines.len().saturating_sub(20)..)
            .unwrap_or_default();
        format!("server log:\n{}", tail.join("\n"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(Keeper {
            mut child,
            conversation,
        }) = self.keeper.take()
        {
            // End of file for the keeper: it stops the server and deletes the directory.
            drop(conversation);
            let _ = child.wait();
        }
        let _ = fs::remove_dir_all(&self.base);
    }
}

/// The folder of the newest server binaries under `root` (`root/<version>/bin`), else the folder
/// of an `initdb` on PATH.
fn server_bin(root: &Path, path: Option<&OsStr>) -> Result<PathBuf, String> {
    let complete = |bin: &Path| {
        ["initdb", "pg_ctl", "psql"]
            .iter()
            .all(|t| bin.join(t).is_file())
    };
    let newest = fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: Vec<u32> = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            let bin = entry.path().join("bin");
            complete(&bin).then_some((version, bin))
        })
        .max();
    if let Some((_, bin)) = newest {
        return Ok(bin);
    }
    on_path("initdb", path)
        .and_then(|initdb| fs::canonicalize(initdb).ok()?.parent().map(Path::to_owned))
        .filter(|bin| complete(bin))
        .ok_or_else(|| {
            format!(
                "PostgreSQL server binaries not found (looked in {}/*/bin and for `initdb` on \
                 PATH): install the Debian package `postgresql` (apt-get install postgresql), or \
                 set {URL_VAR} to a server the tests may create databases on (a test that stops \
                 and restarts its own server needs the binaries regardless)",
                root.display()
            )
        })
}

fn on_path(tool: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join(tool))
        .find(|path| path.is_file())
}

fn env_path() -> Option<OsString> {
    std::env::var_os("PATH")
}

/// `None` when the tests may run the server themselves; the `postgres` user's uid and gid when
/// they run as root (`initdb` refuses root).
fn account() -> Option<(u32, u32)> {
    let id = |args: &[&str]| -> Option<u32> {
        let out = Command::new("id").args(args).output().ok()?;
        out.status.success().then_some(())?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    if id(&["-u"]).unwrap_or_else(|| panic!("cannot run `id -u`")) != 0 {
        return None;
    }
    match (id(&["-u", "postgres"]), id(&["-g", "postgres"])) {
        (Some(uid), Some(gid)) => Some((uid, gid)),
        _ => panic!(
            "the tests run as root, and `initdb` refuses to run as root, so the server runs as \
             the `postgres` user, which does not exist: install the Debian package `postgresql` \
             (apt-get install postgresql), which creates it, or run the tests as another user"
        ),
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("cannot bind a port on 127.0.0.1: {e}"))
}

fn next_number() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A database name unique across test processes and runs (an external server keeps the
/// databases of earlier runs): `lots_<hint>_<pid>_<n>_<time>`, at most 63 bytes.
fn unique_name(hint: &str) -> String {
    let hint: String = hint
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '_',
        })
        .take(24)
        .collect();
    let time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_micros()
        % 0x1_0000_0000;
    format!(
        "lots_{hint}_{}_{}_{time:x}",
        std::process::id(),
        next_number()
    )
}

/// `url` with its database replaced by `name`; user, password, host, port and options kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base
        .get(authority_start..)
        .and_then(|rest| rest.find('/'))
        .map_or(base.len(), |i| authority_start + i);
    let mut res = format!("{}/{name}", base.get(..path_start).unwrap_or(base));
    if let Some(query) = query {
        res.push('?');
        res.push_str(query);
    }
    res
}

#[test]
fn a_fresh_database_on_the_shared_server_runs_queries() {
    let server = shared();
    let url = server.fresh_database("queries");
    let rows = server
        .psql(
            &url,
            "CREATE TABLE t(x int); INSERT INTO t VALUES (42), (7); SELECT x FROM t ORDER BY x",
        )
        .unwrap();
    assert_eq!(rows, "7\n42");
}

#[test]
fn fresh_databases_are_distinct_and_empty() {
    let server = shared();
    let first = server.fresh_database("distinct");
    let second = server.fresh_database("distinct");
    assert_ne!(first, second);
    server
        .psql(&first, "CREATE TABLE only_here(x int)")
        .unwrap();
    let tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'";
    assert_eq!(server.psql(&first, tables).unwrap(), "1");
    assert_eq!(server.psql(&second, tables).unwrap(), "0");
    let name = |url: &str| server.psql(url, "SELECT current_database()").unwrap();
    assert_ne!(name(&first), name(&second));
}

#[test]
fn a_dedicated_server_refuses_connections_while_stopped_and_keeps_its_data() {
    let server = dedicated();
    let port = server.cluster.as_ref().unwrap().port;
    let base = server.cluster.as_ref().unwrap().base.clone();
    let url = server.fresh_database("restart");
    assert!(url.starts_with(&format!(
        "postgres://{SUPERUSER}@127.0.0.1:{port}/lots_restart_"
    )));
    server
        .psql(
            &url,
            "CREATE TABLE kept(x int); INSERT INTO kept VALUES (1)",
        )
        .unwrap();

    server.stop();
    let refused = server.psql(&url, "SELECT 1").unwrap_err();
    assert!(refused.contains("Connection refused"), "{refused}");
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());

    server.start();
    assert_eq!(server.psql(&url, "SELECT x FROM kept").unwrap(), "1");

    drop(server);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    assert!(!base.exists(), "{} left behind", base.display());
}

#[test]
fn missing_binaries_name_the_package_and_the_variable() {
    let empty = std::env::temp_dir().join(format!("lots-pg-none-{}", std::process::id()));
    fs::create_dir_all(&empty).unwrap();
    let found = server_bin(&empty, Some(empty.as_os_str()));
    fs::remove_dir_all(&empty).unwrap();
    let message = found.unwrap_err();
    assert!(
        message.contains("`postgresql` (apt-get install postgresql)"),
        "{message}"
    );
    assert!(message.contains(URL_VAR), "{message}");
    assert!(
        message.contains(&format!("{}/*/bin", empty.display())),
        "{message}"
    );
}

#[test]
fn a_database_url_keeps_everything_but_the_name() {
    let cases = [
        (
            "postgres://u:p@h:5/db?sslmode=disable",
            "postgres://u:p@h:5/x?sslmode=disable",
        ),
        ("postgres://u@h/db", "postgres://u@h/x"),
        ("postgresql://h:5", "postgresql://h:5/x"),
    ];
    for (url, expected) in cases {
        assert_eq!(with_database(url, "x"), expected);
    }
}
