// Package files implements domain.Files on a local directory: each key is a
// file under the root, written to a temporary name and renamed into place,
// so a reader never sees half an object. All access goes through os.Root,
// so no key (or symlink planted in the directory) reaches outside it.
//
// The Huawei simulator reads the same directory to check the attachment
// paths it is sent (docs/huawei-bss.md §2). Several replicas need a shared
// directory, or an object-store implementation of the same port.
package files

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/partnerlab/storefront/internal/domain"
)

// Dir is a domain.Files rooted at a directory.
type Dir struct {
	root *os.Root
}

var _ domain.Files = (*Dir)(nil)

// Open creates dir (0700) when missing and opens it as the root.
func Open(dir string) (*Dir, error) {
	if dir == "" {
		return nil, errors.New("files: no directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return &Dir{root: root}, nil
}

// Close releases the root.
func (d *Dir) Close() error { return d.root.Close() }

// ValidKey reports whether key is a clean relative slash path: no leading
// slash, no "." or ".." element, no backslash, no empty element.
func ValidKey(key string) bool {
	if key == "" || len(key) > 512 || strings.ContainsAny(key, "\\\x00") || path.Clean(key) != key || !fs.ValidPath(key) || key == "." {
		return false
	}
	return true
}

func badKey() error {
	return domain.Errorf(domain.CodeInvalid, "invalid storage key")
}

// Put implements domain.Files.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) (err error) {
	if !ValidKey(key) {
		return badKey()
	}
	if dir := path.Dir(key); dir != "." {
		if err := d.root.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("files: %w", err)
		}
	}
	tmp := path.Join(path.Dir(key), ".tmp-"+rand.Text())
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = d.root.Remove(tmp)
		}
	}()
	if _, err = io.Copy(f, ctxReader{ctx, r}); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	// Link, unlike Rename, never replaces an existing object.
	if err = d.root.Link(tmp, key); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return domain.Errorf(domain.CodeAlreadyExists, "an object with this key exists")
		}
		return fmt.Errorf("files: %w", err)
	}
	_ = d.root.Remove(tmp)
	return nil
}

// Open implements domain.Files.
func (d *Dir) Open(_ context.Context, key string) (io.ReadCloser, error) {
	if !ValidKey(key) {
		return nil, badKey()
	}
	f, err := d.root.Open(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, domain.Errorf(domain.CodeNotFound, "no such object")
	}
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return f, nil
}

// Remove implements domain.Files.
func (d *Dir) Remove(_ context.Context, key string) error {
	if !ValidKey(key) {
		return badKey()
	}
	if err := d.root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("files: %w", err)
	}
	return nil
}

// ctxReader stops a long copy when the request goes away.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
