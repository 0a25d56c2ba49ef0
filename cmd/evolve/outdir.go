package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
)

// forceFlag lets a command replace a finished result.
var forceFlag = &cli.BoolFlag{Name: "force", Usage: "replace a finished result in --out"}

// printConfigFlag prints a command's effective config instead of running it.
var printConfigFlag = &cli.BoolFlag{Name: "print-config", Usage: "print the effective config (defaults, --config file, flags) as TOML and exit; it is a valid --config file"}

// printConfig writes cfg as TOML to the command's output.
func printConfig(c *cli.Context, cfg any) error {
	b, err := encodeTOML(cfg)
	if err != nil {
		return err
	}
	_, err = c.App.Writer.Write(b)
	return err
}

// uniqueName returns prefix-YYYYMMDD-HHMMSS-xxxxxx: the time and six random
// hex digits, so that runs started in the same second (a Slurm array of
// evolve run --seed $ID) get folders of their own.
func uniqueName(prefix string) string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		// Fall back on the process id, unique on one machine.
		return fmt.Sprintf("%s%s-p%d", prefix, time.Now().UTC().Format("20060102-150405"), os.Getpid())
	}
	return prefix + time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// outDir is a command's output folder.
type outDir struct {
	Path    string
	created bool // the command made it (so a failure may remove it)
	// top is the outermost folder the command made: Path, or a parent
	// such as runs/ that did not exist before.
	top string
}

// openOut prepares the output folder dir: a finished result in it (the
// file marker, e.g. meta.json) is an error unless force; a folder it
// creates is removed again by Discard if the command fails.
func openOut(dir, marker string, force bool) (*outDir, error) {
	o, err := checkOut(dir, marker, force)
	if err != nil {
		return nil, err
	}
	return o, o.Make()
}

// checkOut is openOut without making the folder: a command that writes
// only at the end calls Make then, so that a run stopped before (Ctrl-C,
// SIGTERM, a crash) leaves no empty folder behind.
func checkOut(dir, marker string, force bool) (*outDir, error) {
	if dir != "" && marker != "" {
		if _, err := os.Stat(filepath.Join(dir, marker)); err == nil && !force {
			return nil, fmt.Errorf("%s holds a finished result (%s); choose another --out, or give --force to replace it", dir, marker)
		}
	}
	return &outDir{Path: dir}, nil
}

// Make creates the folder (and its parents), remembering what it created
// for Discard.
func (o *outDir) Make() error {
	dir := o.Path
	if dir == "" || o.created {
		return nil
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		o.created, o.top = true, dir
		for p := filepath.Dir(dir); p != filepath.Dir(p); p = filepath.Dir(p) {
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				break
			}
			o.top = p
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	return nil
}

// Discard removes the folder if this command created it, and the parents
// it created (runs/ for a default folder) if they are empty (another job
// may have written beside it since): called when the command fails, so
// that no half-made result is left behind.
func (o *outDir) Discard() {
	if o == nil || !o.created {
		return
	}
	os.RemoveAll(o.Path)
	if o.top == "" || o.top == o.Path {
		return
	}
	for p := filepath.Dir(o.Path); ; p = filepath.Dir(p) {
		if os.Remove(p) != nil || p == o.top || p == filepath.Dir(p) {
			return
		}
	}
}

// signalContext returns a context cancelled by SIGINT or SIGTERM (Slurm
// and Kubernetes stop jobs with SIGTERM) and a function that reports the
// signal received, if any.
func signalContext(parent context.Context) (context.Context, func() os.Signal, func()) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	got := make(chan os.Signal, 1)
	go func() {
		select {
		case s := <-ch:
			got <- s
			cancel()
		case <-ctx.Done():
		}
	}()
	received := func() os.Signal {
		select {
		case s := <-got:
			got <- s
			return s
		default:
			return nil
		}
	}
	return ctx, received, func() { signal.Stop(ch); cancel() }
}

// stoppedExit is the error of work stopped by a signal: exit status 130
// for SIGINT and 143 for SIGTERM, as shells report them.
func stoppedExit(sig os.Signal, msg string) error {
	code := 130
	if sig == syscall.SIGTERM {
		code = 143
	}
	return cli.Exit(msg, code)
}
