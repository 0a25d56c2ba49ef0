package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readTree returns the files under dir by relative path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestExperimentRedraw: --redraw draws a finished run again from its
// cells into another folder, with the run's flags by default, leaving
// the run as it was; misuse is an error that names the problem.
func TestExperimentRedraw(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join(dir, "from")
	if _, _, err := run(t, "experiment", "run", "-q", "theorem1", "--quick", "--seeds", "2", "--out", from); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, from)
	out := filepath.Join(dir, "out")
	// No --quick and no --seeds: the redraw takes the run's.
	if _, _, err := run(t, "experiment", "run", "-q", "theorem1", "--redraw", from, "--out", out); err != nil {
		t.Fatal(err)
	}
	after := readTree(t, from)
	if len(after) != len(before) {
		t.Errorf("the redraw changed the files of the run: %d before, %d after", len(before), len(after))
	}
	for name, b := range before {
		if after[name] != b {
			t.Errorf("the redraw changed %s of the run", name)
		}
	}
	got := readTree(t, out)
	var meta map[string]any
	if err := json.Unmarshal([]byte(got["meta.json"]), &meta); err != nil {
		t.Fatal(err)
	}
	var fromMeta map[string]any
	if err := json.Unmarshal([]byte(before["meta.json"]), &fromMeta); err != nil {
		t.Fatal(err)
	}
	if meta["redrawn_from"] != from || meta["cells_version"] != fromMeta["version"] || meta["quick"] != true || meta["seeds"] != 2.0 {
		t.Errorf("meta.json of the redraw: redrawn_from %v, cells_version %v (run's version %v), quick %v, seeds %v",
			meta["redrawn_from"], meta["cells_version"], fromMeta["version"], meta["quick"], meta["seeds"])
	}
	table := func(md string) string {
		return md[:strings.Index(md, "\n\n| quantity")+1] + md[strings.Index(md, "| quantity"):strings.LastIndex(md, "|\n")]
	}
	if table(got["results.md"]) != table(before["results.md"]) {
		t.Errorf("the redrawn table differs from the run's:\n%s\nwant\n%s", got["results.md"], before["results.md"])
	}
	for name := range before {
		if _, ok := got[name]; !ok {
			t.Errorf("the redraw did not write %s", name)
		}
	}

	// Without the experiment's name: the one FROM holds.
	noName := filepath.Join(dir, "noname")
	if _, _, err := run(t, "experiment", "run", "-q", "--redraw", from, "--out", noName); err != nil {
		t.Errorf("redraw without the experiment's name: %v", err)
	} else if md := readTree(t, noName)["results.md"]; !strings.HasPrefix(md, "## theorem1") {
		t.Errorf("redraw without the name drew %q", md[:min(len(md), 40)])
	}

	// A redraw of the redraw still names the version that computed the
	// cells, not the one that drew them (made different here).
	meta["version"] = "some other evolve"
	b, _ := json.Marshal(meta)
	if err := os.WriteFile(filepath.Join(out, "meta.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(dir, "again")
	if _, _, err := run(t, "experiment", "run", "-q", "theorem1", "--redraw", out, "--out", again); err != nil {
		t.Fatal(err)
	}
	var meta2 map[string]any
	if err := json.Unmarshal([]byte(readTree(t, again)["meta.json"]), &meta2); err != nil {
		t.Fatal(err)
	}
	if meta2["cells_version"] != fromMeta["version"] || meta2["redrawn_from"] != out {
		t.Errorf("redraw of a redraw: cells_version %v (want %v), redrawn_from %v", meta2["cells_version"], fromMeta["version"], meta2["redrawn_from"])
	}

	// A run recorded before meta.json kept the seed count as given.
	old := filepath.Join(dir, "old")
	if err := os.MkdirAll(old, 0o755); err != nil {
		t.Fatal(err)
	}
	delete(fromMeta, "seeds_given")
	delete(fromMeta, "data_dir")
	b, _ = json.Marshal(fromMeta)
	for name, content := range map[string]string{"meta.json": string(b), "cells.json": before["cells.json"]} {
		if err := os.WriteFile(filepath.Join(old, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := run(t, "experiment", "run", "-q", "theorem1", "--redraw", old, "--out", filepath.Join(dir, "old-redrawn")); err != nil {
		t.Errorf("redraw of a run without seeds_given: %v", err)
	}

	unfinished := filepath.Join(dir, "unfinished")
	if err := os.MkdirAll(unfinished, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(unfinished, "cells.json"), []byte(before["cells.json"]), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"theorem1", "--redraw", from, "--out", from}, "give another --out"},
		{[]string{"theorem1", "--redraw", from, "--out", from + "/.", "--force"}, "give another --out"},
		{[]string{"theorem1", "--redraw", from, "--out", out}, "finished result"},
		{[]string{"fig2", "--redraw", from, "--out", filepath.Join(dir, "x")}, `not "fig2"`},
		{[]string{"theorem1", "--redraw", filepath.Join(dir, "nowhere"), "--out", filepath.Join(dir, "y")}, "not a folder"},
		{[]string{"theorem1", "--redraw", unfinished, "--out", filepath.Join(dir, "z")}, "no finished result"},
		{[]string{"--redraw", unfinished, "--out", filepath.Join(dir, "z")}, "no finished result"},
		{[]string{"theorem1", "--redraw", from, "--out", unfinished}, "cells of another run"},
		{[]string{"theorem1", "--redraw", from, "--seeds", "3", "--out", filepath.Join(dir, "w")}, "--seeds"},
	} {
		_, _, err := run(t, append([]string{"experiment", "run", "-q"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want it to say %q", tc.args, err, tc.want)
		}
	}
	for name, b := range before {
		if readTree(t, from)[name] != b {
			t.Errorf("a failed redraw changed %s of the run", name)
		}
	}
	// A failed redraw leaves no folder of its own.
	if _, err := os.Stat(filepath.Join(dir, "w")); err == nil {
		t.Error("a failed redraw left its --out folder")
	}
}
