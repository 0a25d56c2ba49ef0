// Package atomicfile writes files so that a crash never leaves a
// half-written file over a good one.
package atomicfile

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
)

// Write writes data to path through a temporary file in the same folder,
// synced and renamed into place only when complete.
func Write(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	fail := func(err error) error {
		tmp.Close()
		os.Remove(name)
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Chmod(name, 0o644); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name) // e.g. path is a folder: leave no temporary file
		return err
	}
	return nil
}

// checkedMagic starts a file written by WriteChecked.
const checkedMagic = "evolve-checked-v1\n"

// WriteChecked writes data atomically behind a header holding its SHA-256,
// so that ReadChecked can tell a damaged file (a flipped bit, a truncated
// copy) from a good one.
func WriteChecked(path string, data []byte) error {
	sum := sha256.Sum256(data)
	buf := make([]byte, 0, len(checkedMagic)+len(sum)+len(data))
	buf = append(buf, checkedMagic...)
	buf = append(buf, sum[:]...)
	buf = append(buf, data...)
	return Write(path, buf)
}

// ReadChecked reads a file written by WriteChecked and returns its data,
// or an error naming the file if it is not such a file or is damaged.
func ReadChecked(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	n := len(checkedMagic) + sha256.Size
	if len(b) < n || string(b[:len(checkedMagic)]) != checkedMagic {
		return nil, fmt.Errorf("%s: not a checksummed file of this version of evolve (damaged, or written by an older version)", path)
	}
	data := b[n:]
	if sum := sha256.Sum256(data); !bytes.Equal(sum[:], b[len(checkedMagic):n]) {
		return nil, fmt.Errorf("%s: damaged: its SHA-256 checksum does not match its contents", path)
	}
	return data, nil
}
