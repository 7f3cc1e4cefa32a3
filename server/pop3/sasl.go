package pop3

import (
	"github.com/emersion/go-sasl"
)

// loginServer is the server side of the LOGIN mechanism
// (draft-murchison-sasl-login-00 §2), which go-sasl offers only as a client:
// the server asks "Username:" and then "Password:", each answered with the
// plain value. An initial response (RFC 5034 §4) is taken as the user name.
// LOGIN is obsolete but still the only mechanism some clients know.
type loginServer struct {
	step         int
	username     string
	authenticate func(username, password string) error
}

var (
	loginUsernameChallenge = []byte("Username:")
	loginPasswordChallenge = []byte("Password:")
)

func newLoginServer(authenticate func(username, password string) error) sasl.Server {
	return &loginServer{authenticate: authenticate}
}

// Next implements sasl.Server.
func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		if response == nil {
			l.step = 1
			return loginUsernameChallenge, false, nil
		}
		l.username, l.step = string(response), 2
		return loginPasswordChallenge, false, nil
	case 1:
		l.username, l.step = string(response), 2
		return loginPasswordChallenge, false, nil
	case 2:
		l.step = 3
		return nil, true, l.authenticate(l.username, string(response))
	}
	return nil, true, sasl.ErrUnexpectedClientResponse
}
