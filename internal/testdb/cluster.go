package testdb

import (
	"fmt"
	"net"
	"os"
	osexec "os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Cluster is a private PostgreSQL server of one test, for tests that stop
// and start the database under the code they check (outages). It is never
// the shared server the other tests use. Loopback TCP only, trust auth,
// user postgres, database postgres.
type Cluster struct {
	tb   testing.TB
	bin  string
	data string
	log  string
	port int
	cred *syscall.Credential
}

// NewCluster initialises and starts a cluster in tb's temporary directory on
// a free port; it is stopped when tb ends. It needs the PostgreSQL server
// binaries (initdb, pg_ctl under /usr/lib/postgresql/*/bin or on PATH):
// without them the test is skipped locally and fails under CI=true. As root
// the server runs as the postgres system user (PostgreSQL refuses root).
func NewCluster(tb testing.TB) *Cluster {
	tb.Helper()
	bin, err := serverBin()
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("testdb: no PostgreSQL server binaries under CI: %v", err)
		}
		tb.Skipf("testdb: no PostgreSQL server binaries (install postgresql): %v", err)
	}
	c := &Cluster{tb: tb, bin: bin}
	dir := tb.TempDir()
	own := dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Fatalf("testdb: running as root needs the postgres system user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// postgres passes through the test's directories into its own.
		for _, d := range []string{filepath.Dir(dir), dir} {
			if err := os.Chmod(d, 0o711); err != nil {
				tb.Fatal(err)
			}
		}
		own = filepath.Join(dir, "pg")
		if err := os.Mkdir(own, 0o700); err != nil {
			tb.Fatal(err)
		}
		if err := os.Chown(own, uid, gid); err != nil {
			tb.Fatal(err)
		}
	}
	c.data = filepath.Join(own, "data")
	c.log = filepath.Join(own, "postgres.log")
	c.run("initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
	c.port = freePort(tb)
	conf, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	// No Unix socket: socket paths under a deep temporary directory can
	// exceed 107 bytes, and nothing else should reach this cluster.
	// synchronous_commit stays on: tests stop this cluster with "immediate",
	// and an acknowledged commit still in WAL buffers would be lost.
	_, err = fmt.Fprintf(conf, "\n# testdb.NewCluster\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"+
		"fsync = off\nfull_page_writes = off\nshared_buffers = 16MB\nmax_connections = 40\n", c.port)
	if cerr := conf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	c.Start()
	tb.Cleanup(func() {
		// Best effort: the test may have left it stopped.
		_ = c.pgctl("stop", "-m", "immediate", "-w", "-t", "30")
	})
	return c
}

// URL is the cluster's postgres database.
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Start starts the cluster (again) on its port and waits until it accepts
// connections.
func (c *Cluster) Start() {
	c.tb.Helper()
	if err := c.pgctl("start", "-w", "-t", "60", "-l", c.log); err != nil {
		log, _ := os.ReadFile(c.log)
		c.tb.Fatalf("testdb: pg_ctl start: %v\n%s", err, log)
	}
}

// Stop kills the server as a crash or a lost host would look to clients:
// "immediate" mode, no shutdown checkpoint, connections cut.
func (c *Cluster) Stop() {
	c.tb.Helper()
	if err := c.pgctl("stop", "-m", "immediate", "-w", "-t", "60"); err != nil {
		c.tb.Fatalf("testdb: pg_ctl stop: %v", err)
	}
}

func (c *Cluster) pgctl(args ...string) error {
	out, err := c.cmd("pg_ctl", append([]string{"-D", c.data}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

func (c *Cluster) run(name string, args ...string) {
	c.tb.Helper()
	if out, err := c.cmd(name, args...).CombinedOutput(); err != nil {
		c.tb.Fatalf("testdb: %s: %v\n%s", name, err, out)
	}
}

func (c *Cluster) cmd(name string, args ...string) *osexec.Cmd {
	cmd := osexec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

// serverBin is the directory of the newest installed initdb and pg_ctl.
func serverBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) < majorOf(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if isExec(filepath.Join(dirs[i], "initdb")) && isExec(filepath.Join(dirs[i], "pg_ctl")) {
			return dirs[i], nil
		}
	}
	initdb, err := osexec.LookPath("initdb")
	if err != nil {
		return "", fmt.Errorf("initdb is neither under /usr/lib/postgresql/*/bin nor on PATH")
	}
	dir := filepath.Dir(initdb)
	if !isExec(filepath.Join(dir, "pg_ctl")) {
		return "", fmt.Errorf("no pg_ctl next to %s", initdb)
	}
	return dir, nil
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(strings.Split(filepath.Base(filepath.Dir(binDir)), ".")[0])
	return n
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
