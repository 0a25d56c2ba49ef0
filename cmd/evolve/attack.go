package main

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity"
	"github.com/evolve-toolkit/evolve/plasticity/attack"
)

// attackConfig is the configuration of "evolve attack", as read from a
// TOML file (--config) and overridden by flags.
type attackConfig struct {
	// Dataset is the data set whose test images are attacked; "" means
	// the one the first network was trained on.
	Dataset string `toml:"dataset" json:"dataset"`
	// DataDir is the folder of the IDX files ("" means the default place).
	DataDir string `toml:"data_dir" json:"data_dir"`
	// Names labels the networks in the table and figures; by default the
	// file name, or its folder's name for network.npz.
	Names []string `toml:"names" json:"names"`
	// Examples is the number of images shown in examples.png.
	Examples int `toml:"examples" json:"examples"`
	// Attack configures the attack.
	Attack attack.Config `toml:"attack" json:"attack"`
	// Distances configures the minimal-distance search (--distances);
	// its images and seed are the attack's. Empty Attacks: no search.
	Distances distanceFlags `toml:"distances" json:"distances"`
}

// distanceFlags is the part of attack.DistanceConfig the user sets; the
// images and the seed are shared with the attack.
type distanceFlags struct {
	Attacks []attack.Method `toml:"attacks" json:"attacks"`
	Max     float64         `toml:"max" json:"max"`
	Tol     float64         `toml:"tol" json:"tol"`
}

func defaultAttackConfig() attackConfig {
	dc := attack.DistanceConfig{}.Defaults()
	return attackConfig{Examples: 4, Attack: attack.Config{Seed: 1}.Defaults(), Distances: distanceFlags{Max: dc.Max, Tol: dc.Tol}}
}

func attackCommand() *cli.Command {
	def := defaultAttackConfig()
	return &cli.Command{
		Name:      "attack",
		Usage:     "robust accuracy of trained networks under a targeted L2 attack",
		ArgsUsage: "[flags] NETWORK.npz [NETWORK.npz ...]",
		Description: `Attacks each network (a network file written by evolve train, baseline or meta
with --out) with targeted L2 projected-gradient attacks on N seeded test images and
prints its robust accuracy at every radius ε. The default is the attack of SPEC §6
(cross-entropy, raw-gradient steps, 50 steps, broken if a final point is misclassified).
A value given by flag or --config is used as given: --images 0 or --steps 0 is an error,
never the default; so are steps = 0, step_factor = 0 and loss = "" in an
[[attack.attacks]] or [[distances.attacks]] entry of --config.

Losses (--loss, or the first part of an --attacks entry):
  ce              cross-entropy of the logits (default). Its gradient shrinks like
                  exp(−logit gap) on a confident network, so raw-gradient steps can be
                  masked by large logits; normalised steps much less so.
  double-softmax  the reference's loss: cross-entropy taken on the softmax outputs
                  (softmax applied twice). Its gradient underflows to 0 when the logit
                  gaps are large: PRONE TO GRADIENT MASKING, do not read a high robust
                  accuracy under it as robustness.
  margin          Carlini–Wagner logit difference max_{c≠target} z_c − z_target. Does
                  not saturate; with --normalize it is invariant to the logit scale and
                  cannot be masked by large logits.
  hsj             not a loss: HopSkipJump (Chen, Jordan, Wainwright 2020), a gradient-free
                  decision-based attack that queries only predicted labels. CANNOT BE
                  MASKED by any loss or logit scale; use it to check that a high robust
                  accuracy under a gradient attack is not masking. --steps counts its
                  iterations (each costs 100·√t label queries, at most 1000); it finds
                  one closest adversarial point per image, whatever ε.
Steps: --normalize steps along the unit gradient (the usual L2 PGD) instead of the raw
gradient. --restarts adds random starts in the ε-ball per target (seeded).
--any-iterate counts an image broken as soon as an iterate is misclassified (whether
any iterate crossed is reported in any case, the "any" column).

--attacks runs several attacks, e.g. --attacks ce,double-softmax/unit,strong,hsj/S=25; each
entry is LOSS[/unit|/raw][/S=steps][/R=restarts][/α=factor], "strong" is margin/unit/S=100/R=2.
An image is then broken at ε if any attack breaks it at a radius ≤ ε (an adversarial
point at a smaller radius is one at every larger radius), so the robust accuracy is that
of the strongest attack per image and never rises with ε; each attack's own count is
printed too.

--distances LIST finds, for each image and each attack of LIST (same syntax as --attacks),
the distance of the closest adversarial point: by bisection over ε up to --max-eps to within
--tol for a gradient attack (any iterate counts), directly for hsj. Every distance is that of
a point verified misclassified, an upper bound on the true minimal distance. It prints the
median per network and attack and writes distances.csv (one row per network, attack and
image; +Inf when nothing was found within --max-eps, 0 for images misclassified already).
Cost: about log2(max-eps/tol) attacks per image for a gradient attack.

--out (default: a new folder runs/attack-YYYYMMDD-HHMMSS-xxxxxx, printed on stderr;
a finished result there is an error unless --force) gets robustness.csv (network, eps,
robust accuracy, any-iterate robust accuracy), methods.csv (each attack's counts), robustness.png and robustness.svg (the
curves side by side, the paper's Figure 5), examples.png (original and adversarial images
of the first --examples images, the paper's Figure 4: one row per image, the original
then the adversarial point at each ε > 0, framed green if still classified correctly,
red if broken), examples.csv and meta.json (config, seed, version, timings, networks and
their provenance).`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "TOML config file (flags override it)"},
			&cli.StringFlag{Name: "dataset", Aliases: []string{"d"}, Usage: "data set to attack (default: the first network's)"},
			&cli.StringFlag{Name: "data-dir", Usage: "folder of the IDX files for mnist/fashion"},
			&cli.StringFlag{Name: "eps", Value: joinFloats(def.Attack.Eps), Usage: "comma-separated radii ε"},
			&cli.IntFlag{Name: "images", Value: def.Attack.Images, Usage: "test images attacked (positive)"},
			&cli.IntFlag{Name: "steps", Value: def.Attack.Steps, Usage: "gradient steps S (positive; hsj: iterations)"},
			&cli.Float64Flag{Name: "step-factor", Value: def.Attack.StepFactor, Usage: "step size α = factor·ε/S"},
			&cli.Uint64Flag{Name: "seed", Value: def.Attack.Seed, Usage: "seed of the choice of images"},
			&cli.BoolFlag{Name: "any-iterate", Usage: "count an image broken as soon as an iterate is misclassified (default: the final point)"},
			&cli.BoolFlag{Name: "normalize", Usage: "step along the unit gradient (usual L2 PGD, independent of the logit scale) instead of the raw gradient"},
			&cli.StringFlag{Name: "loss", Value: string(def.Attack.Loss), Usage: "attacked loss: 'ce' (cross-entropy of the logits), 'double-softmax' (the reference's, on probabilities; prone to masking), 'margin' (logit difference; not masked with --normalize) or 'hsj' (gradient-free HopSkipJump; cannot be masked)"},
			&cli.IntFlag{Name: "restarts", Value: def.Attack.Restarts, Usage: "random starts per target besides the image itself"},
			&cli.StringFlag{Name: "attacks", Usage: "comma-separated attacks LOSS[/unit|/raw][/S=n][/R=n][/α=f] or 'strong', run together (replaces --loss, --normalize, --steps, --step-factor, --restarts)"},
			&cli.StringFlag{Name: "distances", Usage: "comma-separated attacks (as --attacks, e.g. strong,hsj) whose minimal adversarial distance per image is found"},
			&cli.Float64Flag{Name: "max-eps", Value: def.Distances.Max, Usage: "largest radius of the --distances bisection"},
			&cli.Float64Flag{Name: "tol", Value: def.Distances.Tol, Usage: "width at which the --distances bisection stops"},
			&cli.StringFlag{Name: "names", Usage: "comma-separated names of the networks"},
			&cli.IntFlag{Name: "examples", Value: def.Examples, Usage: "images shown in examples.png"},
			&cli.StringFlag{Name: "out", Usage: "folder for robustness.csv, the figures and meta.json (default: runs/attack-YYYYMMDD-HHMMSS-xxxxxx)"},
			forceFlag, printConfigFlag,
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
		},
		Action: runAttack,
	}
}

// joinFloats formats a list of radii for a flag.
func joinFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = ftoa(x)
	}
	return strings.Join(s, ",")
}

// parseFloats reads a comma-separated list of numbers.
func parseFloats(s string) ([]float64, error) {
	var v []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("attack: --eps: %q is not a number", f)
		}
		v = append(v, x)
	}
	return v, nil
}

// parseMethods reads the --attacks list.
func parseMethods(s string) ([]attack.Method, error) { return parseMethodList("--attacks", s) }

// parseMethodList reads a comma-separated list of attacks given by flag.
func parseMethodList(flag, s string) ([]attack.Method, error) {
	var ms []attack.Method
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if f == "strong" {
			ms = append(ms, attack.Strong().Defaults())
			continue
		}
		m, err := attack.ParseMethod(f)
		if err != nil {
			return nil, fmt.Errorf("attack: %s: %w", flag, err)
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("attack: %s: no attack given", flag)
	}
	return ms, nil
}

// networkName names a network file: its base name without extension, or
// its folder's name for the default file name.
func networkName(path string) string {
	base := filepath.Base(path)
	if base == networkFile {
		if dir := filepath.Base(filepath.Dir(path)); dir != "." && dir != "/" {
			return dir
		}
	}
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// attacked is one network's outcome.
type attacked struct {
	Name       string                `json:"name"`
	File       string                `json:"file"`
	Config     plasticity.Config     `json:"config"`
	Provenance plasticity.Provenance `json:"provenance"`
	Clean      float64               `json:"clean_accuracy"`
	Robust     []float64             `json:"robust_accuracy"`
	Seconds    float64               `json:"seconds"`
	// MedianDistance[k] is the median over the images of the minimal
	// distance found by the k-th --distances attack (null if +Inf).
	MedianDistance []any `json:"median_distance,omitempty"`
	// DistSeconds is the time of the --distances search.
	DistSeconds float64 `json:"distance_seconds,omitempty"`
	res         *attack.Result
	dist        *attack.Distances
}

// checkAttackGiven rejects the values given by flag or --config that the
// library would read as "absent, use the default".
func checkAttackGiven(cfg attackConfig) error {
	var errs []error
	if len(cfg.Attack.Eps) == 0 {
		errs = append(errs, errors.New("--eps (eps in --config): no radius given"))
	}
	if cfg.Attack.Images < 1 {
		errs = append(errs, fmt.Errorf("--images (images in --config) must be positive, got %d", cfg.Attack.Images))
	}
	if cfg.Attack.Steps < 1 {
		errs = append(errs, fmt.Errorf("--steps (steps in --config) must be positive, got %d", cfg.Attack.Steps))
	}
	if !(cfg.Attack.StepFactor > 0) {
		errs = append(errs, fmt.Errorf("--step-factor (step_factor in --config) must be positive, got %v", cfg.Attack.StepFactor))
	}
	if cfg.Attack.Loss == "" {
		errs = append(errs, errors.New("--loss (loss in --config): no loss given"))
	}
	if cfg.Examples < 0 {
		errs = append(errs, fmt.Errorf("--examples must be non-negative, got %d", cfg.Examples))
	}
	if !(cfg.Distances.Max > 0) {
		errs = append(errs, fmt.Errorf("--max-eps (distances.max in --config) must be positive, got %v", cfg.Distances.Max))
	}
	if !(cfg.Distances.Tol > 0) {
		errs = append(errs, fmt.Errorf("--tol (distances.tol in --config) must be positive, got %v", cfg.Distances.Tol))
	}
	if len(errs) > 0 {
		return fmt.Errorf("attack: %w", errors.Join(errs...))
	}
	return nil
}

// median returns the median of v (+Inf entries sort last); v is not changed.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func runAttack(c *cli.Context) (err error) {
	cfg := defaultAttackConfig()
	if err := applyConfigFile(c, &cfg); err != nil {
		return err
	}
	if c.IsSet("dataset") {
		cfg.Dataset = c.String("dataset")
	}
	if c.IsSet("data-dir") {
		cfg.DataDir = c.String("data-dir")
	}
	if c.IsSet("eps") {
		eps, err := parseFloats(c.String("eps"))
		if err != nil {
			return err
		}
		cfg.Attack.Eps = eps
	}
	if c.IsSet("images") {
		cfg.Attack.Images = c.Int("images")
	}
	if c.IsSet("steps") {
		cfg.Attack.Steps = c.Int("steps")
	}
	if c.IsSet("step-factor") {
		cfg.Attack.StepFactor = c.Float64("step-factor")
	}
	if c.IsSet("seed") {
		cfg.Attack.Seed = c.Uint64("seed")
	}
	if c.IsSet("any-iterate") {
		cfg.Attack.AnyIterate = c.Bool("any-iterate")
	}
	if c.IsSet("normalize") {
		cfg.Attack.Normalize = c.Bool("normalize")
	}
	if c.IsSet("loss") {
		cfg.Attack.Loss = attack.Loss(c.String("loss"))
	}
	if c.IsSet("restarts") {
		cfg.Attack.Restarts = c.Int("restarts")
	}
	if c.IsSet("attacks") {
		ms, err := parseMethods(c.String("attacks"))
		if err != nil {
			return err
		}
		cfg.Attack.Attacks = ms
	}
	if c.IsSet("distances") {
		ms, err := parseMethodList("--distances", c.String("distances"))
		if err != nil {
			return err
		}
		cfg.Distances.Attacks = ms
	}
	if c.IsSet("max-eps") {
		cfg.Distances.Max = c.Float64("max-eps")
	}
	if c.IsSet("tol") {
		cfg.Distances.Tol = c.Float64("tol")
	}
	if c.IsSet("names") {
		cfg.Names = strings.Split(c.String("names"), ",")
	}
	if c.IsSet("examples") {
		cfg.Examples = c.Int("examples")
	}
	// The user boundary: a value given as 0 (or empty) is an error, never
	// the library's zero-means-default.
	if err := checkAttackGiven(cfg); err != nil {
		return err
	}
	cfg.Attack = cfg.Attack.Defaults()
	if err := cfg.Attack.Validate(); err != nil {
		return err
	}
	dcfg := attack.DistanceConfig{Images: cfg.Attack.Images, Seed: cfg.Attack.Seed, Attacks: cfg.Distances.Attacks, Max: cfg.Distances.Max, Tol: cfg.Distances.Tol}
	if len(cfg.Distances.Attacks) > 0 {
		if err := dcfg.Validate(); err != nil {
			return err
		}
		dcfg = dcfg.Defaults()
		cfg.Distances.Attacks = dcfg.Attacks
	}
	if c.Bool("print-config") {
		return printConfig(c, cfg)
	}
	files := c.Args().Slice()
	if len(files) == 0 {
		return fmt.Errorf("attack: give one or more network files (written by evolve train --out)")
	}
	if len(cfg.Names) > 0 && len(cfg.Names) != len(files) {
		return fmt.Errorf("attack: %d names for %d networks", len(cfg.Names), len(files))
	}
	stderr, stdout := c.App.ErrWriter, c.App.Writer

	nets := make([]attacked, len(files))
	saved := make([]*plasticity.Saved, len(files))
	for i, f := range files {
		s, err := loadNetwork(f)
		if err != nil {
			return err
		}
		saved[i] = s
		name := networkName(f)
		if len(cfg.Names) > 0 {
			name = cfg.Names[i]
		}
		nets[i] = attacked{Name: name, File: f, Config: s.Network.Config(), Provenance: s.Provenance}
	}
	if cfg.Dataset == "" {
		cfg.Dataset = saved[0].Provenance.Dataset
		if cfg.Dataset == "" {
			cfg.Dataset = "mnist"
		}
	}
	t0 := time.Now()
	// Only the test set is attacked: keep one training example.
	data, err := dataset.Load(cfg.Dataset, &dataset.Options{Dir: cfg.DataDir, Seed: saved[0].Network.Config().Seed, TrainSize: 1})
	if err != nil {
		return err
	}
	tLoad := time.Since(t0)
	for i, s := range saved {
		nc := s.Network.Config()
		if nc.Inputs != data.Test.Dim || nc.Labels < data.Test.Labels {
			return fmt.Errorf("attack: %s: the network has %d inputs and %d labels, data set %s has %d and %d",
				files[i], nc.Inputs, nc.Labels, cfg.Dataset, data.Test.Dim, data.Test.Labels)
		}
	}
	out := commandOut(c, "attack")
	od, err := checkOut(out, "meta.json", c.Bool("force"))
	if err != nil {
		return fmt.Errorf("attack: %w", err)
	}
	defer func() {
		if err != nil {
			od.Discard() // a failure leaves no half-made folder
		}
	}()
	nEps := len(cfg.Attack.Eps)
	nImg := min(cfg.Attack.Images, data.Test.Len())
	perNet := nImg * nEps
	for _, m := range cfg.Attack.Methods() {
		if m.Decision() {
			perNet += nImg // one search per image
			break
		}
	}
	perNet += nImg * len(cfg.Distances.Attacks)
	total := len(files) * perNet
	bar := newProgress(stderr, total, "attack", c.Bool("quiet"))
	base := 0
	for i, s := range saved {
		t1 := time.Now()
		res, err := attack.Robustness(attack.Network(s.Network), data.Test, &attack.Settings{
			Config:   cfg.Attack,
			Keep:     cfg.Examples,
			Progress: func(done, _ int) { bar.Set(base+done, nets[i].Name) },
		})
		if err != nil {
			bar.Done()
			return fmt.Errorf("attack: %s: %w", files[i], err)
		}
		nets[i].Clean, nets[i].Robust, nets[i].res = res.Clean, res.Robust, res
		nets[i].Seconds = time.Since(t1).Seconds()
		if len(cfg.Distances.Attacks) > 0 {
			t2 := time.Now()
			mid := base + perNet - nImg*len(cfg.Distances.Attacks)
			d, err := attack.MinimalDistances(attack.Network(s.Network), data.Test, &attack.DistanceSettings{
				DistanceConfig: dcfg,
				Progress:       func(done, _ int) { bar.Set(mid+done, nets[i].Name+" distances") },
			})
			if err != nil {
				bar.Done()
				return fmt.Errorf("attack: %s: %w", files[i], err)
			}
			nets[i].dist = d
			for _, dk := range d.Dist {
				nets[i].MedianDistance = append(nets[i].MedianDistance, output.JSONFloat(median(dk)))
			}
			nets[i].DistSeconds = time.Since(t2).Seconds()
		}
		base += perNet
	}
	bar.Done()

	methods := cfg.Attack.Methods()
	names := make([]string, len(methods))
	for k, m := range methods {
		names[k] = m.String()
	}
	fmt.Fprintf(stdout, "dataset     %s test set, %d images (seed %d), attacks %s, broken at %s\n", cfg.Dataset,
		len(nets[0].res.Images), cfg.Attack.Seed, strings.Join(names, ", "),
		map[bool]string{false: "the final point", true: "any iterate"}[cfg.Attack.AnyIterate])
	if len(methods) > 1 {
		fmt.Fprintln(stdout, "robust accuracy: the strongest attack per image, over radii ≤ ε")
	}
	fmt.Fprintf(stdout, "%-8s", "ε")
	for _, n := range nets {
		fmt.Fprintf(stdout, " %14s %5s", n.Name, "any")
	}
	fmt.Fprintln(stdout)
	for e, eps := range cfg.Attack.Eps {
		fmt.Fprintf(stdout, "%-8g", eps)
		for _, n := range nets {
			fmt.Fprintf(stdout, " %14.3f %5.2f", n.Robust[e], n.res.RobustAny[e])
		}
		fmt.Fprintln(stdout)
	}
	if len(methods) > 1 {
		for k := range methods {
			fmt.Fprintf(stdout, "attack %s (this radius only: final point, any iterate)\n", names[k])
			for e, eps := range cfg.Attack.Eps {
				fmt.Fprintf(stdout, "%-8g", eps)
				for _, n := range nets {
					mr := n.res.Methods[k]
					fmt.Fprintf(stdout, " %14.3f %5.2f", mr.Robust[e], mr.RobustAny[e])
				}
				fmt.Fprintln(stdout)
			}
		}
	}
	if len(cfg.Distances.Attacks) > 0 {
		fmt.Fprintf(stdout, "minimal adversarial distance, median over the images (bisection up to %g, tol %g; share broken within %g)\n", dcfg.Max, dcfg.Tol, dcfg.Max)
		for k, m := range dcfg.Attacks {
			fmt.Fprintf(stdout, "%-24s", m)
			for _, n := range nets {
				dk := n.dist.Dist[k]
				fmt.Fprintf(stdout, " %s %8.3g (%3.0f %%)", n.Name, median(dk), 100*(1-attack.RobustAt(dk, dcfg.Max)))
			}
			fmt.Fprintln(stdout)
		}
	}
	for _, n := range nets {
		pairs := float64(len(n.res.Images) * nEps)
		fmt.Fprintf(stdout, "time        %s: %.1fs (%.3fs per image and ε)", n.Name, n.Seconds, n.Seconds/pairs)
		if n.dist != nil {
			fmt.Fprintf(stdout, ", distances %.1fs", n.DistSeconds)
		}
		fmt.Fprintln(stdout)
	}
	if err := od.Make(); err != nil { // only now: a run stopped earlier leaves no folder
		return err
	}
	var rows [][]string
	for _, n := range nets {
		for e, eps := range cfg.Attack.Eps {
			rows = append(rows, []string{n.Name, ftoa(eps), ftoa(n.Robust[e]), ftoa(n.res.RobustAny[e]), strconv.Itoa(len(n.res.Images))})
		}
	}
	if err := writeCSV(outPath(out, "robustness.csv"), []string{"network", "eps", "robust_accuracy", "robust_accuracy_any_iterate", "images"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, n := range nets {
		for k, mr := range n.res.Methods {
			for e, eps := range cfg.Attack.Eps {
				rows = append(rows, []string{n.Name, names[k], ftoa(eps), ftoa(mr.Robust[e]), ftoa(mr.RobustAny[e])})
			}
		}
	}
	if err := writeCSV(outPath(out, "methods.csv"), []string{"network", "attack", "eps", "robust_final_point", "robust_any_iterate"}, rows); err != nil {
		return err
	}
	if len(cfg.Distances.Attacks) > 0 {
		rows = rows[:0]
		for _, n := range nets {
			for k, m := range dcfg.Attacks {
				for i, row := range n.dist.Images {
					rows = append(rows, []string{n.Name, m.String(), strconv.Itoa(row), strconv.Itoa(data.Test.Y[row]), ftoa(n.dist.Dist[k][i])})
				}
			}
		}
		if err := writeCSV(outPath(out, "distances.csv"), []string{"network", "attack", "image", "label", "distance"}, rows); err != nil {
			return err
		}
	}
	for _, ext := range []string{"png", "svg"} {
		if err := plotRobustness(outPath(out, "robustness."+ext), nets, cfg.Attack.Eps); err != nil {
			return err
		}
	}
	rows = rows[:0]
	for _, n := range nets {
		for _, ex := range n.res.Examples {
			rows = append(rows, []string{n.Name, strconv.Itoa(ex.Index), strconv.Itoa(ex.Label), ftoa(ex.Eps), strconv.Itoa(ex.Pred),
				strconv.FormatBool(ex.Broken), ftoa(l2(ex.Adversarial, ex.Original))})
		}
	}
	if err := writeCSV(outPath(out, "examples.csv"), []string{"network", "image", "label", "eps", "prediction", "broken", "l2_distance"}, rows); err != nil {
		return err
	}
	if side := int(math.Round(math.Sqrt(float64(data.Test.Dim)))); side*side == data.Test.Dim && cfg.Examples > 0 {
		if err := writeExamples(outPath(out, "examples.png"), nets, cfg.Attack.Eps, side); err != nil {
			return err
		}
	}
	meta := map[string]any{
		"command":         "attack",
		"version":         buildVersion(),
		"config":          cfg,
		"seed":            cfg.Attack.Seed,
		"images":          nets[0].res.Images,
		"networks":        nets,
		"timings_seconds": map[string]float64{"load": tLoad.Seconds(), "total": time.Since(t0).Seconds()},
	}
	if err := writeJSON(outPath(out, "meta.json"), meta); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", out)
	return nil
}

func l2(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += (v - b[i]) * (v - b[i])
	}
	return math.Sqrt(s)
}
