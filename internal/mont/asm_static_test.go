package mont

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGenerated checks that the committed assembly is what gen_amd64.go
// produces, so that TestAsmStatic and the reviews of the generator speak of
// the code that runs.
func TestGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to run the generator")
	}
	dir := t.TempDir()
	src, err := os.ReadFile("gen_amd64.go")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gen_amd64.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "run", "gen_amd64.go")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen_amd64.go: %v\n%s", err, out)
	}
	for _, f := range []string{"mont_amd64.s", "ifma_amd64.s"} {
		want, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the output of gen_amd64.go: run go generate", f)
		}
	}
}

// TestAsmStatic scans the generated IFMA assembly for the two ways code can leak a
// secret through timing that a reader can see: a conditional jump, and a
// memory address computed from data. Every conditional jump must follow a
// compare or decrement of a counter register (one written only from
// constants, other counters, and by INC/DEC/LEA), and every memory operand
// must be a constant offset from the frame or a pointer register (one
// written only from the arguments, SP and other pointers, plus constants),
// with no index register. It is the static half of the evidence for the
// IFMA kernel, which Valgrind's Memcheck cannot run (Valgrind does not
// implement AVX-512). The analysis does not follow the flow of control, so
// mont_amd64.s, which reuses its loop counters as carry words after the
// loops, is left to Memcheck.
func TestAsmStatic(t *testing.T) {
	for _, file := range []string{"ifma_amd64.s"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		funcs := strings.Split(string(src), "\nTEXT ")[1:]
		if len(funcs) == 0 {
			t.Fatalf("%s: no TEXT blocks", file)
		}
		for _, f := range funcs {
			checkAsmFunc(t, file, f)
		}
	}
}

type asmInst struct {
	op   string
	args []string
	line string
}

var (
	asmMem   = regexp.MustCompile(`^(-?\d*|\w+[+-]\d+)\((\w+)\)(\(\w+\*\d\))?$`)
	asmReg   = regexp.MustCompile(`^(AX|BX|CX|DX|SI|DI|BP|SP|R\d+)$`)
	asmImm   = regexp.MustCompile(`^\$-?(0x)?[0-9a-fA-F]+$`)
	asmJcc   = regexp.MustCompile(`^J[A-Z]+$`)
	asmFPArg = regexp.MustCompile(`^\w+\+\d+\(FP\)$`)
)

func checkAsmFunc(t *testing.T, file, f string) {
	name, _, _ := strings.Cut(f, "(")
	var insts []asmInst
	for _, l := range strings.Split(f, "\n")[1:] {
		l, _, _ = strings.Cut(l, "//")
		l = strings.TrimSpace(l)
		if l == "" || strings.HasSuffix(l, ":") || strings.HasPrefix(l, "#") {
			continue
		}
		op, rest, _ := strings.Cut(l, " ")
		var args []string
		if rest != "" {
			args = strings.Split(rest, ", ")
		}
		insts = append(insts, asmInst{op, args, l})
	}
	// Registers each instruction writes: the last operand, the last two for
	// MULX.
	dests := func(in asmInst) []string {
		switch {
		case len(in.args) == 0, asmJcc.MatchString(in.op), strings.HasPrefix(in.op, "CMP"), strings.HasPrefix(in.op, "TEST"):
			return nil
		case strings.HasPrefix(in.op, "MULX"):
			return in.args[len(in.args)-2:]
		}
		return in.args[len(in.args)-1:]
	}
	writes := map[string][]asmInst{}
	for _, in := range insts {
		for _, d := range dests(in) {
			if asmReg.MatchString(d) {
				writes[d] = append(writes[d], in)
			}
		}
	}
	// Greatest fixed points: a register is a pointer (counter) if every
	// write to it comes from an argument or SP (a constant) or a pointer
	// (counter), possibly plus a constant. Start from "all are" and drop.
	isPtr := map[string]bool{"SP": true, "FP": true}
	isCtr := map[string]bool{}
	for r := range writes {
		isPtr[r], isCtr[r] = true, true
	}
	for changed := true; changed; {
		changed = false
		for r, ws := range writes {
			ptr, ctr := true, true
			for _, w := range ws {
				src := w.args[0]
				switch {
				case w.op == "MOVQ" && asmFPArg.MatchString(src):
					ctr = false
				case w.op == "MOVQ" && asmImm.MatchString(src):
					ptr = false
				case (w.op == "MOVQ") && asmReg.MatchString(src):
					ptr, ctr = ptr && isPtr[src], ctr && isCtr[src]
				case w.op == "ADDQ" && asmImm.MatchString(src):
				case w.op == "LEAQ":
					m := asmMem.FindStringSubmatch(src)
					ok := m != nil && m[3] == ""
					ptr, ctr = ptr && ok && isPtr[m[2]], ctr && ok && m[2] == r
				case (w.op == "XORQ" || w.op == "XORL") && w.args[0] == w.args[1]:
					ptr = false
				case w.op == "INCQ" || w.op == "DECQ":
					ptr = false
				default:
					ptr, ctr = false, false
				}
			}
			if ptr != isPtr[r] || ctr != isCtr[r] {
				isPtr[r], isCtr[r] = ptr, ctr
				changed = true
			}
		}
	}
	for i, in := range insts {
		for _, a := range in.args {
			if !strings.Contains(a, "(") {
				continue
			}
			m := asmMem.FindStringSubmatch(a)
			switch {
			case m == nil:
				t.Errorf("%s %s: unparsed memory operand in %q", file, name, in.line)
			case m[3] != "":
				t.Errorf("%s %s: indexed address in %q", file, name, in.line)
			case !isPtr[m[2]] && in.op != "LEAQ":
				t.Errorf("%s %s: address from data register %s in %q", file, name, m[2], in.line)
			}
		}
		if asmJcc.MatchString(in.op) && in.op != "JMP" {
			ok := i > 0
			if ok {
				prev := insts[i-1]
				ok = prev.op == "DECQ" || strings.HasPrefix(prev.op, "CMP") || prev.op == "LEAQ"
				for _, a := range prev.args {
					if asmReg.MatchString(a) && !isCtr[a] || strings.Contains(a, "(") && prev.op != "LEAQ" {
						ok = false
					}
				}
				if in.op == "JCXZQ" {
					ok = isCtr["CX"]
				}
			}
			if !ok {
				t.Errorf("%s %s: conditional jump %q not on a counter", file, name, in.line)
			}
		}
	}
	if len(insts) < 10 {
		t.Errorf("%s %s: only %d instructions parsed", file, name, len(insts))
	}
}
