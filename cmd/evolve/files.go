package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
	"github.com/evolve-toolkit/evolve/internal/atomicfile"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/userconf"
	"github.com/evolve-toolkit/evolve/plasticity"
	"github.com/urfave/cli/v2"
)

// loadRule reads a rule file.
func loadRule(path string) (*plasticity.Rule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return plasticity.ReadRule(f, path)
}

// saveRule writes a rule file atomically.
func saveRule(path string, r *plasticity.Rule, comment string) error {
	var buf bytes.Buffer
	if err := plasticity.WriteRule(&buf, r, comment); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
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
	fmt.Fprintf(c.App.ErrWriter, "%s: writing to %s (no --out given)\n", name, out)
	return out
}
