package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesWholeFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	if err := Write(p, []byte("good\n")); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("better\n")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "better\n" {
		t.Fatalf("got %q, %v", b, err)
	}
	// A failed write (folder missing) leaves nothing behind.
	if err := Write(filepath.Join(dir, "missing", "x"), []byte("x")); err == nil {
		t.Fatal("write into a missing folder succeeded")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}
}

// TestWriteOntoFolderLeavesNoTemp: writing to a path that is a folder
// fails and leaves no temporary file beside it (before, a
// .NAME.tmp… file stayed behind).
func TestWriteOntoFolderLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "results")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(target, []byte("x")); err == nil {
		t.Fatal("writing over a folder succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("folder holds %v, want only results/", names)
	}
}

// TestWriteChecked: the data read back equal the data written; a flipped
// bit anywhere and a file without the header are errors.
func TestWriteChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.bin")
	data := []byte("checkpoint state 0123456789")
	if err := WriteChecked(path, data); err != nil {
		t.Fatal(err)
	}
	got, err := ReadChecked(path)
	if err != nil || string(got) != string(data) {
		t.Fatalf("ReadChecked = %q, %v", got, err)
	}
	raw, _ := os.ReadFile(path)
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		os.WriteFile(path, b, 0o644)
		if _, err := ReadChecked(path); err == nil {
			t.Fatalf("flipped bit in byte %d not detected", i)
		}
	}
	os.WriteFile(path, data, 0o644)
	if _, err := ReadChecked(path); err == nil {
		t.Fatal("a file without the header was accepted")
	}
}
