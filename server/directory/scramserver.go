package directory

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/xdg-go/scram"
)

// SCRAMServer is the server side of one SCRAM-SHA-1 or SCRAM-SHA-256
// exchange (RFC 5802 §5, RFC 7677) against a SCRAMDirectory, with the
// github.com/xdg-go/scram library. Its Next has the shape of go-sasl's
// sasl.Server. Channel binding is not offered: a client that requires it
// (gs2 flag "p") is refused, and one that supports it but does not see it
// offered ("y") is accepted (RFC 5802 §6).
type SCRAMServer struct {
	conv  *scram.ServerConversation
	size  int    // the hash's output size
	step  int    // 0: nothing yet, 1: server-first sent, 2: done
	asked bool   // an empty challenge was sent for client-first-message
	login string // the authentication identity, once the client sent it
	err   error  // the credential lookup's error
}

// NewSCRAMServer starts a SCRAM exchange for mechanism (SCRAMSHA1 or
// SCRAMSHA256; any other is ErrInvalid). ctx is used for the credential
// lookup.
func NewSCRAMServer(ctx context.Context, d SCRAMDirectory, mechanism string) (*SCRAMServer, error) {
	return newSCRAMServer(ctx, d, mechanism, nil)
}

func newSCRAMServer(ctx context.Context, d SCRAMDirectory, mechanism string, nonce scram.NonceGeneratorFcn) (*SCRAMServer, error) {
	h, size, ok := scramHash(mechanism)
	if !ok {
		return nil, fmt.Errorf("%w: SCRAM mechanism %q", ErrInvalid, mechanism)
	}
	s := &SCRAMServer{size: size}
	srv, err := h.NewServer(func(login string) (scram.StoredCredentials, error) {
		c, err := d.SCRAMCredentials(ctx, login, mechanism)
		if err != nil {
			s.err = err
			return scram.StoredCredentials{}, err
		}
		return scram.StoredCredentials{
			KeyFactors: scram.KeyFactors{Salt: string(c.Salt), Iters: c.Iterations},
			StoredKey:  c.StoredKey,
			ServerKey:  c.ServerKey,
		}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if nonce != nil {
		srv = srv.WithNonceGenerator(nonce)
	}
	s.conv = srv.NewConversation()
	return s, nil
}

// Login returns the authentication identity the client gave, "" before
// its first message. It is the account's login name once Next succeeded.
func (s *SCRAMServer) Login() string { return s.login }

// Next takes the client's message (nil or empty for none yet) and returns
// the server's next message: server-first-message, then, with done set,
// server-final-message ("v=…"), which the protocol sends with its success
// reply. Errors: ErrInvalid for a message that does not follow RFC 5802
// §7, or channel binding required; ErrAuthFailed for a wrong proof or an
// authorization identity other than the authentication identity;
// ErrUnavailable; ctx.Err().
func (s *SCRAMServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch s.step {
	case 0:
		if len(response) == 0 && !s.asked {
			// No initial response: an empty challenge asks for
			// client-first-message (RFC 4422 §5), once.
			s.asked = true
			return []byte{}, false, nil
		}
		s.step = 1
		msg := string(response)
		flag, rest, _ := strings.Cut(msg, ",")
		switch {
		case strings.HasPrefix(flag, "p="):
			return nil, true, fmt.Errorf("%w: client requires channel binding, which is not offered", ErrInvalid)
		case flag != "n" && flag != "y":
			return nil, true, fmt.Errorf("%w: SCRAM gs2 flag %q", ErrInvalid, flag)
		}
		authz, rest, _ := strings.Cut(rest, ",")
		user, _, _ := strings.Cut(rest, ",")
		name, ok := strings.CutPrefix(user, "n=")
		if !ok {
			return nil, true, fmt.Errorf("%w: SCRAM client-first-message without n=", ErrInvalid)
		}
		s.login = strings.ReplaceAll(strings.ReplaceAll(name, "=2C", ","), "=3D", "=")
		// Loft has no proxy logins: an authorization identity must be
		// the authentication identity (as for PLAIN, RFC 4616 §2).
		if authz != "" && authz != "a="+name {
			return nil, true, fmt.Errorf("%w: authorization identity differs from %q", ErrAuthFailed, s.login)
		}
		out, err := s.conv.Step(msg)
		if s.err != nil {
			return nil, true, s.err
		}
		if err != nil {
			return nil, true, fmt.Errorf("%w: SCRAM client-first-message: %v", ErrInvalid, err)
		}
		return []byte(out), false, nil
	case 1:
		s.step = 2
		msg := string(response)
		// The library assumes a proof of the hash's size.
		i := strings.LastIndexByte(msg, ',')
		proof, ok := strings.CutPrefix(msg[i+1:], "p=")
		if p, err := base64.StdEncoding.Strict().DecodeString(proof); !ok || err != nil || len(p) != s.size {
			return nil, true, fmt.Errorf("%w: SCRAM client-final-message without a proof of %d octets", ErrInvalid, s.size)
		}
		out, err := s.conv.Step(msg)
		if err != nil {
			if strings.HasPrefix(out, "e=invalid-proof") {
				return nil, true, ErrAuthFailed
			}
			return nil, true, fmt.Errorf("%w: SCRAM client-final-message: %v", ErrInvalid, err)
		}
		if !s.conv.Valid() {
			return nil, true, ErrAuthFailed
		}
		return []byte(out), true, nil
	}
	return nil, true, errors.New("directory: SCRAM exchange already complete")
}
