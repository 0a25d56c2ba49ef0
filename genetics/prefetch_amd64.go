package genetics

// prefetchRows hints the processor to load lines cache lines from a and from
// b (the parent rows of the next offspring). It never faults.
//
//go:noescape
func prefetchRows(a, b *uint64, lines int)
