package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/evolve-toolkit/evolve/internal/atomicfile"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/userconf"
	"github.com/evolve-toolkit/evolve/plasticity"
	"github.com/urfave/cli/v2"
)

// defaultSeed is the seed of every command when --seed (or seed in the
// config) is absent: run, check, train, meta, baseline, optimal-rule,
// attack, curvature, hebb train and the base of sweeps, as the
// experiments' first seed. (Before, run and check used 0.)
const defaultSeed = 1

// loadRuleOrigin reads a rule file and the setting the rule was learned
// under, if the file records it.
func loadRuleOrigin(path string) (*plasticity.Rule, *plasticity.Origin, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return plasticity.ReadRuleOrigin(f, path)
}

// saveRule writes a rule file atomically.
func saveRule(path string, r *plasticity.Rule, comment string) error {
	return saveRuleOrigin(path, r, comment, nil)
}

// saveRuleOrigin writes a rule file atomically with the setting the rule
// was learned under (nil: none).
func saveRuleOrigin(path string, r *plasticity.Rule, comment string, o *plasticity.Origin) error {
	var buf bytes.Buffer
	if err := plasticity.WriteRuleOrigin(&buf, r, comment, o); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
}

// warnOrigin warns on w, naming both values, when a rule read from path
// is used by a network of configuration c in a setting other than the one
// it was learned under (recurrence, T, scheme): such a rule usually trains
// far worse, often below chance, and nothing else would say why.
func warnOrigin(w io.Writer, command, what, path string, o *plasticity.Origin, c plasticity.Config) {
	d := o.Mismatch(c)
	if len(d) == 0 {
		return
	}
	hint := ""
	if o.Recurrence != c.Defaults().Recurrence {
		hint = fmt.Sprintf("; give --recurrence %s to use it as learned", o.Recurrence)
	}
	fmt.Fprintf(w, "%s: warning: the %s %s was %s (a rule used outside the setting it was learned in usually trains far worse, often below chance%s)\n",
		command, what, path, strings.Join(d, "; "), hint)
}

// writeJSON writes v as indented JSON atomically.
func writeJSON(path string, v any) error { return output.WriteJSON(path, v) }

// writeCSV writes a header and rows atomically.
func writeCSV(path string, header []string, rows [][]string) error {
	return output.WriteCSV(path, header, rows)
}

// ftoa formats a float for CSV: shortest representation that reads back exactly.
func ftoa(v float64) string { return output.F(v) }

// makeOut creates the output folder.
func makeOut(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	return nil
}

// applyConfigFile decodes the file named by --config, if any, into v,
// which holds the defaults: the middle step of defaults → file → flags.
func applyConfigFile(c *cli.Context, v any) error {
	if path := c.String("config"); path != "" {
		return decodeTOML(path, v)
	}
	return nil
}

// decodeTOML reads a TOML file into v; unknown keys are errors.
func decodeTOML(path string, v any) error {
	_, err := decodeTOMLKeys(path, v)
	return err
}

func decodeTOMLKeys(path string, v any) (toml.MetaData, error) {
	md, err := toml.DecodeFile(path, v)
	if err != nil {
		return md, fmt.Errorf("config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return md, fmt.Errorf("config %s: unknown keys: %v", path, und)
	}
	return md, nil
}

// readConfig decodes the --config file, if any, into v (which holds the
// defaults) and records its keys in g: the middle step of defaults → file
// → flags.
func readConfig(c *cli.Context, v any, g userconf.Given) error {
	path := c.String("config")
	if path == "" {
		return nil
	}
	md, err := decodeTOMLKeys(path, v)
	if err != nil {
		return err
	}
	g.File(md)
	return nil
}

// bind ties a flag to the dotted TOML key of the config it sets.
type bind struct{ flag, key string }

// applyFlags sets the key of every flag of binds the user set and records
// it in g: the last step of defaults → file → flags. List flags accept
// comma-separated values; "none" in them is dropped.
func applyFlags(c *cli.Context, dst any, g userconf.Given, binds []bind) {
	for _, b := range binds {
		if !c.IsSet(b.flag) {
			continue
		}
		g[b.key] = "--" + b.flag
		var v any
		switch f := lookupFlag(c, b.flag).(type) {
		case *cli.StringSliceFlag:
			v = splitList(c.StringSlice(b.flag))
		case *cli.IntFlag:
			v = c.Int(b.flag)
		case *cli.Uint64Flag:
			v = c.Uint64(b.flag)
		case *cli.Float64Flag:
			v = c.Float64(b.flag)
		case *cli.BoolFlag:
			v = c.Bool(b.flag)
		case *cli.StringFlag:
			v = c.String(b.flag)
		default:
			panic(fmt.Sprintf("applyFlags: flag %s of type %T", b.flag, f))
		}
		userconf.Set(dst, b.key, v)
	}
}

func lookupFlag(c *cli.Context, name string) cli.Flag {
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// outPath joins the output folder and a file name.
func outPath(dir, name string) string { return filepath.Join(dir, name) }

// applyNetworkFlags sets the network fields of the flags the user set
// (networkFlags). Kept for commands that do not yet record what was given;
// new code uses applyFlags with networkBinds and checks with userconf.
func applyNetworkFlags(c *cli.Context, cfg *plasticity.Config) {
	g := userconf.Given{}
	applyFlags(c, cfg, g, networkBinds(""))
	if c.IsSet("nodes") && !c.IsSet("cap") {
		cfg.Cap = cfg.Nodes / 2
	}
}

// flagsFirst is kept for commands written before strictArgs: every action
// now sees its flags parsed wherever they stood, so there is nothing left
// to move and it reports false.
func flagsFirst(c *cli.Context, path ...string) (bool, error) { return flagsAfterArgs(c, path) }

// commandOut returns the output folder of a command that writes its
// results to a folder: --out, or when it is absent a new folder
// runs/NAME-YYYYMMDD-HHMMSS-xxxxxx (unique, like evolve run's and
// experiment's), announced on stderr so that a trained network or a
// learned rule is never lost for want of --out.
func commandOut(c *cli.Context, name string) string {
	if out := c.String("out"); out != "" {
		return out
	}
	out := filepath.Join("runs", uniqueName(name+"-"))
	fmt.Fprintf(c.App.ErrWriter, "%s: results go to %s (no --out given)\n", name, out)
	return out
}

// readResumeConfig is the start of `command --resume dir`: none of the
// flags of binds, --config or --force may be set (the run continues with
// its own config), --out may only name dir, and cfg is read from
// dir/config.toml.
func readResumeConfig(c *cli.Context, command, dir, out string, binds []bind, cfg any) error {
	for _, b := range append(binds, bind{"config", ""}, bind{"force", ""}) {
		if c.IsSet(b.flag) {
			return fmt.Errorf("%s: --resume continues %s with its own config; --%s cannot change it", command, dir, b.flag)
		}
	}
	if out != "" && filepath.Clean(out) != filepath.Clean(dir) {
		return fmt.Errorf("%s: --resume %s writes to %s; --out %s cannot move it (copy the folder first)", command, dir, dir, out)
	}
	if err := decodeTOML(filepath.Join(dir, "config.toml"), cfg); err != nil {
		return fmt.Errorf("%s: resume: %w", command, err)
	}
	return nil
}
