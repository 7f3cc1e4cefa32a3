package rfc5819

import (
	"fmt"
	"strings"

	"github.com/loftmail/loft/rfc/rfc5258"
)

// Capability is the capability name of the extension (§6).
const Capability = "LIST-STATUS"

// Option is the name of the STATUS return option (§2).
const Option = "STATUS"

// ReturnOption is the STATUS return option of LIST-EXTENDED (§4: its value
// is a list of status-att).
var ReturnOption = rfc5258.ReturnOption{Name: Option, Value: true}

// Items returns the STATUS data items that the STATUS return option o asks
// for (§4: "STATUS" SP "(" status-att *(SP status-att) ")"), upper case and
// each once, in the order given. An element that is not an atom is an
// error (a BAD response); whether the server knows the items is its own
// table's business (RFC 3501 §6.3.10).
func Items(o rfc5258.Option) ([]string, error) {
	if len(o.Value) == 0 {
		return nil, fmt.Errorf("LIST return option STATUS needs at least one item")
	}
	var out []string
	for _, v := range o.Value {
		if v.IsList || v.String == "" || strings.ContainsAny(v.String, "(){ %*\"\\]") {
			return nil, fmt.Errorf("LIST return option STATUS: an item must be an atom")
		}
		name := strings.ToUpper(v.String)
		seen := false
		for _, s := range out {
			seen = seen || s == name
		}
		if !seen {
			out = append(out, name)
		}
	}
	return out, nil
}
