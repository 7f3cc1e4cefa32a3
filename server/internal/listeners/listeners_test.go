package listeners

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
)

type fakeConn struct {
	stop chan struct{} // closed by interrupt or kill
	name string
}

// TestShutdownInterrupts: Serve hands accepted connections to accept,
// Shutdown interrupts a running connection, waits for it, makes Serve
// return nil, and refuses later connections and listeners.
func TestShutdownInterrupts(t *testing.T) {
	s := New[*fakeConn]()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	started := make(chan *fakeConn)
	released := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- s.Serve(ln, log, func(nc net.Conn) {
			c := &fakeConn{stop: make(chan struct{}), name: "a"}
			ok := s.Go(c, func() {
				started <- c
				<-c.stop
				nc.Close()
			}, func() { close(released) })
			if !ok {
				t.Error("Go refused a connection before Shutdown")
			}
		})
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	<-started

	stopped := false
	err = s.Shutdown(context.Background(),
		func(c *fakeConn) { close(c.stop) },
		func(c *fakeConn) { t.Errorf("kill(%s) without a deadline", c.name) },
		func() { stopped = true })
	if err != nil || !stopped {
		t.Fatalf("Shutdown = %v, stop called %v; want nil, true", err, stopped)
	}
	<-released
	if err := <-served; err != nil {
		t.Errorf("Serve after Shutdown = %v, want nil", err)
	}
	if !s.ShuttingDown() {
		t.Error("ShuttingDown false after Shutdown")
	}
	select {
	case <-s.Done():
	default:
		t.Error("Done not closed after Shutdown")
	}
	if s.Go(&fakeConn{}, func() { t.Error("served after Shutdown") }, func() {}) {
		t.Error("Go accepted a connection after Shutdown")
	}
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ln2, log, func(net.Conn) { t.Error("accepted after Shutdown") }); err != nil {
		t.Errorf("Serve after Shutdown = %v, want nil", err)
	}
	if _, err := ln2.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("a listener given to Serve after Shutdown is not closed: %v", err)
	}
}

// TestShutdownKills: when the context ends before a connection does, stop
// is called, then kill, and Shutdown returns the context's error once the
// connection has ended.
func TestShutdownKills(t *testing.T) {
	s := New[*fakeConn]()
	c := &fakeConn{stop: make(chan struct{}), name: "stuck"}
	ended := make(chan struct{})
	if !s.Go(c, func() { <-c.stop }, func() { close(ended) }) {
		t.Fatal("Go refused a connection")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var order []string
	err := s.Shutdown(ctx,
		func(*fakeConn) { order = append(order, "interrupt") },
		func(k *fakeConn) { order = append(order, "kill"); close(k.stop) },
		func() { order = append(order, "stop") })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown = %v, want %v", err, context.Canceled)
	}
	<-ended
	if got := len(order); got != 3 || order[0] != "interrupt" || order[1] != "stop" || order[2] != "kill" {
		t.Errorf("calls %v, want [interrupt stop kill]", order)
	}
}
