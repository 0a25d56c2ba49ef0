package experiments

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/evolve-toolkit/evolve/internal/output"
)

// Shard selects the points of a sweep whose index is I modulo N; shards
// are numbered from 0 (I in [0, N)), as Slurm array tasks and Kubernetes
// indexed jobs are.
type Shard struct{ I, N int }

// ParseShard parses "i/n" with 0 ≤ i < n.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("sweep: --shard %q: want i/n, e.g. 0/10", s)
	}
	sh := Shard{I: i, N: n}
	return sh, sh.Validate()
}

// Validate checks 0 ≤ I < N.
func (sh Shard) Validate() error {
	if sh.N < 1 {
		return fmt.Errorf("sweep: shard %d/%d: the number of shards must be at least 1", sh.I, sh.N)
	}
	if sh.I < 0 || sh.I >= sh.N {
		return fmt.Errorf("sweep: shard %d/%d: shards are numbered from 0 to %d", sh.I, sh.N, sh.N-1)
	}
	return nil
}

// String returns "i/n".
func (sh Shard) String() string { return fmt.Sprintf("%d/%d", sh.I, sh.N) }

// Base returns the shard's file name without extension: "shard-i-of-n".
func (sh Shard) Base() string { return fmt.Sprintf("shard-%d-of-%d", sh.I, sh.N) }

// Points returns the indices of the sweep's points in the shard.
func (sh Shard) Points(total int) []int {
	var out []int
	for i := sh.I; i < total; i += sh.N {
		out = append(out, i)
	}
	return out
}

// shardMeta is the content of shard-i-of-n.meta.json.
type shardMeta struct {
	Format     string         `json:"format"`
	Command    string         `json:"command"`
	SweepFile  string         `json:"sweep_file"`
	GridHash   string         `json:"grid_hash"`
	Shard      int            `json:"shard"`
	Shards     int            `json:"shards"`
	Points     int            `json:"points"`
	ShardPts   []int          `json:"shard_points"`
	Done       int            `json:"done"`
	Complete   bool           `json:"complete"`
	Parameters []string       `json:"parameters"`
	Seeds      []uint64       `json:"seeds"`
	Results    []string       `json:"results"`
	Header     []string       `json:"header"`
	Version    string         `json:"version"`
	Host       string         `json:"host"`
	Started    string         `json:"started"`
	Updated    string         `json:"updated"`
	Seconds    float64        `json:"seconds"`
	Resumed    int            `json:"resumed_points"`
	Sweep      string         `json:"sweep"`
	Base       map[string]any `json:"base_config"`
}

// ShardReport says what RunShard did.
type ShardReport struct {
	// CSV and Meta are the files written.
	CSV, Meta string
	// Points is the number of points of the shard, Ran the number run now
	// and Resumed the number found done in an earlier, interrupted run.
	Points, Ran, Resumed int
}

// RunShard runs the points of one shard of the sweep in index order and
// writes env.Out/shard-i-of-n.csv (one row per point, in index order) and
// shard-i-of-n.meta.json, both atomically after every point. If the CSV
// exists from an interrupted run of the same sweep, its points are kept
// and only the others are run; a CSV of another sweep is an error. Only
// env.Out and env.Log of env are used; the results of a point depend on
// the point only, not on the shard or the number of cores.
func RunShard(s *Sweep, sh Shard, env *Env) (*ShardReport, error) {
	if err := sh.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(env.Out, 0o755); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	rep := &ShardReport{CSV: env.Path(sh.Base() + ".csv"), Meta: env.Path(sh.Base() + ".meta.json")}
	header := s.Header()
	points := sh.Points(s.Len())
	rep.Points = len(points)
	rows := map[int][]string{}
	if _, err := os.Stat(rep.CSV); err == nil {
		old, err := readShard(rep.CSV, rep.Meta)
		if err != nil {
			return nil, fmt.Errorf("sweep: %s exists and cannot be resumed (delete it to start again): %w", rep.CSV, err)
		}
		if old.meta.GridHash != s.Hash {
			return nil, fmt.Errorf("sweep: %s belongs to another sweep (grid hash %.12s, this one %.12s); use another --out or delete it", rep.CSV, old.meta.GridHash, s.Hash)
		}
		if !slices.Equal(old.meta.Header, header) {
			return nil, fmt.Errorf("sweep: %s has columns %v, this version writes %v; use another --out or delete it", rep.CSV, old.meta.Header, header)
		}
		for _, r := range old.rows {
			idx, _ := strconv.Atoi(r[0])
			rows[idx] = r
		}
		rep.Resumed = len(rows)
		// A finished shard is left as it is (its times included).
		if complete := len(rows) == len(points); complete {
			for _, i := range points {
				if _, ok := rows[i]; !ok {
					complete = false
				}
			}
			if complete {
				return rep, nil
			}
		}
	}
	base := map[string]any{}
	if pc, err := s.decode(s.base); err == nil {
		b, _ := json.Marshal(pc.effective())
		_ = json.Unmarshal(b, &base)
	}
	host, _ := os.Hostname()
	t0 := time.Now()
	meta := shardMeta{
		Format: SweepFormat, Command: s.Command, SweepFile: s.Name, GridHash: s.Hash,
		Shard: sh.I, Shards: sh.N, Points: s.Len(), ShardPts: points,
		Seeds: s.Seeds, Results: s.Results, Header: header,
		Version: env.Version, Host: host, Started: t0.UTC().Format(time.RFC3339),
		Resumed: rep.Resumed, Sweep: string(s.Text), Base: base,
	}
	for _, p := range s.Params {
		meta.Parameters = append(meta.Parameters, p.Key)
	}
	write := func() error {
		meta.Done = len(rows)
		meta.Complete = len(rows) == len(points)
		meta.Updated = time.Now().UTC().Format(time.RFC3339)
		meta.Seconds = time.Since(t0).Seconds()
		// The meta first: a CSV never exists without the meta of its sweep.
		if err := output.WriteJSON(rep.Meta, meta); err != nil {
			return err
		}
		keys := make([]int, 0, len(rows))
		for k := range rows {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		out := make([][]string, len(keys))
		for i, k := range keys {
			out[i] = rows[k]
		}
		return output.WriteCSV(rep.CSV, header, out)
	}
	if err := write(); err != nil {
		return nil, err
	}
	for n, i := range points {
		if _, done := rows[i]; done {
			continue
		}
		t := time.Now()
		pc, err := s.config(i)
		if err != nil {
			return nil, fmt.Errorf("sweep: point %d (%s): %w", i, s.describe(i), err)
		}
		res, err := pc.run(s.Dir)
		if err != nil {
			return nil, fmt.Errorf("sweep: point %d (%s): %w", i, s.describe(i), err)
		}
		vals, sd := s.Point(i)
		row := append([]string{strconv.Itoa(i)}, vals...)
		row = append(row, strconv.FormatUint(sd, 10))
		var msg []string
		for k, v := range res {
			row = append(row, output.F(v))
			msg = append(msg, fmt.Sprintf("%s=%.4g", s.Results[k], v))
		}
		rows[i] = row
		rep.Ran++
		if err := write(); err != nil {
			return nil, err
		}
		env.Logf("sweep: shard %s: point %d (%d/%d): %s: %s [%.1fs]", sh, i, n+1, len(points), s.describe(i), strings.Join(msg, " "), time.Since(t).Seconds())
	}
	return rep, nil
}
