package store

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Helpers shared by the multi-process tests (TestTorture, TestCrash): the
// test binary re-executes itself with an environment variable that selects
// a worker role.

// testScale is LOFT_TORTURE_SCALE (default 1): a multiplier for the size of
// torture and crash runs.
func testScale(t testing.TB) int {
	v := os.Getenv("LOFT_TORTURE_SCALE")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("LOFT_TORTURE_SCALE=%q: want a positive integer", v)
	}
	return n
}

// testMessage builds a message whose body carries a checksum of itself, so
// that a reader can tell a whole message from a partial or mixed one.
func testMessage(msgID string, payloadLen int, seed int64) []byte {
	var p strings.Builder
	x := uint64(seed)*2654435761 + 1
	for p.Len() < payloadLen {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		fmt.Fprintf(&p, "%016x", x)
		if p.Len()%64 == 0 {
			p.WriteString("\r\n")
		}
	}
	payload := p.String() + "\r\n"
	sum := sha256.Sum256([]byte(payload))
	return []byte("Message-ID: <" + msgID + ">\r\nX-Check: " + hex.EncodeToString(sum[:]) + "\r\nSubject: test\r\n\r\n" + payload)
}

// parseTestMessage returns the Message-ID of a message made by testMessage,
// or an error if its checksum does not match.
func parseTestMessage(data []byte) (string, error) {
	s := string(data)
	head, payload, ok := strings.Cut(s, "\r\n\r\n")
	if !ok {
		return "", fmt.Errorf("no header/body separator in %d octets", len(data))
	}
	var id, check string
	for _, line := range strings.Split(head, "\r\n") {
		if v, ok := strings.CutPrefix(line, "Message-ID: <"); ok {
			id = strings.TrimSuffix(v, ">")
		}
		if v, ok := strings.CutPrefix(line, "X-Check: "); ok {
			check = v
		}
	}
	sum := sha256.Sum256([]byte(payload))
	if id == "" || check != hex.EncodeToString(sum[:]) {
		return "", fmt.Errorf("message %q: checksum mismatch (%d octets)", id, len(data))
	}
	return id, nil
}

// readTestMessage opens uid in m and parses it.
func readTestMessage(m *Mailbox, uid uint32) (string, error) {
	r, err := m.Open(uid)
	if err != nil {
		return "", err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	if int64(len(data)) != r.Size() {
		return "", fmt.Errorf("read %d octets of %d", len(data), r.Size())
	}
	return parseTestMessage(data)
}

// readLines reads a worker's output file.
func readLines(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) > 0 {
			out = append(out, fs)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func atou32(t testing.TB, s string) uint32 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return uint32(v)
}

func atou64(t testing.TB, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return v
}
