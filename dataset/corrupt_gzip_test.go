package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"strings"
	"testing"
)

// TestCorruptGzipIDX: a gzipped IDX file with a flipped bit is reported as
// a corrupt or truncated gzip stream, never as "the file is longer" (which
// a damaged stream inflating to too many bytes gave before) and never
// read as good data.
func TestCorruptGzipIDX(t *testing.T) {
	raw := binary.BigEndian.AppendUint32(nil, 0x801)
	raw = binary.BigEndian.AppendUint32(raw, 1000)
	for i := range 1000 {
		raw = append(raw, byte(i*7%10))
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	gz := buf.Bytes()
	// Flip each bit of the deflate data and the trailer in turn (the
	// 10-byte gzip header has fields the reader ignores).
	for i := 10; i < len(gz); i++ {
		for bit := range 8 {
			b := bytes.Clone(gz)
			b[i] ^= 1 << bit
			labels, err := ReadLabels(bytes.NewReader(b), "labels.gz")
			if err == nil {
				got := make([]byte, len(labels))
				for j, l := range labels {
					got[j] = byte(l)
				}
				if !bytes.Equal(got, raw[8:]) {
					t.Fatalf("byte %d bit %d: damaged file read as different data without an error", i, bit)
				}
				continue
			}
			msg := err.Error()
			if !strings.Contains(msg, "gzip") && !strings.Contains(msg, "magic") && !strings.Contains(msg, "truncated") {
				t.Fatalf("byte %d bit %d: %v: want a gzip, magic or truncation error", i, bit, err)
			}
		}
	}
}
