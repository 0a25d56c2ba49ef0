package credit

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind names a credit-assignment rule.
type Kind int

// The rules of SPEC §11; see the package doc for their definitions.
const (
	BPTT Kind = iota
	Truncated
	EpropRandom
	RFLO
	TBPTT
)

// Rule is a credit-assignment rule with its parameters.
type Rule struct {
	Kind Kind
	// K is the truncation length of tbptt(k), at least 1.
	K int
	// Tau is the time constant of rflo. If Tau is 0, 5 is used.
	Tau float64
}

// String returns the rule's name as ParseRule reads it.
func (r Rule) String() string {
	switch r.Kind {
	case BPTT:
		return "bptt"
	case Truncated:
		return "truncated"
	case EpropRandom:
		return "eprop-random"
	case RFLO:
		return "rflo"
	case TBPTT:
		return fmt.Sprintf("tbptt(%d)", r.K)
	}
	return fmt.Sprintf("Rule(%d)", int(r.Kind))
}

// RuleNames lists the rule names ParseRule accepts (tbptt with any k ≥ 1).
func RuleNames() []string {
	return []string{"bptt", "truncated", "eprop-random", "rflo", "tbptt(k)"}
}

// ParseRule reads a rule name: bptt, truncated, eprop-random, rflo or
// tbptt(k) for an integer k ≥ 1.
func ParseRule(s string) (Rule, error) {
	switch s {
	case "bptt":
		return Rule{Kind: BPTT}, nil
	case "truncated":
		return Rule{Kind: Truncated}, nil
	case "eprop-random":
		return Rule{Kind: EpropRandom}, nil
	case "rflo":
		return Rule{Kind: RFLO}, nil
	}
	if strings.HasPrefix(s, "tbptt(") && strings.HasSuffix(s, ")") {
		k, err := strconv.Atoi(s[len("tbptt(") : len(s)-1])
		if err != nil || k < 1 {
			return Rule{}, fmt.Errorf("credit: rule %q: k must be an integer ≥ 1", s)
		}
		return Rule{Kind: TBPTT, K: k}, nil
	}
	return Rule{}, fmt.Errorf("credit: unknown rule %q (want one of %s)", s, strings.Join(RuleNames(), ", "))
}

// window returns the number of time steps credit flows back through, the
// feedback choice and the rflo decay of rule r for sequences of steps.
func (r Rule) window(steps int) (k int, random bool, tau float64) {
	switch r.Kind {
	case BPTT:
		return steps, false, 0
	case Truncated:
		return 1, false, 0
	case EpropRandom:
		return 1, true, 0
	case RFLO:
		tau = r.Tau
		if tau == 0 {
			tau = 5
		}
		return steps, true, tau
	case TBPTT:
		if r.K < 1 {
			panic("credit: tbptt with k < 1")
		}
		return min(r.K, steps), false, 0
	}
	panic(fmt.Sprintf("credit: unknown rule kind %d", int(r.Kind)))
}
