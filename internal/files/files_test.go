package files

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partnerlab/storefront/internal/domain"
)

func TestPutOpenRemove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	d, err := Open(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	key := "realname/c1/f1.png"
	if err := d.Put(ctx, key, strings.NewReader("png bytes")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "files", "realname", "c1", "f1.png"))
	if err != nil || string(b) != "png bytes" {
		t.Fatalf("on disk: %q %v", b, err)
	}
	if err := d.Put(ctx, key, strings.NewReader("again")); !errors.Is(err, domain.ErrAlreadyExists) {
		t.Fatalf("overwrite: %v", err)
	}
	r, err := d.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "png bytes" {
		t.Fatalf("read %q", got)
	}
	if err := d.Remove(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove(ctx, key); err != nil {
		t.Fatalf("removing a missing object: %v", err)
	}
	if _, err := d.Open(ctx, key); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("open after remove: %v", err)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("boom")
	}
	f.n--
	return copy(p, "xxxx"), nil
}

// A failed Put leaves nothing behind, not even its temporary file.
func TestPutIsAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Put(context.Background(), "a/b.pdf", &failingReader{n: 3}); err == nil || err.Error() != "boom" {
		t.Fatalf("put: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "a"))
	if len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Put(ctx, "a/c.pdf", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled put: %v", err)
	}
}

func TestKeysStayInside(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d, err := Open(filepath.Join(dir, "root"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A symlink planted inside must not lead outside either.
	if err := os.Symlink(dir, filepath.Join(dir, "root", "out")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"", ".", "../x.png", "/etc/passwd", "a/../../x", "a//b", "a/./b", `a\b`, "a/", "out/escape.png"} {
		err := d.Put(context.Background(), key, strings.NewReader("x"))
		if err == nil {
			t.Fatalf("key %q accepted", key)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "escape.png")); err == nil {
		t.Fatal("wrote outside the root")
	}
}
