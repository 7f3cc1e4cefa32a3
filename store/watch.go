package store

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchHub shares one inotify instance (the per-user number of instances is
// small) among all Watch calls of a Store, dispatching events by directory.
type watchHub struct {
	log *slog.Logger

	mu     sync.Mutex
	w      *fsnotify.Watcher // nil until first use, or if unavailable
	failed bool
	closed bool
	subs   map[string]map[chan struct{}]struct{}
	done   chan struct{}
}

func newWatchHub(log *slog.Logger) *watchHub {
	return &watchHub{log: log, subs: make(map[string]map[chan struct{}]struct{}), done: make(chan struct{})}
}

// add subscribes ch to events in dir. It reports false when inotify is not
// available; polling then does the work alone.
func (h *watchHub) add(dir string, ch chan struct{}) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.failed {
		return false
	}
	if h.w == nil {
		w, err := fsnotify.NewWatcher()
		if err != nil {
			h.log.Warn("store: inotify unavailable, polling only", "err", err)
			h.failed = true
			return false
		}
		h.w = w
		go h.run(w)
	}
	set := h.subs[dir]
	if set == nil {
		if err := h.w.Add(dir); err != nil {
			return false
		}
		set = make(map[chan struct{}]struct{})
		h.subs[dir] = set
	}
	set[ch] = struct{}{}
	return true
}

func (h *watchHub) remove(dir string, ch chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.subs[dir]
	if set == nil {
		return
	}
	delete(set, ch)
	if len(set) == 0 {
		delete(h.subs, dir)
		if h.w != nil && !h.closed {
			h.w.Remove(dir)
		}
	}
}

func (h *watchHub) run(w *fsnotify.Watcher) {
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			h.mu.Lock()
			for ch := range h.subs[filepath.Dir(ev.Name)] {
				notify(ch)
			}
			// Events on the directory itself (removed, moved away).
			for ch := range h.subs[ev.Name] {
				notify(ch)
			}
			h.mu.Unlock()
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			// An overflow loses events: wake everyone.
			h.log.Warn("store: inotify error", "err", err)
			h.mu.Lock()
			for _, set := range h.subs {
				for ch := range set {
					notify(ch)
				}
			}
			h.mu.Unlock()
		}
	}
}

func (h *watchHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	close(h.done)
	if h.w != nil {
		h.w.Close()
	}
}

// notify sends a coalesced signal: at most one is pending per channel.
func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Watch returns a channel that receives a value whenever the mailbox's log
// may have grown (a delivery, flag change or expunge by any process), with
// signals coalesced: one pending value stands for any number of changes.
// Changes are found through inotify on log/ where it works, and by trying
// log/<H+1> every Options.PollInterval, which finds changes made on other
// NFS clients (FORMAT.md, "Change notification"). The channel is closed when
// ctx ends or the Store is closed. After a signal, call Snapshot and Diff.
func (m *Mailbox) Watch(ctx context.Context) <-chan struct{} {
	out := make(chan struct{}, 1)
	st := m.st
	s := st.s
	if s.closed.Load() {
		close(out)
		return out
	}
	st.mu.Lock()
	h := st.h
	st.mu.Unlock()
	raw := make(chan struct{}, 1)
	dir := st.logDir
	s.hub.add(dir, raw)
	go func() {
		defer close(out)
		defer s.hub.remove(dir, raw)
		t := time.NewTicker(s.opts.PollInterval)
		defer t.Stop()
		// advance moves h past every record that exists now, and reports
		// whether there was any.
		advance := func() bool {
			grew := false
			for {
				if _, err := os.Lstat(filepath.Join(dir, strconv.FormatUint(h+1, 10))); err != nil {
					return grew
				}
				h++
				grew = true
			}
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.hub.done:
				return
			case <-raw:
				advance()
				notify(out)
			case <-t.C:
				if advance() {
					notify(out)
				}
			}
		}
	}()
	return out
}
