package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/evolve-toolkit/evolve/internal/output"
)

// shardFile is a shard CSV with its meta.
type shardFile struct {
	path string
	meta shardMeta
	rows [][]string
}

var shardName = regexp.MustCompile(`^shard-(\d+)-of-(\d+)\.csv$`)

// readShard reads a shard CSV and its meta and checks that they agree.
func readShard(csvPath, metaPath string) (*shardFile, error) {
	b, err := os.ReadFile(metaPath)
	if err != nil {
		return nil, fmt.Errorf("%s has no meta: %w", csvPath, err)
	}
	f := &shardFile{path: csvPath}
	if err := json.Unmarshal(b, &f.meta); err != nil {
		return nil, fmt.Errorf("%s: %w", metaPath, err)
	}
	if f.meta.Format != SweepFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", metaPath, f.meta.Format, SweepFormat)
	}
	rows, err := output.ReadCSV(csvPath)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: empty file", csvPath)
	}
	if !slices.Equal(rows[0], f.meta.Header) {
		return nil, fmt.Errorf("%s: header %v differs from its meta's %v", csvPath, rows[0], f.meta.Header)
	}
	f.rows = rows[1:]
	for k, r := range f.rows {
		idx, err := strconv.Atoi(r[0])
		if err != nil || idx < 0 || idx >= f.meta.Points {
			return nil, fmt.Errorf("%s: row %d: point %q is not in [0, %d)", csvPath, k+2, r[0], f.meta.Points)
		}
		if idx%f.meta.Shards != f.meta.Shard {
			return nil, fmt.Errorf("%s: row %d: point %d does not belong to shard %d/%d", csvPath, k+2, idx, f.meta.Shard, f.meta.Shards)
		}
	}
	return f, nil
}

// Merged is a sweep's shards combined into one table.
type Merged struct {
	// Hash is the grid hash of the sweep.
	Hash string
	// Shards lists the shard CSVs read.
	Shards []string
	// Header and Rows are the table, one row per point in index order.
	Header []string
	Rows   [][]string
	// Parameters are the grid parameters (without the seed); Results the
	// result columns.
	Parameters, Results []string

	meta shardMeta // of the first shard
}

// Merge reads the shard CSVs (shard-i-of-n.csv and their
// shard-i-of-n.meta.json) of the given folders or files and combines them
// into one table sorted by point index. The shards must come from the same
// sweep (the same grid hash) and hold every point exactly once.
func Merge(paths ...string) (*Merged, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		n := len(files)
		for _, e := range ents {
			if shardName.MatchString(e.Name()) {
				files = append(files, filepath.Join(p, e.Name()))
			}
		}
		if len(files) == n {
			return nil, fmt.Errorf("merge: %s holds no shard-i-of-n.csv files", p)
		}
	}
	if len(files) == 0 {
		return nil, errors.New("merge: no folders or shard files given")
	}
	var shards []*shardFile
	for _, f := range files {
		if !shardName.MatchString(filepath.Base(f)) {
			return nil, fmt.Errorf("merge: %s: not a shard file (shard-i-of-n.csv)", f)
		}
		s, err := readShard(f, strings.TrimSuffix(f, ".csv")+".meta.json")
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		if want := fmt.Sprintf("shard-%d-of-%d.csv", s.meta.Shard, s.meta.Shards); filepath.Base(f) != want {
			return nil, fmt.Errorf("merge: %s: its meta says it is %s", f, want)
		}
		shards = append(shards, s)
	}
	first := shards[0]
	for _, s := range shards[1:] {
		if s.meta.GridHash != first.meta.GridHash {
			return nil, fmt.Errorf("merge: %s and %s belong to different sweeps (grid hash %.12s from %s vs %.12s from %s)",
				first.path, s.path, first.meta.GridHash, first.meta.SweepFile, s.meta.GridHash, s.meta.SweepFile)
		}
		if !slices.Equal(s.meta.Header, first.meta.Header) || s.meta.Points != first.meta.Points {
			return nil, fmt.Errorf("merge: %s and %s have the same grid hash but different columns or sizes", first.path, s.path)
		}
	}
	m := &Merged{Hash: first.meta.GridHash, Header: first.meta.Header, Parameters: first.meta.Parameters, Results: first.meta.Results, meta: first.meta}
	total := first.meta.Points
	rows := make([][]string, total)
	from := make([]string, total)
	for _, s := range shards {
		m.Shards = append(m.Shards, s.path)
		for _, r := range s.rows {
			idx, _ := strconv.Atoi(r[0])
			if rows[idx] != nil {
				return nil, fmt.Errorf("merge: point %d is in both %s and %s", idx, from[idx], s.path)
			}
			rows[idx], from[idx] = r, s.path
		}
	}
	var missing []int
	for i, r := range rows {
		if r == nil {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		return nil, missingError(missing, total, shards)
	}
	m.Rows = rows
	return m, nil
}

// missingError names the missing points and the shard files that should
// hold them.
func missingError(missing []int, total int, shards []*shardFile) error {
	var b strings.Builder
	fmt.Fprintf(&b, "merge: %d of %d points missing: %s", len(missing), total, ranges(missing, 30))
	ns := map[int]bool{}
	have := map[string]*shardFile{}
	for _, s := range shards {
		ns[s.meta.Shards] = true
		have[filepath.Base(s.path)] = s
	}
	if len(ns) == 1 {
		n := shards[0].meta.Shards
		var absent, partial []string
		seen := map[int]bool{}
		for _, i := range missing {
			k := i % n
			if seen[k] {
				continue
			}
			seen[k] = true
			name := Shard{I: k, N: n}.Base() + ".csv"
			if s, ok := have[name]; ok {
				partial = append(partial, fmt.Sprintf("%s (%d of %d points done)", name, len(s.rows), len(s.meta.ShardPts)))
			} else {
				absent = append(absent, name)
			}
		}
		if len(absent) > 0 {
			fmt.Fprintf(&b, "; absent: %s", strings.Join(absent, ", "))
		}
		if len(partial) > 0 {
			fmt.Fprintf(&b, "; incomplete: %s", strings.Join(partial, ", "))
		}
		b.WriteString(" (rerun those shards with evolve sweep --shard i/n)")
	}
	return errors.New(b.String())
}

// ranges formats sorted indices as "0, 3-5, 9", at most max items.
func ranges(idx []int, max int) string {
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if len(parts) == max {
			parts = append(parts, "…")
			break
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", idx[i], idx[j]))
		} else {
			parts = append(parts, strconv.Itoa(idx[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// Summary groups the rows over seeds: one row per combination of the grid
// parameters, in the order of their first point, with the number of seeds
// and the mean and standard deviation (n − 1 in the denominator; NaN for
// one seed) of every result column.
func (m *Merged) Summary() (header []string, rows [][]string) {
	np := len(m.Parameters)
	header = slices.Clone(m.Parameters)
	header = append(header, "seeds")
	for _, r := range m.Results {
		header = append(header, r+"_mean", r+"_sd")
	}
	// Columns: point, parameters..., seed, results...
	first := 1 + np + 1
	groups := map[string]int{}
	var keys [][]string
	var vals [][][]float64
	var count []int
	for _, r := range m.Rows {
		key := r[1 : 1+np]
		k := strings.Join(key, "\x00")
		g, ok := groups[k]
		if !ok {
			g = len(keys)
			groups[k] = g
			keys = append(keys, key)
			vals = append(vals, make([][]float64, len(m.Results)))
			count = append(count, 0)
		}
		count[g]++
		for j := range m.Results {
			v, err := strconv.ParseFloat(r[first+j], 64)
			if err != nil {
				v = math.NaN()
			}
			vals[g][j] = append(vals[g][j], v)
		}
	}
	for g, key := range keys {
		row := slices.Clone(key)
		row = append(row, strconv.Itoa(count[g]))
		for _, v := range vals[g] {
			st := NewStat("", v...)
			if st.N < 2 {
				st.SD = math.NaN()
			}
			row = append(row, output.F(st.Mean), output.F(st.SD))
		}
		rows = append(rows, row)
	}
	return header, rows
}

// SummaryPath returns the summary file written beside a results file:
// results.csv → results-summary.csv.
func SummaryPath(results string) string {
	return strings.TrimSuffix(results, ".csv") + "-summary.csv"
}

// Write writes the table to path, the summary to SummaryPath(path) and
// the sweep's provenance (grid hash, sweep file, command, base config,
// shards) to path without .csv + ".meta.json", each atomically, and
// returns the summary's path. version is recorded in the meta.
func (m *Merged) Write(path, version string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("merge: %w", err)
	}
	if err := output.WriteCSV(path, m.Header, m.Rows); err != nil {
		return "", err
	}
	sp := SummaryPath(path)
	h, rows := m.Summary()
	if err := output.WriteCSV(sp, h, rows); err != nil {
		return "", err
	}
	if err := output.WriteJSON(strings.TrimSuffix(path, ".csv")+".meta.json", map[string]any{
		"format": SweepFormat, "grid_hash": m.Hash, "command": m.meta.Command,
		"sweep_file": m.meta.SweepFile, "sweep": m.meta.Sweep, "base_config": m.meta.Base,
		"points": len(m.Rows), "parameters": m.Parameters, "seeds": m.meta.Seeds, "results": m.Results,
		"shards": m.Shards, "results_file": filepath.Base(path), "summary_file": filepath.Base(sp),
		"version": version,
	}); err != nil {
		return "", err
	}
	return sp, nil
}
