package experiments

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/evolve-toolkit/evolve/internal/atomicfile"
	"github.com/evolve-toolkit/evolve/internal/output"
)

//go:embed configs/*.toml
var configs embed.FS

// Env is what a run of an experiment gets.
type Env struct {
	// Out is the output folder; it exists.
	Out string
	// Quick selects the reduced size.
	Quick bool
	// Seeds is the number of seeds (replicates); 0 means the experiment's default.
	Seeds int
	// Log receives progress lines, each prefixed with the time since the
	// first one ("[1h2m5s] ").
	Log io.Writer
	// DataDir overrides the folder of the IDX files.
	DataDir string
	// Version is recorded in meta.json.
	Version string
	// Redraw, if not nil, makes the run a redraw: the cells are read from
	// Out/cells.json as computed by another version of evolve, and none is
	// computed (see Redraw).
	Redraw *Redraw

	cellMu    sync.Mutex // Cell is safe for concurrent use
	logMu     sync.Mutex // and so is Logf (cells run in parallel log from several goroutines)
	logStart  time.Time  // the first Logf
	cells     map[string][]float64
	cellsHash string
	cellsName string
}

// Redraw describes a redraw: the tables, figures and results.md of a
// finished run made again by this version of evolve from the run's
// finished cells, computing none. The cells are looked up under the
// version that computed them (the experiment, configuration, size, seed
// count and data folder must still be the run's), and a cell missing
// from cells.json is an error rather than computed. What an experiment
// does outside its cells (summaries of the cells' values, figures) is
// done by this version.
type Redraw struct {
	// From is the folder of the run redrawn; it is recorded in meta.json.
	From string
	// Version is the version of evolve that computed the cells.
	Version string
}

// cellFile is the checkpoint of finished cells of an experiment.
type cellFile struct {
	Experiment string                `json:"experiment,omitempty"`
	Hash       string                `json:"hash"`
	Version    string                `json:"version,omitempty"` // of evolve, which computed the cells
	Cells      map[string][]*float64 `json:"cells"`             // nil stands for NaN or ±Inf
}

// Cell returns the values of a finished unit of work (a seed, a model,
// a data set) named key: from the checkpoint cells.json in the output
// folder when an earlier run with the same configuration finished it,
// otherwise from compute, after which the checkpoint is rewritten
// atomically. A long experiment killed mid-way and rerun with the same
// --out therefore redoes only the unfinished cells and reaches the same
// result. Cell is safe for concurrent use; compute runs unlocked.
func (e *Env) Cell(key string, compute func() ([]float64, error)) ([]float64, error) {
	e.cellMu.Lock()
	v, ok := e.cells[key]
	e.cellMu.Unlock()
	if ok {
		e.Logf("%s: done in an earlier run (cells.json)", key)
		return append([]float64(nil), v...), nil
	}
	if e.Redraw != nil {
		return nil, fmt.Errorf("experiments: redraw of %s: the cell %q is not among its finished cells (computed by %s); a redraw computes nothing: finish that run first (rerun it with --out %s)", e.Redraw.From, key, e.Redraw.Version, e.Redraw.From)
	}
	v, err := compute()
	if err != nil {
		return nil, err
	}
	e.cellMu.Lock()
	defer e.cellMu.Unlock()
	if e.cells == nil {
		e.cells = map[string][]float64{}
	}
	e.cells[key] = append([]float64(nil), v...)
	if e.Out != "" {
		cf := cellFile{Experiment: e.cellsName, Hash: e.cellsHash, Version: e.Version, Cells: map[string][]*float64{}}
		for k, vs := range e.cells {
			ps := make([]*float64, len(vs))
			for i, x := range vs {
				if !math.IsNaN(x) && !math.IsInf(x, 0) {
					ps[i] = &x
				}
			}
			cf.Cells[k] = ps
		}
		if err := output.WriteJSON(e.Path("cells.json"), cf); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Has reports whether key is a finished cell (computed in this run or
// loaded from an earlier one).
func (e *Env) Has(key string) bool {
	e.cellMu.Lock()
	defer e.cellMu.Unlock()
	_, ok := e.cells[key]
	return ok
}

// Forget drops the finished cell key, so that the next Cell computes it
// again (for a cell whose side files, written while it was computed, are
// gone). cells.json keeps it until the next cell is saved.
func (e *Env) Forget(key string) {
	e.cellMu.Lock()
	defer e.cellMu.Unlock()
	delete(e.cells, key)
}

// loadCells reads the checkpoint of an earlier run with the same hash.
// Cells of another experiment, configuration, size or version of the
// code are an error: rerunning into the folder would otherwise mix two
// results or silently drop finished work.
func (e *Env) loadCells(name, hash string) error {
	e.cellsName, e.cellsHash = name, hash
	e.cells = nil
	b, err := os.ReadFile(e.Path("cells.json"))
	if err != nil {
		return nil
	}
	var cf cellFile
	if err := json.Unmarshal(b, &cf); err != nil {
		return fmt.Errorf("experiments: %s is damaged (%v); remove it (or give --force) to start over", e.Path("cells.json"), err)
	}
	if cf.Hash != hash {
		what := "another configuration, size, seed count, data folder or version of evolve"
		if cf.Experiment != "" && cf.Experiment != name {
			what = "experiment " + cf.Experiment
		}
		if e.Redraw != nil {
			if cf.Experiment == "" || cf.Experiment == name {
				what = "another configuration, size, seed count or data folder than given"
			}
			return fmt.Errorf("experiments: redraw: %s holds the finished cells of %s: give the --config, --quick, --seeds and --data-dir of the run redrawn", e.Path("cells.json"), what)
		}
		return fmt.Errorf("experiments: %s holds the finished cells of %s; continue that run, choose another --out, or give --force to start over", e.Path("cells.json"), what)
	}
	e.cells = map[string][]float64{}
	for k, ps := range cf.Cells {
		vs := make([]float64, len(ps))
		for i, p := range ps {
			vs[i] = math.NaN()
			if p != nil {
				vs[i] = *p
			}
		}
		e.cells[k] = vs
	}
	return nil
}

// Logf writes a progress line, after the time since the first one.
func (e *Env) Logf(format string, args ...any) {
	if e.Log != nil {
		e.logMu.Lock()
		defer e.logMu.Unlock()
		now := time.Now()
		if e.logStart.IsZero() {
			e.logStart = now
		}
		fmt.Fprintf(e.Log, "[%s] "+format+"\n", append([]any{now.Sub(e.logStart).Round(time.Second)}, args...)...)
	}
}

// Path returns a path in the output folder.
func (e *Env) Path(name string) string { return filepath.Join(e.Out, name) }

// Experiment is a named experiment.
type Experiment struct {
	// Name is used on the command line.
	Name string
	// Title says what it shows.
	Title string
	// Reproduces names the part of the paper.
	Reproduces string
	// FullTime states the running time of the full size on two cores.
	FullTime string
	// Run runs the experiment with its configuration (TOML text) and
	// returns the comparison with the paper.
	Run func(env *Env, config []byte) (*Report, error)
}

// Report is what an experiment found.
type Report struct {
	// Rows compare our numbers with the paper's.
	Rows []Row
	// Notes are printed under the table.
	Notes []string
	// Seeds is the number of seeds used.
	Seeds int
	// Config, if not nil, is the configuration the experiment ran (after
	// --quick and its own defaults): Run records it in config.toml and
	// meta.json in place of the given text.
	Config any
}

// Row is one line of the comparison table.
type Row struct {
	// Quantity names what is compared.
	Quantity string
	// Ours is our measurement.
	Ours Stat
	// Paper is the paper's number, as text ("85 %", "shape only", "—").
	Paper string
	// Note is a short comment.
	Note string
}

// Stat is a mean with its spread over seeds.
type Stat struct {
	Mean, SD float64
	N        int
	// Unit formats the numbers: "%" multiplies by 100.
	Unit string
}

// NewStat summarises values.
func NewStat(unit string, v ...float64) Stat {
	s := Stat{N: len(v), Unit: unit}
	if len(v) == 0 {
		s.Mean, s.SD = math.NaN(), math.NaN()
		return s
	}
	for _, x := range v {
		s.Mean += x
	}
	s.Mean /= float64(len(v))
	if len(v) > 1 {
		for _, x := range v {
			s.SD += (x - s.Mean) * (x - s.Mean)
		}
		s.SD = math.Sqrt(s.SD / float64(len(v)-1))
	}
	return s
}

// String formats the statistic as "85.2 % ± 1.3 (n=3)".
func (s Stat) String() string {
	if math.IsNaN(s.Mean) {
		return "—"
	}
	m, sd, u := s.Mean, s.SD, ""
	switch s.Unit {
	case "%":
		m, sd, u = 100*m, 100*sd, " %"
	case "":
	default:
		u = " " + s.Unit
	}
	prec := "%.3g"
	if s.Unit == "%" {
		prec = "%.1f"
	}
	out := fmt.Sprintf(prec+"%s", m, u)
	if s.N > 1 {
		out += fmt.Sprintf(" ± "+prec+" (n=%d)", sd, s.N)
	}
	return out
}

var registry []*Experiment

func register(e *Experiment) { registry = append(registry, e) }

// All returns the experiments in a fixed order.
func All() []*Experiment {
	order := []string{"table1", "theorem1", "theorem3", "optimal-mse", "fig2", "fig3", "fig5", "table2", "robustness-settled", "fig6", "appendix-c", "evolution-vs-meta"}
	out := slices.Clone(registry)
	slices.SortStableFunc(out, func(a, b *Experiment) int {
		ia, ib := slices.Index(order, a.Name), slices.Index(order, b.Name)
		if ia < 0 {
			ia = len(order)
		}
		if ib < 0 {
			ib = len(order)
		}
		return ia - ib
	})
	return out
}

// Get returns the named experiment.
func Get(name string) (*Experiment, error) {
	var names []string
	for _, e := range All() {
		if e.Name == name {
			return e, nil
		}
		names = append(names, e.Name)
	}
	return nil, fmt.Errorf("experiments: unknown experiment %q; known: %s", name, strings.Join(names, ", "))
}

// DefaultConfig returns the embedded configs/NAME.toml.
func DefaultConfig(name string) ([]byte, error) {
	return configs.ReadFile("configs/" + name + ".toml")
}

// decode reads TOML into v; unknown keys are errors.
func decode(text []byte, v any) error {
	md, err := toml.NewDecoder(bytes.NewReader(text)).Decode(v)
	if err != nil {
		return fmt.Errorf("experiments: config: %w", err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return fmt.Errorf("experiments: config: unknown keys %v", und)
	}
	return nil
}

// Run runs the experiment with the given configuration (nil means the
// embedded default) and writes results.md and meta.json beside its own
// outputs.
func Run(e *Experiment, config []byte, env *Env) (*Report, error) {
	if config == nil {
		var err error
		if config, err = DefaultConfig(e.Name); err != nil {
			return nil, fmt.Errorf("experiments: %s has no default config: %w", e.Name, err)
		}
	}
	if err := os.MkdirAll(env.Out, 0o755); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(env.Path("config.toml"), config); err != nil {
		return nil, err
	}
	version := env.Version
	if env.Redraw != nil {
		version = env.Redraw.Version
	}
	if err := env.loadCells(e.Name, cellsHash(e.Name, config, env, version)); err != nil {
		if other := otherVersionCells(env.Path("cells.json"), e.Name, config, env); other != "" && env.Redraw == nil {
			return nil, fmt.Errorf("experiments: %s holds the finished cells of this experiment and configuration computed by evolve %s (this is %s): finish the run with that version (cells are only reused by the version that computed them), or, once it is finished, draw it again with this version by --redraw", env.Path("cells.json"), other, env.Version)
		}
		return nil, err
	}
	if env.Redraw != nil && len(env.cells) == 0 {
		return nil, fmt.Errorf("experiments: redraw of %s: no finished cells in %s", env.Redraw.From, env.Path("cells.json"))
	}
	t0 := time.Now()
	rep, err := e.Run(env, config)
	if err != nil {
		return nil, fmt.Errorf("experiment %s: %w", e.Name, err)
	}
	el := time.Since(t0)
	if rd := env.Redraw; rd != nil {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Redrawn by evolve %s from the finished cells of %s, which evolve %s computed: the cells' numbers are that version's; the tables, summaries and figures made from them are this one's.", env.Version, rd.From, rd.Version))
	}
	ran := config
	if rep.Config != nil {
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(rep.Config); err != nil {
			return nil, fmt.Errorf("experiment %s: recording its config: %w", e.Name, err)
		}
		ran = buf.Bytes()
		if err := atomicfile.Write(env.Path("config.toml"), ran); err != nil {
			return nil, err
		}
	}
	if err := atomicfile.Write(env.Path("results.md"), []byte(Markdown(e, rep, env.Quick))); err != nil {
		return nil, err
	}
	rows := make([]map[string]any, len(rep.Rows))
	for i, r := range rep.Rows {
		rows[i] = map[string]any{"quantity": r.Quantity, "mean": output.JSONFloat(r.Ours.Mean), "sd": output.JSONFloat(r.Ours.SD), "n": r.Ours.N, "unit": r.Ours.Unit, "paper": r.Paper, "note": r.Note}
	}
	meta := map[string]any{
		"experiment": e.Name, "reproduces": e.Reproduces, "version": env.Version, "quick": env.Quick,
		"seeds": rep.Seeds, "seeds_given": env.Seeds, "data_dir": env.DataDir, "config": string(ran), "config_given": string(config), "results": rows, "notes": rep.Notes,
		"timings_seconds": map[string]float64{"run": el.Seconds()},
	}
	if rd := env.Redraw; rd != nil {
		meta["redrawn_from"], meta["cells_version"] = rd.From, rd.Version
	}
	if env.Quick && rep.Config == nil {
		meta["config_note"] = "--quick reduced the sizes of this config in the experiment's code; the config recorded is the full-size one"
	}
	if err := output.WriteJSON(env.Path("meta.json"), meta); err != nil {
		return nil, err
	}
	return rep, nil
}

// cellsHash names the finished cells of a run: cells of another
// experiment, configuration, size, seed count (as given: 0 is the
// experiment's default), data folder or version of evolve are not reused.
func cellsHash(name string, config []byte, env *Env, version string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00quick=%v\x00seeds=%d\x00data=%s\x00version=%s", name, config, env.Quick, env.Seeds, env.DataDir, version)))
	return hex.EncodeToString(sum[:8])
}

// otherVersionCells returns the version of evolve recorded in the cells
// file at path if its cells are those of experiment name with config and
// env's size, seed count and data folder computed by that version, and ""
// otherwise.
func otherVersionCells(path, name string, config []byte, env *Env) string {
	cf, ok := readCellFile(path)
	if !ok || cf.Version == "" || cf.Version == env.Version || cf.Experiment != name || cf.Hash != cellsHash(name, config, env, cf.Version) {
		return ""
	}
	return cf.Version
}

// CellsMatch reports whether dir/cells.json holds the finished cells of e
// run with config (nil: the embedded one) and env's size, seed count and
// data folder by evolve version; false if there is no such file.
func CellsMatch(dir string, e *Experiment, config []byte, env *Env, version string) bool {
	if config == nil {
		var err error
		if config, err = DefaultConfig(e.Name); err != nil {
			return false
		}
	}
	cf, ok := readCellFile(filepath.Join(dir, "cells.json"))
	return ok && cf.Hash == cellsHash(e.Name, config, env, version)
}

// readCellFile reads a cells file; false if it is missing or not JSON.
func readCellFile(path string) (cellFile, bool) {
	var cf cellFile
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &cf) != nil {
		return cellFile{}, false
	}
	return cf, true
}

// Markdown renders the comparison table.
func Markdown(e *Experiment, rep *Report, quick bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s — %s\n\n", e.Name, e.Title)
	fmt.Fprintf(&b, "Reproduces: %s. Seeds: %d.", e.Reproduces, rep.Seeds)
	if quick {
		b.WriteString(" **Quick (reduced) size: not comparable with the paper.**")
	}
	b.WriteString("\n\n| quantity | ours | paper | note |\n|---|---|---|---|\n")
	// A "|" in a cell (as in |V|) would end the cell: escape it.
	cell := strings.NewReplacer("|", `\|`).Replace
	for _, r := range rep.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(r.Quantity), r.Ours, cell(r.Paper), cell(r.Note))
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	return b.String()
}

// seeds returns the number of seeds to use.
func seeds(env *Env, def, quick int) int {
	switch {
	case env.Seeds > 0:
		return env.Seeds
	case env.Quick:
		return quick
	}
	return def
}
