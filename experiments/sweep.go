package experiments

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/userconf"
	"github.com/evolve-toolkit/evolve/plasticity"
	"github.com/evolve-toolkit/evolve/sim"
)

// SweepFormat names the format of the files a sweep writes.
const SweepFormat = "evolve-sweep/1"

// MaxPoints is the largest number of points of a sweep.
const MaxPoints = 100000

// TrainConfig is the configuration of a "train" sweep point. It has the keys
// of "evolve train --config" and the same defaults; the learning curve
// (curve_every, curve_size) is accepted but not measured by a sweep.
type TrainConfig struct {
	// DataConfig names the data set (its keys sit at the top level). If
	// Dataset is "", "mnist" is used.
	DataConfig
	// OutputRule is perceptron, mw, none or a rule file. If OutputRule is "", "perceptron" is used.
	OutputRule string `toml:"output_rule" json:"output_rule"`
	// GraphRule is "" (none) or a rule file.
	GraphRule string `toml:"graph_rule" json:"graph_rule"`
	// CurveEvery is the learning-curve interval of "evolve train"; sweeps ignore it.
	CurveEvery int `toml:"curve_every" json:"curve_every"`
	// CurveSize is the learning-curve test size of "evolve train"; sweeps ignore it.
	CurveSize int `toml:"curve_size" json:"curve_size"`
	// Eval is the arithmetic of the accuracies (and of the learning
	// curve): "exact" (float64, bit for bit the forward pass) or "fast"
	// (float32, plasticity.Fast). If Eval is "", "exact" is used.
	Eval plasticity.Precision `toml:"eval" json:"eval"`
	// Network configures the model and the training scheme. Its zero
	// fields take the plasticity defaults, except Epochs (2) and Seed (1),
	// as in "evolve train"; Cap defaults to Nodes/2.
	Network plasticity.Config `toml:"network" json:"network"`
}

// DefaultTrainConfig returns the defaults of "evolve train" before a
// config file is applied.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{
		DataConfig: DataConfig{Dataset: "mnist"},
		OutputRule: "perceptron",
		CurveEvery: 500,
		CurveSize:  1000,
		Eval:       plasticity.Exact,
		Network:    plasticity.Config{Seed: 1, Epochs: 2},
	}
}

// Param is one grid axis: a dotted key into the base config and its values.
type Param struct {
	Key    string
	Values []any // int64, float64, string or bool, as TOML gives them
}

// Sweep is a grid of configurations of one command, read from a sweep
// file: TOML with three entries,
//
//	command = "train"          # "train" or "run": what each point runs
//	[base]                     # the base config of that command: the keys of
//	dataset = "halfspace"      # "evolve train --config" or "evolve run --config"
//	[grid]                     # dotted keys into [base], each with a list of values
//	"network.rounds" = [1, 3]
//	"network.nodes" = [100, 200]
//	seeds = [1, 2, 3]          # or seeds = 3, meaning [1, 2, 3]
//
// The points are every combination of the grid values and the seeds,
// numbered from 0 like nested loops: the first grid key in the file varies
// slowest, the seed fastest. Point i of the example above is
// rounds[i/6], nodes[(i/3)%2], seed[i%3].
//
// RunShard runs the points of one shard and Merge combines the shards.
type Sweep struct {
	// Name is the file the sweep came from (for messages).
	Name string
	// Command is "train" or "run".
	Command string
	// Params are the grid axes in file order; the first varies slowest.
	Params []Param
	// Seeds are the seeds of every parameter combination; they vary fastest.
	Seeds []uint64
	// Hash identifies the sweep: a SHA-256 of the command, the base config
	// and the grid. Shards of one sweep share it.
	Hash string
	// Results names the result columns.
	Results []string
	// Text is the sweep file.
	Text []byte
	// Dir is the folder relative rule-file paths are read from (the sweep
	// file's folder).
	Dir string
	// DataDir, if set, overrides the data_dir of every point; it does not
	// change the hash.
	DataDir string
	// Warnings are what ParseSweep found valid but suspect, one line per
	// distinct message with the points it concerns: a rule file used by a
	// network of another setting (recurrence, T, scheme) than the one it
	// records it was learned under, which usually trains far worse.
	Warnings []string

	base    map[string]any
	seedKey string
}

// ReadSweep reads and checks a sweep file.
func ReadSweep(path string) (*Sweep, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	return ParseSweep(path, b, filepath.Dir(path))
}

// ParseSweep parses and checks a sweep file: unknown keys, values of the
// wrong type and invalid configurations of any point are errors. name is
// used in messages; dir is the folder relative rule files are read from.
func ParseSweep(name string, text []byte, dir string) (*Sweep, error) {
	errf := func(format string, args ...any) error {
		return fmt.Errorf("sweep %s: "+format, append([]any{name}, args...)...)
	}
	var raw map[string]any
	md, err := toml.NewDecoder(bytes.NewReader(text)).Decode(&raw)
	if err != nil {
		return nil, errf("%w", err)
	}
	s := &Sweep{Name: name, Text: text, Dir: dir}
	for k := range raw {
		if k != "command" && k != "base" && k != "grid" {
			return nil, errf("unknown key %q (want command, [base] and [grid])", k)
		}
	}
	switch c := raw["command"].(type) {
	case string:
		s.Command = c
	case nil:
		return nil, errf(`no command: set command = "train" or "run"`)
	default:
		return nil, errf("command must be a string, got %v", c)
	}
	switch s.Command {
	case "train":
		s.seedKey = "network.seed"
	case "run":
		s.seedKey = "seed"
	default:
		return nil, errf(`command must be "train" or "run", got %q`, s.Command)
	}
	s.base = map[string]any{}
	if b, ok := raw["base"]; ok {
		m, ok := b.(map[string]any)
		if !ok {
			return nil, errf("base must be a table")
		}
		s.base = m
	}
	if _, err := s.decode(s.base); err != nil {
		return nil, errf("[base]: %w", err)
	}

	// Grid axes in file order: every leaf key under [grid].
	grid, _ := raw["grid"].(map[string]any)
	if g, ok := raw["grid"]; ok && grid == nil {
		return nil, errf("grid must be a table, got %v", g)
	}
	seen := map[string]bool{}
	for _, k := range md.Keys() {
		if len(k) < 2 || k[0] != "grid" {
			continue
		}
		key := strings.Join(k[1:], ".")
		v := lookup(grid, k[1:])
		if _, isTable := v.(map[string]any); isTable {
			continue
		}
		if seen[key] {
			return nil, errf("grid: %q is given twice", key)
		}
		seen[key] = true
		if key == "seeds" {
			if s.Seeds, err = parseSeeds(v); err != nil {
				return nil, errf("grid: %w", err)
			}
			continue
		}
		if key == s.seedKey {
			return nil, errf("grid: %q: give the seeds as seeds = [...]", key)
		}
		list, ok := v.([]any)
		if !ok {
			return nil, errf("grid: %q must be a list of values, got %v", key, v)
		}
		if len(list) == 0 {
			return nil, errf("grid: %q has no values", key)
		}
		for _, x := range list {
			switch x.(type) {
			case int64, float64, string, bool:
			default:
				return nil, errf("grid: %q: values must be numbers, strings or booleans, got %v", key, x)
			}
			m, err := withKey(s.base, key, x)
			if err != nil {
				return nil, errf("grid: %w", err)
			}
			if _, err := s.decode(m); err != nil {
				return nil, errf("grid: %q = %s: %w", key, quoteValue(x), err)
			}
		}
		s.Params = append(s.Params, Param{Key: key, Values: list})
	}
	if s.Seeds == nil {
		pc, err := s.decode(s.base)
		if err != nil {
			return nil, errf("[base]: %w", err)
		}
		s.Seeds = []uint64{pc.seed()}
	}

	n := len(s.Seeds)
	for _, p := range s.Params {
		if n *= len(p.Values); n > MaxPoints {
			return nil, errf("grid: more than %d points", MaxPoints)
		}
	}
	if n > MaxPoints {
		return nil, errf("grid: more than %d points", MaxPoints)
	}
	// Check every point and that all have the same result columns.
	var warned []string
	warnedAt := map[string][]int{}
	for i := range s.Len() {
		pc, err := s.config(i)
		if err != nil {
			return nil, errf("point %d (%s): %w", i, s.describe(i), err)
		}
		warns, err := pc.validate(s.Dir)
		if err != nil {
			return nil, errf("point %d (%s): %w", i, s.describe(i), err)
		}
		for _, w := range warns {
			if warnedAt[w] == nil {
				warned = append(warned, w)
			}
			warnedAt[w] = append(warnedAt[w], i)
		}
		cols := pc.columns()
		if i == 0 {
			s.Results = cols
		} else if !slices.Equal(cols, s.Results) {
			return nil, errf("point %d (%s) has result columns %v, point 0 has %v: the grid cannot change them", i, s.describe(i), cols, s.Results)
		}
	}
	for _, w := range warned {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s: %s, in %s", name, w, pointList(warnedAt[w])))
	}
	h, err := json.Marshal(struct {
		Format  string
		Command string
		Base    map[string]any
		Params  []Param
		Seeds   []uint64
	}{SweepFormat, s.Command, s.base, s.Params, s.Seeds})
	if err != nil {
		return nil, errf("%w", err)
	}
	sum := sha256.Sum256(h)
	s.Hash = hex.EncodeToString(sum[:])
	return s, nil
}

func parseSeeds(v any) ([]uint64, error) {
	switch v := v.(type) {
	case int64:
		if v < 1 || v > MaxPoints {
			return nil, fmt.Errorf("seeds = %d: want a positive count or a list of seeds", v)
		}
		out := make([]uint64, v)
		for i := range out {
			out[i] = uint64(i + 1)
		}
		return out, nil
	case []any:
		if len(v) == 0 {
			return nil, errors.New("seeds: empty list")
		}
		var out []uint64
		for _, x := range v {
			n, ok := x.(int64)
			if !ok || n < 0 {
				return nil, fmt.Errorf("seeds: %v is not a non-negative integer", x)
			}
			if slices.Contains(out, uint64(n)) {
				return nil, fmt.Errorf("seeds: %d appears twice", n)
			}
			out = append(out, uint64(n))
		}
		return out, nil
	}
	return nil, fmt.Errorf("seeds must be a list of integers or a count, got %v", v)
}

// lookup walks a decoded TOML table along a key path.
func lookup(m map[string]any, path []string) any {
	var v any = m
	for _, p := range path {
		t, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = t[p]
	}
	return v
}

// withKey returns a copy of m with the dotted key set to v.
func withKey(m map[string]any, key string, v any) (map[string]any, error) {
	parts := strings.Split(key, ".")
	out := cloneTable(m)
	t := out
	for i, p := range parts[:len(parts)-1] {
		switch next := t[p].(type) {
		case map[string]any:
			t = next
		case nil:
			nt := map[string]any{}
			t[p] = nt
			t = nt
		default:
			return nil, fmt.Errorf("%q: %s is not a table", key, strings.Join(parts[:i+1], "."))
		}
	}
	t[parts[len(parts)-1]] = v
	return out, nil
}

func cloneTable(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if t, ok := v.(map[string]any); ok {
			v = cloneTable(t)
		}
		out[k] = v
	}
	return out
}

// quoteValue formats a value as TOML would, for messages.
func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return formatValue(v)
}

// formatValue formats a grid value for the CSV tables.
func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return output.F(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

// Len returns the number of points.
func (s *Sweep) Len() int {
	n := len(s.Seeds)
	for _, p := range s.Params {
		n *= len(p.Values)
	}
	return n
}

// coords returns the value index of every parameter and the seed index of point i.
func (s *Sweep) coords(i int) ([]int, int) {
	if i < 0 || i >= s.Len() {
		panic(fmt.Sprintf("experiments: point %d out of range [0, %d)", i, s.Len()))
	}
	si := i % len(s.Seeds)
	i /= len(s.Seeds)
	idx := make([]int, len(s.Params))
	for k := len(s.Params) - 1; k >= 0; k-- {
		n := len(s.Params[k].Values)
		idx[k] = i % n
		i /= n
	}
	return idx, si
}

// Point returns the parameter values (as they appear in the CSV) and the
// seed of point i.
func (s *Sweep) Point(i int) (values []string, seed uint64) {
	idx, si := s.coords(i)
	for k, j := range idx {
		values = append(values, formatValue(s.Params[k].Values[j]))
	}
	return values, s.Seeds[si]
}

func (s *Sweep) describe(i int) string {
	vals, sd := s.Point(i)
	var b strings.Builder
	for k, v := range vals {
		fmt.Fprintf(&b, "%s=%s ", s.Params[k].Key, v)
	}
	fmt.Fprintf(&b, "seed=%d", sd)
	return b.String()
}

// Header returns the CSV header of the sweep's tables: the point index,
// every grid parameter, the seed and the result columns.
func (s *Sweep) Header() []string {
	h := []string{"point"}
	for _, p := range s.Params {
		h = append(h, p.Key)
	}
	h = append(h, "seed")
	return append(h, s.Results...)
}

// Config returns the effective configuration of point i (a TrainConfig
// or a sim.Config, with defaults applied) for printing.
func (s *Sweep) Config(i int) (any, error) {
	pc, err := s.config(i)
	if err != nil {
		return nil, err
	}
	return pc.effective(), nil
}

// config builds the configuration of point i.
func (s *Sweep) config(i int) (pointConfig, error) {
	idx, si := s.coords(i)
	m := s.base
	var err error
	for k, j := range idx {
		if m, err = withKey(m, s.Params[k].Key, s.Params[k].Values[j]); err != nil {
			return nil, err
		}
	}
	if m, err = withKey(m, s.seedKey, int64(s.Seeds[si])); err != nil {
		return nil, err
	}
	pc, err := s.decode(m)
	if err != nil {
		return nil, err
	}
	if s.DataDir != "" {
		pc.setDataDir(s.DataDir)
	}
	return pc, nil
}

// decode turns a table into the command's config; unknown keys are errors.
func (s *Sweep) decode(m map[string]any) (pointConfig, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(m); err != nil {
		return nil, err
	}
	var (
		pc  pointConfig
		dst any
	)
	switch s.Command {
	case "train":
		c := &trainPoint{cfg: DefaultTrainConfig()}
		pc, dst = c, &c.cfg
	default:
		c := &runPoint{cfg: sim.Config{Seed: 1}} // evolve run's default seed
		pc, dst = c, &c.cfg
	}
	md, err := toml.NewDecoder(&buf).Decode(dst)
	if err != nil {
		// The line numbers are of the re-encoded table, not of the file.
		if m := tomlLine.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s config: key %q: %s", s.Command, m[1], m[2])
		}
		return nil, fmt.Errorf("%s config: %w", s.Command, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("unknown keys of the %s config: %v", s.Command, und)
	}
	// A value the sweep gives (base or grid) must not be replaced by a default.
	g := userconf.Given{}
	g.File(md)
	raw := pc.effective()
	pc.defaults()
	if err := g.Check(raw, pc.effective()); err != nil {
		return nil, fmt.Errorf("%s config: %w", s.Command, err)
	}
	return pc, nil
}

var tomlLine = regexp.MustCompile(`^toml: line \d+ \(last key "(.*)"\): (.*)$`)
