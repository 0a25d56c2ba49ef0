package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports long work on stderr: a bar with rate and ETA on a
// terminal, a plain line every few seconds otherwise.
type progress struct {
	w     io.Writer
	desc  string
	total int
	bar   *progressbar.ProgressBar
	start time.Time
	last  time.Time
	quiet bool
}

func newProgress(w io.Writer, total int, desc string, quiet bool) *progress {
	p := &progress{w: w, desc: desc, total: total, start: time.Now(), quiet: quiet}
	if quiet {
		return p
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("ex"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// Set records that done of total units are finished; note is shown beside.
func (p *progress) Set(done int, note string) {
	if p.quiet {
		return
	}
	if p.bar != nil {
		if note != "" {
			p.bar.Describe(p.desc + " " + note)
		}
		p.bar.Set(done)
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 5*time.Second && done < p.total {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	rate := float64(done) / max(el, 1e-9)
	eta := ""
	if done > 0 && done < p.total {
		eta = fmt.Sprintf(", ETA %s", time.Duration(float64(p.total-done)/rate*float64(time.Second)).Round(time.Second))
	}
	fmt.Fprintf(p.w, "%s %d/%d (%.0f/s%s) %s\n", p.desc, done, p.total, rate, eta, note)
}

// Done finishes the bar.
func (p *progress) Done() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
