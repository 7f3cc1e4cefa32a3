package directory

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// pool holds open connections to the LDAP servers of one LDAP directory,
// each bound as one identity: the service account for searches and
// changes, or nobody in particular for the connections on which users
// bind. It opens connections as they are needed, up to its size, tries
// the servers in turn when one cannot be reached (fail-over), and drops a
// connection that failed so that the next use dials again: when a server
// comes back, the next request finds it, with no restart.
type pool struct {
	o      *LDAPOptions
	tls    *tls.Config
	bindDN string // "" leaves the connection anonymous
	bindPW string

	slots chan struct{} // one per connection in use or idle
	mu    sync.Mutex
	idle  []pooledConn

	preferred atomic.Int32 // index in o.URLs of the server that answered last
	dials     atomic.Uint64
}

// pooledConn is a connection and the index in o.URLs of its server.
type pooledConn struct {
	*ldap.Conn
	server int
}

func newPool(o *LDAPOptions, tlsConfig *tls.Config, bindDN, bindPW string) *pool {
	return &pool{
		o:      o,
		tls:    tlsConfig,
		bindDN: bindDN,
		bindPW: bindPW,
		slots:  make(chan struct{}, o.PoolSize),
	}
}

// do runs fn on a connection of the pool, with the connection's request
// timeout set to what is left of ctx and of o.RequestTimeout. A connection
// on which fn fails with a network error is closed; if it had been idle
// in the pool (and so may be one that the server closed meanwhile), fn is
// run once more on a new connection. The error is fn's, or
// ErrUnavailable when no server could be reached or ctx's deadline passed
// first (it wraps context.DeadlineExceeded then), or context.Canceled.
//
// A server on which fn fails so (it accepted the connection but did not
// answer in time, or dropped it) stops being the preferred one, so that
// the next connection is opened to the next server of o.URLs: a server
// that accepts connections and never answers is passed over like one
// that refuses them.
func (p *pool) do(ctx context.Context, fn func(*ldap.Conn) error) error {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return ctxError(ctx)
	}
	defer func() { <-p.slots }()
	for attempt := 0; ; attempt++ {
		c, reused, err := p.get(ctx)
		if err != nil {
			return err
		}
		c.SetTimeout(p.requestTimeout(ctx))
		err = fn(c.Conn)
		if err == nil || !isNetworkError(err) {
			p.put(c)
			return err
		}
		c.Close()
		if n := len(p.o.URLs); n > 1 {
			p.preferred.CompareAndSwap(int32(c.server), int32((c.server+1)%n))
		}
		if ctx.Err() != nil {
			return ctxError(ctx)
		}
		if !reused || attempt > 0 {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
	}
}

// requestTimeout is o.RequestTimeout, or what is left of ctx if less.
func (p *pool) requestTimeout(ctx context.Context) time.Duration {
	timeout := p.o.RequestTimeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
		timeout = max(time.Until(d), time.Millisecond)
	}
	return timeout
}

// get returns an idle connection (reused) or a new one.
func (p *pool) get(ctx context.Context) (c pooledConn, reused bool, err error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		c = p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if !c.IsClosing() {
			p.mu.Unlock()
			return c, true, nil
		}
		c.Close()
	}
	p.mu.Unlock()
	c, err = p.dial(ctx)
	return c, false, err
}

func (p *pool) put(c pooledConn) {
	if c.IsClosing() {
		c.Close()
		return
	}
	p.mu.Lock()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

// dial connects to the first server that answers, beginning with the one
// that answered last, starts TLS if configured and binds as the pool's
// identity.
func (p *pool) dial(ctx context.Context) (pooledConn, error) {
	n := len(p.o.URLs)
	first := int(p.preferred.Load())
	var errs []error
	for i := range n {
		if ctx.Err() != nil {
			return pooledConn{}, ctxError(ctx)
		}
		idx := (first + i) % n
		c, err := p.dialOne(ctx, p.o.URLs[idx])
		if err == nil {
			p.preferred.Store(int32(idx))
			p.dials.Add(1)
			return pooledConn{c, idx}, nil
		}
		errs = append(errs, err)
	}
	if ctx.Err() != nil {
		return pooledConn{}, ctxError(ctx)
	}
	return pooledConn{}, fmt.Errorf("%w: %v", ErrUnavailable, errors.Join(errs...))
}

func (p *pool) dialOne(ctx context.Context, raw string) (*ldap.Conn, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", raw, err)
	}
	tlsConfig := p.tls.Clone()
	tlsConfig.ServerName = u.Hostname()
	dialer := &net.Dialer{Timeout: p.o.DialTimeout}
	if d, ok := ctx.Deadline(); ok {
		dialer.Deadline = d
	}
	c, err := ldap.DialURL(raw, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(tlsConfig))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", raw, err)
	}
	c.SetTimeout(p.requestTimeout(ctx))
	if p.o.StartTLS && u.Scheme == "ldap" {
		if err := c.StartTLS(tlsConfig); err != nil {
			c.Close()
			return nil, fmt.Errorf("%s: StartTLS: %v", raw, err)
		}
	}
	if p.bindDN != "" {
		if err := c.Bind(p.bindDN, p.bindPW); err != nil {
			c.Close()
			// The password is never part of the message.
			return nil, fmt.Errorf("%s: bind as %s: %v", raw, p.bindDN, err)
		}
	}
	return c, nil
}

// ctxError is the error of a done ctx: context.Canceled as it is (the
// caller gave up), a passed deadline as ErrUnavailable (the directory did
// not answer in time) that errors.Is finds context.DeadlineExceeded in.
func ctxError(ctx context.Context) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrUnavailable, deadlinePassed{})
	}
	return err
}

// deadlinePassed is context.DeadlineExceeded for errors.Is, but not a
// net.Error as context.DeadlineExceeded is: the protocol servers take an
// error with Timeout() for their own connection's timeout, and would end
// the session (IMAP BYE autologout) where the directory was only slow.
type deadlinePassed struct{}

func (deadlinePassed) Error() string        { return context.DeadlineExceeded.Error() }
func (deadlinePassed) Is(target error) bool { return target == context.DeadlineExceeded }

// close closes the idle connections; connections in use are closed when
// they are put back.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// isNetworkError reports an error after which a connection cannot be used:
// the connection failed, timed out or was closed. Any error that is not an
// answer of the server counts: go-ldap passes the error of a connection
// that broke while a request waited for its answer (a reset, EOF) on as
// it is, not as an *ldap.Error.
func isNetworkError(err error) bool {
	return !isServerAnswer(err) || ldap.IsErrorAnyOf(err, ldap.ErrorNetwork, ldap.LDAPResultServerDown, ldap.LDAPResultTimeout, ldap.LDAPResultUnavailable, ldap.LDAPResultBusy)
}

// isServerAnswer reports whether err is an LDAP result that a server sent
// (result codes below 200; go-ldap's own errors have codes from 200 up).
func isServerAnswer(err error) bool {
	var le *ldap.Error
	return errors.As(err, &le) && le.ResultCode < ldap.ErrorNetwork
}

// isUnavailable reports an LDAP error that says the server cannot answer
// now, as opposed to an answer about the request.
func isUnavailable(err error) bool {
	return isNetworkError(err) || ldap.IsErrorAnyOf(err,
		ldap.LDAPResultOperationsError, ldap.LDAPResultProtocolError,
		ldap.LDAPResultTimeLimitExceeded, ldap.LDAPResultAdminLimitExceeded,
		ldap.LDAPResultUnavailableCriticalExtension, ldap.LDAPResultLoopDetect,
		ldap.LDAPResultOther, ldap.LDAPResultConnectError, ldap.LDAPResultLocalError,
		ldap.ErrorUnexpectedMessage, ldap.ErrorUnexpectedResponse, ldap.LDAPResultReferral)
}
