//go:build !amd64

package genetics

// prefetchRows is a no-op on platforms without a prefetch hint.
func prefetchRows(a, b *uint64, lines int) {}
