package sieve

import (
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/loftmail/loft/rfc/rfc5228"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// scriptCache keeps compiled scripts, and compile errors, by the SHA-256
// of their source, the least recently used going first when it holds
// more than max. Every script is compiled with the engine's one Options,
// so the source alone is the key.
type scriptCache struct {
	mu      sync.Mutex
	max     int
	entries map[[32]byte]*list.Element
	lru     list.List // of *cacheEntry, most recent first
}

type cacheEntry struct {
	key    [32]byte
	script *rfc5228.Script
	err    error
}

func newScriptCache(max int) *scriptCache {
	return &scriptCache{max: max, entries: make(map[[32]byte]*list.Element)}
}

// get returns the compiled script for src, calling compile on a miss. Two
// goroutines that miss at once both compile; the result is the same.
func (c *scriptCache) get(src []byte, compile func() (*rfc5228.Script, error)) (*rfc5228.Script, error) {
	key := sha256.Sum256(src)
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.lru.MoveToFront(el)
		e := el.Value.(*cacheEntry)
		c.mu.Unlock()
		return e.script, e.err
	}
	c.mu.Unlock()
	s, err := compile()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok {
		c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, script: s, err: err})
		for c.lru.Len() > c.max {
			old := c.lru.Remove(c.lru.Back()).(*cacheEntry)
			delete(c.entries, old.key)
		}
	}
	return s, err
}

// len returns the number of cached scripts.
func (c *scriptCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// fileSource is the default ScriptSource: the global script from a file,
// the personal one from the store (the script ManageSieve made active).
type fileSource struct {
	path string
}

func (f fileSource) Global(context.Context) (string, []byte, error) {
	if f.path == "" {
		return "", nil, nil
	}
	src, err := os.ReadFile(f.path)
	if err != nil {
		return f.path, nil, err
	}
	return f.path, src, nil
}

func (fileSource) Personal(_ context.Context, _ *directory.Account, sa *store.Account) (string, []byte, error) {
	name, src, err := sa.ActiveSieveScript()
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, nil
	}
	return name, src, err
}

// globalInclude reads `include :global name` (RFC 6609 §3.2): the file
// name.sieve in dir. A name that is empty, starts with ".", or holds a
// path separator or a control character names no script.
func globalInclude(dir, name string) ([]byte, error) {
	if dir == "" || name == "" || strings.HasPrefix(name, ".") ||
		strings.ContainsAny(name, `/\`) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, fmt.Errorf("%w: global script %q", rfc5228.ErrNotFound, name)
	}
	src, err := os.ReadFile(filepath.Join(dir, name+".sieve"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: global script %q", rfc5228.ErrNotFound, name)
	}
	return src, err
}

// personalInclude reads `include :personal name` (RFC 6609 §3.2): the
// account's stored script of that name, active or not.
func personalInclude(sa *store.Account, name string) ([]byte, error) {
	src, err := sa.SieveScript(name)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		return nil, fmt.Errorf("%w: personal script %q", rfc5228.ErrNotFound, name)
	}
	return src, err
}

// DirectorySource returns the ScriptSource of a directory that may keep
// Sieve scripts (the LDAP directory: the global script in its shared
// settings entry, a personal script in each account's entry). It asks dir
// first and, where dir keeps no script, falls back to the global script
// file globalScript ("" for none) and to the account's active script in
// the store, the one ManageSieve manages. A directory that cannot answer
// for the global script fails the run, which keeps the message in INBOX.
func DirectorySource(dir directory.Directory, globalScript string) ScriptSource {
	return directorySource{dir: dir, files: fileSource{path: globalScript}}
}

type directorySource struct {
	dir   directory.Directory
	files fileSource
}

func (s directorySource) Global(ctx context.Context) (string, []byte, error) {
	st, err := s.dir.Settings(ctx)
	if err != nil {
		return "directory settings", nil, err
	}
	if st.GlobalSieveScript != "" {
		return "directory settings", []byte(st.GlobalSieveScript), nil
	}
	return s.files.Global(ctx)
}

func (s directorySource) Personal(ctx context.Context, acct *directory.Account, sa *store.Account) (string, []byte, error) {
	if acct.SieveScript != "" {
		return "directory entry", []byte(acct.SieveScript), nil
	}
	return s.files.Personal(ctx, acct, sa)
}
