package imap

import (
	"github.com/emersion/go-sasl"
)

// loginMech is the server side of the LOGIN SASL mechanism
// (draft-murchison-sasl-login-00 §2), which go-sasl implements only for
// clients: the server asks "Username:", then "Password:", and each answer is
// the plain value. LOGIN is obsolete, but some clients know no other
// mechanism.
type loginMech struct {
	state    int // 0: nothing asked; 1: user name asked; 2: password asked; 3: done
	username string
	check    func(username, password string) error
}

func newLoginServer(check func(username, password string) error) sasl.Server {
	return &loginMech{check: check}
}

// Next implements sasl.Server.
func (m *loginMech) Next(response []byte) ([]byte, bool, error) {
	switch m.state {
	case 0:
		if response != nil {
			// An initial response (RFC 4959) is the user name, as a
			// client-first exchange of LOGIN carries it.
			m.username, m.state = string(response), 2
			return []byte("Password:"), false, nil
		}
		m.state = 1
		return []byte("Username:"), false, nil
	case 1:
		m.username, m.state = string(response), 2
		return []byte("Password:"), false, nil
	case 2:
		m.state = 3
		return nil, true, m.check(m.username, string(response))
	}
	return nil, true, sasl.ErrUnexpectedClientResponse
}
