package ct

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/cpu"
)

// TestMemcheck is the deterministic half of the constant-time evidence (the
// "ctgrind" method): it builds the tests of internal/mont, srp and totp with
// the valgrind build tag and runs their TestCTGrind under Valgrind's
// Memcheck. Those tests mark the secrets (bases, exponents, passwords, a, b,
// v, the TOTP key) with internal/ctgrind; the check fails on any report that
// a branch or a memory address depended on one. TestCTGrindLeaky runs the
// same way on math/big and must be reported, which shows the check can fail.
//
// Unlike the dudect runs it needs no statistics: one run covers every
// instruction the inputs reach. It cannot see below the instruction level
// (a multiplier or a cache whose timing depends on data values), which is
// what the timing runs are for. It is skipped when valgrind is not
// installed.
func TestMemcheck(t *testing.T) {
	vg, err := exec.LookPath("valgrind")
	if err != nil {
		t.Skip("valgrind is not installed: the memcheck constant-time check did not run")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the valgrind client requests are implemented for linux/amd64 only")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the valgrind-tagged tests: %v", err)
	}
	dir := t.TempDir()
	cases := []struct {
		pkg, run string
		leaky    bool
	}{
		{"internal/mont", "^TestCTGrind$", false},
		{"internal/mont", "^TestCTGrindLeaky$", true},
		{"srp", "^TestCTGrind$", false},
		{"totp", "^TestCTGrind$", false},
	}
	built := map[string]string{}
	for _, c := range cases {
		t.Run(c.pkg+"/"+strings.Trim(c.run, "^$"), func(t *testing.T) {
			bin, ok := built[c.pkg]
			if !ok {
				bin = filepath.Join(dir, strings.ReplaceAll(c.pkg, "/", "_")+".test")
				// No -race: Valgrind runs the plain build.
				cmd := exec.Command(goBin, "test", "-c", "-tags", "valgrind", "-o", bin, "../../"+c.pkg)
				cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("building %s with -tags valgrind: %v\n%s", c.pkg, err, out)
				}
				built[c.pkg] = bin
			}
			reports := memcheck(t, vg, bin, c.run)
			if len(reports) > 0 && !c.leaky {
				// Go's valgrind support is young: a run now and then has a
				// spurious report in code that handles no secret. A real
				// dependence is deterministic (fixed inputs), so it must
				// recur, at the same place, in a second run.
				again := memcheck(t, vg, bin, c.run)
				reports = recurring(reports, again)
			}
			switch {
			case c.leaky && len(reports) == 0:
				t.Errorf("memcheck reported nothing on the variable-time reference: the check is not working")
			case c.leaky:
				t.Logf("the reference is reported %d times, as it must be; the first:\n%s", len(reports), reports[0])
			case len(reports) > 0:
				t.Errorf("%d secret-dependent branches or addresses:\n%s", len(reports), strings.Join(reports, "\n"))
			}
		})
	}
}

// memcheck runs one test of bin under Memcheck and returns the reports that
// concern secrets. The environment keeps the runtime quiet: GOGC=off stops
// the collector (and with it stack shrinking), asyncpreemptoff stops the
// preemption signals that land in the middle of the arithmetic; both make
// Memcheck lose track of stack memory in Go 1.26.
func memcheck(t *testing.T, vg, bin, run string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, vg, "--tool=memcheck", "--error-limit=no", "--num-callers=40",
		bin, "-test.run", run, "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "GOGC=off", "GODEBUG=asyncpreemptoff=1")
	if cpu.X86.HasADX && cpu.X86.HasBMI2 {
		// Valgrind's virtual CPU does not advertise ADX, though it executes
		// MULX/ADCX/ADOX: tell mont to check its assembly kernel too.
		cmd.Env = append(cmd.Env, "CALDERA_CTGRIND_ADX=1")
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	t.Logf("%s", filterLog(stdout.String()))
	if runErr != nil || !strings.Contains(stdout.String(), "--- PASS") {
		t.Fatalf("%s under valgrind: %v\n%s\n%s", run, runErr, stdout.String(), tail(stderr.String(), 4000))
	}
	return secretReports(stderr.String())
}

// recurring keeps the reports of a whose innermost frame (function, file
// and line) also has a report in b.
func recurring(a, b []string) []string {
	top := func(r string) string {
		lines := strings.Split(r, "\n")
		if len(lines) < 2 {
			return r
		}
		_, after, _ := strings.Cut(lines[1], ": ")
		return after
	}
	seen := map[string]bool{}
	for _, r := range b {
		seen[top(r)] = true
	}
	var out []string
	for _, r := range a {
		if seen[top(r)] {
			out = append(out, r)
		}
	}
	return out
}

// filterLog keeps the test's own log lines.
func filterLog(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "--- ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// memcheckHeader matches the first line of a Memcheck error report about
// undefined (here: secret) data deciding something.
var memcheckHeader = regexp.MustCompile(`^==\d+== (Conditional jump or move depends on uninitialised value|Use of uninitialised value of size|Syscall param .* uninitialised)`)

// framePattern matches a stack line of a report: "at 0x…: function (file)"
// or "by 0x…: function (file)".
var framePattern = regexp.MustCompile(`^==\d+==\s+(?:at|by) 0x[0-9A-Fa-f]+: (\S+)`)

// secretReports returns the reports from Valgrind's log that concern secret
// data, without the Go runtime's own: Go 1.26's valgrind support leaves
// Memcheck unsure about some of the scheduler's and allocator's words, which
// it reports as uninitialised with the runtime at the top of the stack (see
// countsAsSecret for the rule that tells them apart).
func secretReports(log string) []string {
	var reports []string
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur []string
	flush := func() {
		if len(cur) > 1 && countsAsSecret(cur) {
			reports = append(reports, strings.Join(cur, "\n"))
		}
		cur = nil
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case memcheckHeader.MatchString(line):
			flush()
			cur = []string{line}
		case cur != nil && framePattern.MatchString(line):
			cur = append(cur, line)
		case len(cur) > 1:
			flush()
		}
	}
	flush()
	return reports
}

// accepted are the reports that are known and public by design, each with
// its reason. A report matches when its innermost frames are these functions.
var accepted = []struct {
	frames []string
	reason string
}{
	{
		[]string{"filippo.io/bigmod.(*Nat).SetBytes", "github.com/caldera-srp/caldera/srp.(*bigmodArith).secret"},
		"bigmod's SetBytes branches on the outcome of its (constant-time) range check; " +
			"that v and b are below N is public, as srp's documentation says",
	},
}

func countsAsSecret(report []string) bool {
	var fns []string
	for _, line := range report[1:] {
		if m := framePattern.FindStringSubmatch(line); m != nil {
			fns = append(fns, m[1])
		}
	}
	if len(fns) == 0 {
		return true
	}
	for _, a := range accepted {
		if len(fns) >= len(a.frames) && slices.Equal(fns[:len(a.frames)], a.frames) {
			return false
		}
	}
	// Walk out from the innermost frame. Runtime functions that work on a
	// program's data (memequal, memmove, map hashing…) are passed through:
	// the report belongs to whoever called them. The first frame outside
	// the runtime decides: the report counts. Any other runtime function on
	// the way (the scheduler, the allocator, the memory profiler) marks it as
	// the runtime's own noise.
	for _, fn := range fns {
		switch {
		case isRuntimeDataFunc(fn):
			continue
		case strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "gosave_") || fn == "gogo" || fn == "???":
			return false
		default:
			return true
		}
	}
	return false
}

// isRuntimeDataFunc reports whether fn is a runtime function that reads or
// moves a program's data on its behalf.
func isRuntimeDataFunc(fn string) bool {
	for _, p := range []string{"runtime.memequal", "memeqbody", "runtime.memeqbody", "cmpbody", "runtime.cmpbody",
		"runtime.cmpstring", "runtime.mapaccess", "runtime.mapassign", "runtime.memhash", "runtime.strhash",
		"runtime.aeshash", "runtime.indexbyte", "indexbytebody", "runtime.memmove", "runtime.slicebytetostring",
		"runtime.concatstring", "runtime.growslice"} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}
