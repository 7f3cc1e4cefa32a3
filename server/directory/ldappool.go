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
	idle  []*ldap.Conn

	preferred atomic.Int32 // index in o.URLs of the server that answered last
	dials     atomic.Uint64
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
		timeout := p.o.RequestTimeout
		if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
			timeout = max(time.Until(d), time.Millisecond)
		}
		c.SetTimeout(timeout)
		err = fn(c)
		if err == nil || !isNetworkError(err) {
			p.put(c)
			return err
		}
		c.Close()
		if ctx.Err() != nil {
			return ctxError(ctx)
		}
		if !reused || attempt > 0 {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
	}
}

// get returns an idle connection (reused) or a new one.
func (p *pool) get(ctx context.Context) (c *ldap.Conn, reused bool, err error) {
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

func (p *pool) put(c *ldap.Conn) {
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
func (p *pool) dial(ctx context.Context) (*ldap.Conn, error) {
	n := len(p.o.URLs)
	first := int(p.preferred.Load())
	var errs []error
	for i := range n {
		if ctx.Err() != nil {
			return nil, ctxError(ctx)
		}
		idx := (first + i) % n
		c, err := p.dialOne(ctx, p.o.URLs[idx])
		if err == nil {
			p.preferred.Store(int32(idx))
			p.dials.Add(1)
			return c, nil
		}
		errs = append(errs, err)
	}
	if ctx.Err() != nil {
		return nil, ctxError(ctx)
	}
	return nil, fmt.Errorf("%w: %v", ErrUnavailable, errors.Join(errs...))
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
	c.SetTimeout(p.o.RequestTimeout)
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
// not answer in time) wrapping context.DeadlineExceeded.
func ctxError(ctx context.Context) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

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
// the connection failed, timed out or was closed.
func isNetworkError(err error) bool {
	return ldap.IsErrorAnyOf(err, ldap.ErrorNetwork, ldap.LDAPResultServerDown, ldap.LDAPResultTimeout, ldap.LDAPResultUnavailable, ldap.LDAPResultBusy)
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
