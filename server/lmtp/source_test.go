package lmtp

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// lfToCRLF is the normalisation source must perform, written another way:
// every LF not preceded by CR becomes CRLF; CR alone is kept.
func lfToCRLF(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func TestSource(t *testing.T) {
	inputs := []string{
		"",
		"a",
		"\n",
		"\r",
		"\r\n",
		"\n\n",
		"\r\r\n",
		"\n\r",
		"a\nb\r\nc\rd\n",
		"caf\xc3\xa9\n",
		strings.Repeat("x", 40000) + "\n" + strings.Repeat("y\n", 20000),
	}
	wrappers := map[string]func(io.Reader) io.Reader{
		"plain":   func(r io.Reader) io.Reader { return r },
		"onebyte": iotest.OneByteReader,
		"half":    iotest.HalfReader,
		"dataerr": iotest.DataErrReader,
	}
	for _, in := range inputs {
		for name, wrap := range wrappers {
			src := newSource(wrap(strings.NewReader(in)))
			var out []byte
			var err error
			// Read with an odd buffer size so that CRLF pairs straddle reads.
			buf := make([]byte, 7)
			for {
				var n int
				n, err = src.Read(buf)
				out = append(out, buf[:n]...)
				if err != nil {
					break
				}
			}
			if err != io.EOF {
				t.Errorf("%s %q: error %v", name, in, err)
			}
			if want := lfToCRLF(in); string(out) != want {
				t.Errorf("%s %q: got %q, want %q", name, trunc(in), trunc(string(out)), trunc(want))
			}
			if src.n != int64(len(out)) {
				t.Errorf("%s %q: counted %d, produced %d", name, trunc(in), src.n, len(out))
			}
			if want := strings.ContainsFunc(in, func(r rune) bool { return r >= 0x80 }); src.eightBit != want {
				t.Errorf("%s %q: eightBit %v", name, trunc(in), src.eightBit)
			}
			if src.err != nil {
				t.Errorf("%s %q: err %v after a clean read", name, trunc(in), src.err)
			}
			src.release()
		}
	}
}

func TestSourceError(t *testing.T) {
	boom := errors.New("boom")
	src := newSource(io.MultiReader(strings.NewReader("a\nb"), iotest.ErrReader(boom)))
	b, err := io.ReadAll(src)
	if !errors.Is(err, boom) || string(b) != "a\r\nb" || !errors.Is(src.err, boom) {
		t.Errorf("ReadAll = %q, %v; src.err %v", b, err, src.err)
	}
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func FuzzSource(f *testing.F) {
	for _, s := range []string{"a\nb", "\r\r\n", "\n\r\n\r", "x\r"} {
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, in string, size uint8) {
		src := newSource(iotest.HalfReader(strings.NewReader(in)))
		defer src.release()
		buf := make([]byte, int(size)%64+1)
		var out []byte
		for {
			n, err := src.Read(buf)
			out = append(out, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if string(out) != lfToCRLF(in) {
			t.Fatalf("%q: got %q, want %q", in, out, lfToCRLF(in))
		}
	})
}
