package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"runtime/debug"
	"strings"
	"testing"
)

// TestBuildVersionNamesTheBuild: a build without a VCS stamp (as test
// binaries and go build -buildvcs=false are) is named by the SHA-256 of
// its executable, computed here independently from the file's bytes, so
// experiment cells and meta.json tell builds of different code apart.
func TestBuildVersionNamesTheBuild(t *testing.T) {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				t.Skip("this test binary has a VCS stamp")
			}
		}
	}
	path, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skip(err)
	}
	sum := sha256.Sum256(b)
	want := " exe-" + hex.EncodeToString(sum[:])[:16]
	if v := buildVersion(); !strings.HasSuffix(v, want) {
		t.Errorf("buildVersion() = %q, want the suffix %q", v, want)
	}
	if buildVersion() != buildVersion() {
		t.Error("buildVersion is not stable within a process")
	}
}
