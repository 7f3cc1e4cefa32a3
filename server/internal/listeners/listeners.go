// Package listeners keeps the listeners and the open connections of a
// protocol engine's server, runs its accept loops and its graceful
// shutdown, so that server/imap and server/pop3 share one implementation.
//
// Shapes: a Set[C] is parameterised by the engine's connection type C (a
// pointer to its own conn struct). The engine supplies what differs between
// protocols as functions: what to do with an accepted net.Conn (Serve's
// accept), how to serve one connection (Go's serve), how to ask a
// connection to end at its next command boundary and how to close it
// outright (Shutdown's interrupt and kill).
//
// Units: the only durations are the accept retry delay, which doubles from
// 5ms up to one second after transient (timeout) accept errors, as net/http
// does, and whatever deadline the context given to Shutdown carries.
//
// Errors: Serve returns nil once Shutdown has begun and the listener's
// first permanent Accept error otherwise; Shutdown returns nil when every
// connection ended in time and the context's error when it had to close
// the remaining ones.
//
// The package imports only the standard library (deps_test.go checks it).
package listeners

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Set tracks the listeners and connections of one server. Make one with
// New; its methods are safe for concurrent use.
type Set[C comparable] struct {
	mu        sync.Mutex
	closing   bool
	listeners map[net.Listener]struct{}
	conns     map[C]struct{}
	sessions  sync.WaitGroup
	done      chan struct{} // closed when Shutdown begins

	shutdown atomic.Bool // read without mu by connections
}

// New returns an empty Set.
func New[C comparable]() *Set[C] {
	return &Set[C]{
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[C]struct{}),
		done:      make(chan struct{}),
	}
}

// ShuttingDown reports whether Shutdown has begun.
func (s *Set[C]) ShuttingDown() bool { return s.shutdown.Load() }

// Done returns a channel that is closed when Shutdown begins.
func (s *Set[C]) Done() <-chan struct{} { return s.done }

// Serve accepts connections on ln and hands each to accept, in the calling
// goroutine. It blocks until ln fails or Shutdown is called, and returns nil
// after Shutdown; called after Shutdown, it closes ln and returns nil.
// Transient accept errors are logged on log and retried after a delay.
func (s *Set[C]) Serve(ln net.Listener, log *slog.Logger, accept func(net.Conn)) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shutdown.Load() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// A transient failure (such as too many open files): wait
				// a little and try again, as net/http does.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				log.Warn("accept failed; retrying", "err", err, "delay", backoff)
				select {
				case <-time.After(backoff):
				case <-s.done:
					return nil
				}
				continue
			}
			return err
		}
		backoff = 0
		accept(nc)
	}
}

// Go registers c and runs serve in a new goroutine; when serve returns, c
// is unregistered and then release is called. Go reports false, doing
// nothing, once Shutdown has begun: the caller then refuses the connection
// and releases what it holds itself.
func (s *Set[C]) Go(c C, serve, release func()) bool {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return false
	}
	s.conns[c] = struct{}{}
	s.sessions.Add(1)
	s.mu.Unlock()
	go func() {
		defer func() {
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			release()
			s.sessions.Done()
		}()
		serve()
	}()
	return true
}

// Shutdown closes the listeners, calls interrupt for every registered
// connection and waits for them all to end. When ctx ends first, it calls
// kill for every connection still registered, waits for them to end and
// returns ctx.Err(). In either case stop is called once the wait is over or
// given up, before any kill.
func (s *Set[C]) Shutdown(ctx context.Context, interrupt, kill func(C), stop func()) error {
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		s.shutdown.Store(true)
		close(s.done)
	}
	for ln := range s.listeners {
		ln.Close()
	}
	for c := range s.conns {
		interrupt(c)
	}
	s.mu.Unlock()

	finished := make(chan struct{})
	go func() {
		s.sessions.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		stop()
		return nil
	case <-ctx.Done():
	}
	stop()
	s.mu.Lock()
	for c := range s.conns {
		kill(c)
	}
	s.mu.Unlock()
	<-finished
	return ctx.Err()
}
