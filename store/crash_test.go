package store

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCrash kills a delivering and moving process with SIGKILL at random
// moments, many times, and checks after each kill that no acknowledged
// delivery is lost, no partial message is visible, UIDs keep growing and an
// interrupted move left its message in at least one mailbox; then that
// Check(true) completes every interrupted move, leaving each moved message
// in exactly one mailbox; at the end, that the account is clean.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process crash test")
	}
	rounds := 30 * testScale(t)
	root := filepath.Join(t.TempDir(), "root")
	s, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAccount("crash"); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Account("crash")
	if err := a.CreateMailbox("Keep"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	ids := map[boxUID]string{} // acknowledged (box, UID) -> Message-ID
	acked := map[string]bool{} // acknowledged Message-IDs
	expunged := map[string]bool{}
	// interrupted: an expunge or move of the message was started and not
	// acknowledged; it may have happened, in part (a move's copy) or not.
	// moveInterrupted: one of those was a move, which may leave a copy on
	// each side but never none (RFC 6851 §3.3).
	interrupted := map[string]bool{}
	moveInterrupted := map[string]bool{}
	maxUID := map[string]uint32{}
	repaired, completed := 0, 0
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "LOFT_CRASH_ROOT="+root, "LOFT_CRASH_ROUND="+strconv.Itoa(round))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill after a random number of acknowledgements, or after a
		// random short time; either way at an arbitrary point of the
		// child's work.
		// Every fourth round is killed while it moves: at an intent line,
		// so that SIGKILL lands somewhere in that burst of moves.
		killAfter, killAtMove := -1, -1
		if round%4 == 2 {
			killAtMove = 1 + rng.IntN(3)
		} else if round%2 == 0 {
			killAfter = 1 + rng.IntN(40)
		} else {
			d := time.Duration(rng.IntN(300)) * time.Millisecond
			timer := time.AfterFunc(d, func() { cmd.Process.Kill() })
			defer timer.Stop()
		}
		var lines [][]string
		sc := bufio.NewScanner(stdout)
		n, moves := 0, 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 0 || !strings.Contains("AXxMm", f[0]) || len(f[0]) != 1 {
				continue // go test's own output
			}
			lines = append(lines, f)
			if f[0] == "m" {
				if moves++; moves == killAtMove {
					cmd.Process.Kill()
				}
			}
			if strings.Contains("AXM", f[0]) {
				n++
				if n == killAfter {
					cmd.Process.Kill()
				}
			}
		}
		err = cmd.Wait()
		if err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("round %d: child ended with %v, not by SIGKILL\n%s", round, err, stderr.String())
		}
		newUIDs := map[string][]uint32{}
		pending := map[string]bool{}
		pendingMove := map[string]bool{}
		for _, f := range lines {
			switch f[0] {
			case "A": // A box uid msgid
				at := boxUID{f[1], atou32(t, f[2])}
				ids[at] = f[3]
				acked[f[3]] = true
				newUIDs[at.box] = append(newUIDs[at.box], at.uid)
			case "x", "m": // intent: box uid
				id := ids[boxUID{f[1], atou32(t, f[2])}]
				pending[id] = true
				if f[0] == "m" {
					pendingMove[id] = true
				}
			case "X": // X box uid
				id := ids[boxUID{f[1], atou32(t, f[2])}]
				expunged[id] = true
				delete(pending, id)
			case "M": // M srcbox srcuid dstbox dstuid
				id := ids[boxUID{f[1], atou32(t, f[2])}]
				at := boxUID{f[3], atou32(t, f[4])}
				if id != "" { // "": a delivery that completed but was killed before its acknowledgement
					ids[at] = id
				}
				delete(pending, id)
				newUIDs[at.box] = append(newUIDs[at.box], at.uid)
			}
		}
		for id := range pending {
			interrupted[id] = true
			if pendingMove[id] {
				moveInterrupted[id] = true
			}
		}
		for box, uids := range newUIDs {
			for _, u := range uids {
				if u <= maxUID[box] {
					t.Errorf("round %d: %s UID %d not above %d", round, box, u, maxUID[box])
				}
				maxUID[box] = u
			}
		}
		// Verify with a fresh Store, as a restarted server would.
		vs, err := Open(root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		va, _ := vs.Account("crash")
		count := map[string]int{}
		for _, box := range []string{"INBOX", "Keep"} {
			m := mustMailbox(t, va, box)
			snap := mustSnapshot(t, m)
			if snap.UIDNext <= maxUID[box] {
				t.Errorf("round %d: %s UIDNEXT %d, acknowledged UID %d", round, box, snap.UIDNext, maxUID[box])
			}
			for _, msg := range snap.Messages {
				id, err := readTestMessage(m, msg.UID)
				if err != nil {
					t.Errorf("round %d: %s UID %d: %v", round, box, msg.UID, err)
					continue
				}
				if want, ok := ids[boxUID{box, msg.UID}]; ok && want != id {
					t.Errorf("round %d: %s UID %d holds %s, acknowledged as %s", round, box, msg.UID, id, want)
				}
				count[id]++
			}
		}
		checkCounts(t, fmt.Sprintf("round %d", round), count, acked, expunged, interrupted, moveInterrupted)
		// What an administrator does after a crash: Check(true). It
		// completes an interrupted move, so that every moved message is
		// then in exactly one mailbox; an interrupted expunge has
		// happened or not. Both are then settled, and later rounds hold
		// them to the strict rule.
		vs.grace = 0 // the child is dead: every leftover is abandoned
		rep, err := va.Check(true)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rep.Problems {
			if !p.Repaired {
				t.Errorf("round %d: Check(true) could not repair: %+v", round, p)
			}
			if p.Kind == ProblemMove {
				completed++
			}
		}
		count = map[string]int{}
		for _, box := range []string{"INBOX", "Keep"} {
			m := mustMailbox(t, va, box)
			for _, msg := range mustSnapshot(t, m).Messages {
				id, err := readTestMessage(m, msg.UID)
				if err != nil {
					t.Errorf("round %d, after Check: %s UID %d: %v", round, box, msg.UID, err)
					continue
				}
				count[id]++
			}
		}
		for id := range interrupted {
			switch c := count[id]; {
			case id == "": // a message whose delivery was never acknowledged
			case expunged[id]:
			case moveInterrupted[id] && c != 1:
				t.Errorf("round %d, after Check: %s, whose move was interrupted, present %d times", round, id, c)
			case c == 0:
				expunged[id] = true // an interrupted expunge that happened
			case c > 1:
				t.Errorf("round %d, after Check: %s present %d times", round, id, c)
			}
			delete(interrupted, id)
			delete(moveInterrupted, id)
		}
		checkCounts(t, fmt.Sprintf("round %d, after Check", round), count, acked, expunged, interrupted, moveInterrupted)
		vs.Close()
		if t.Failed() {
			t.Fatalf("round %d failed; child stderr:\n%s", round, stderr.String())
		}
	}
	vs, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer vs.Close()
	vs.grace = 0 // no process is running: every leftover is abandoned
	va, _ := vs.Account("crash")
	rep, err := va.Check(true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		if !p.Repaired {
			t.Errorf("Check(true) could not repair: %+v", p)
		}
		repaired++
	}
	rep, err = va.Check(false)
	if err != nil || !rep.Clean() {
		t.Errorf("Check(false) after repair: %+v, %v", rep, err)
	}
	// What the repair did lost nothing: every acknowledged message that
	// was not expunged is still there, and an interrupted move still has
	// a copy on at least one side.
	count := map[string]int{}
	for _, box := range []string{"INBOX", "Keep"} {
		m := mustMailbox(t, va, box)
		for _, msg := range mustSnapshot(t, m).Messages {
			id, err := readTestMessage(m, msg.UID)
			if err != nil {
				t.Errorf("after repair: %s UID %d: %v", box, msg.UID, err)
				continue
			}
			count[id]++
		}
	}
	checkCounts(t, "after repair", count, acked, expunged, interrupted, moveInterrupted)
	t.Logf("%d rounds, %d acknowledged deliveries, %d interrupted moves completed by Check, %d leftovers repaired at the end, %d records", rounds, len(acked), completed, repaired, rep.Records)
}

// checkCounts checks how many times each acknowledged message is present:
// once, none after an acknowledged expunge, and at least once after an
// interrupted move (a crash between its copy and its expunge leaves a copy
// on each side; none would be a lost message) unless an acknowledged
// expunge followed. An interrupted expunge may or may not have happened.
func checkCounts(t *testing.T, when string, count map[string]int, acked, expunged, interrupted, moveInterrupted map[string]bool) {
	t.Helper()
	for id := range acked {
		switch c := count[id]; {
		case moveInterrupted[id] && !expunged[id] && c < 1:
			t.Errorf("%s: %s lost by an interrupted move", when, id)
		case interrupted[id]:
		case expunged[id]:
			if c != 0 {
				t.Errorf("%s: %s acknowledged expunged, present %d times", when, id, c)
			}
		case c != 1:
			t.Errorf("%s: acknowledged %s present %d times", when, id, c)
		}
	}
}

// TestCrashChild is the process TestCrash kills: it delivers in a loop and
// prints each acknowledged result after the store returned it.
func TestCrashChild(t *testing.T) {
	root := os.Getenv("LOFT_CRASH_ROOT")
	if root == "" {
		t.Skip("only run as a child of TestCrash")
	}
	round, _ := strconv.Atoi(os.Getenv("LOFT_CRASH_ROUND"))
	s, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.snapEvery = 32
	if round%3 == 1 {
		// The portable path, which leaves tmp/ files when killed.
		s.fs.noTmpfile.Store(true)
	}
	a, err := s.Account("crash")
	if err != nil {
		t.Fatal(err)
	}
	inbox := mustMailbox(t, a, "INBOX")
	keep := mustMailbox(t, a, "Keep")
	rng := rand.New(rand.NewPCG(uint64(round), uint64(time.Now().UnixNano())))
	for n := 0; ; n++ {
		switch r := rng.IntN(100); {
		case r < 75:
			id := fmt.Sprintf("r%d.%d@crash", round, n)
			body := testMessage(id, 100+rng.IntN(20000), int64(round*1000000+n))
			msg, err := inbox.Append(strings.NewReader(string(body)), AppendOptions{Flags: []string{"$new"}})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Printf("A INBOX %d %s\n", msg.UID, id)
		case r < 82:
			snap := mustSnapshot(t, inbox)
			if len(snap.Messages) < 5 {
				continue
			}
			uid := snap.Messages[rng.IntN(len(snap.Messages))].UID
			fmt.Printf("x INBOX %d\n", uid)
			if _, err := inbox.Expunge([]uint32{uid}); err != nil {
				t.Fatal(err)
			}
			fmt.Printf("X INBOX %d\n", uid)
		case r < 92:
			// A burst of moves: several messages, each its own copy and
			// expunge, so that a kill can land between them.
			snap := mustSnapshot(t, inbox)
			if len(snap.Messages) < 5 {
				continue
			}
			var uids []uint32
			for i := 1 + rng.IntN(5); i > 0; i-- {
				uids = append(uids, snap.Messages[rng.IntN(len(snap.Messages))].UID)
			}
			uids = uniqueSorted(uids)
			for _, uid := range uids {
				fmt.Printf("m INBOX %d\n", uid)
			}
			res, err := inbox.MoveTo(keep, uids)
			if err != nil || len(res.SrcUIDs) != len(uids) {
				t.Fatalf("MoveTo %v: %+v, %v", uids, res, err)
			}
			for i := range res.SrcUIDs {
				fmt.Printf("M INBOX %d Keep %d\n", res.SrcUIDs[i], res.DstUIDs[i])
			}
		case r < 96:
			snap := mustSnapshot(t, inbox)
			if len(snap.Messages) > 0 {
				uid := snap.Messages[rng.IntN(len(snap.Messages))].UID
				if _, err := inbox.Store([]uint32{uid}, AddFlags, []string{`\Seen`}, 0); err != nil {
					t.Fatal(err)
				}
			}
		default:
			// Mailbox churn: leaves half-created or half-deleted
			// mailboxes behind when killed.
			name := fmt.Sprintf("Tmp/r%d-%d", round, n)
			if err := a.CreateMailbox(name); err != nil {
				t.Fatal(err)
			}
			mustAppend(t, mustMailbox(t, a, name), "Subject: churn\r\n\r\nx\r\n")
			if err := a.RenameMailbox(name, name+"x"); err != nil {
				t.Fatal(err)
			}
			if err := a.DeleteMailbox(name + "x"); err != nil {
				t.Fatal(err)
			}
		}
	}
}
