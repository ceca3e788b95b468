// Package docs holds the project's specification (protocol.md) and
// architecture notes, and tests that keep the code's citations of them
// honest. It has no non-test code.
package docs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specFile is the specification every "docs/protocol.md §N" cites.
const specFile = "protocol.md"

// spec is the structure of protocol.md a citation can name: the numbered
// "## N." sections, the "### Step K." headings inside each, and the anchors
// of all headings.
type spec struct {
	steps   map[int]map[int]bool // section → its steps
	anchors map[string]bool
}

var (
	sectionHeading = regexp.MustCompile(`^## (\d+)\.\s`)
	stepHeading    = regexp.MustCompile(`^### Step (\d+)\.\s`)
	anyHeading     = regexp.MustCompile(`^#{1,6}\s+(.*)$`)
)

// parseSpec reads the section and step structure of a protocol.md text. It
// refuses sections out of order or repeated, and steps outside a section.
func parseSpec(text string) (*spec, error) {
	s := &spec{steps: map[int]map[int]bool{}, anchors: map[string]bool{}}
	cur, last := 0, 0
	fence := false
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if fence {
			continue
		}
		if m := anyHeading.FindStringSubmatch(line); m != nil {
			s.anchors[anchor(m[1])] = true
		}
		if m := sectionHeading.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n != last+1 {
				return nil, fmt.Errorf("line %d: section %d follows section %d", i+1, n, last)
			}
			s.steps[n] = map[int]bool{}
			cur, last = n, n
			continue
		}
		if strings.HasPrefix(line, "## ") {
			cur = 0 // an unnumbered section (Sources) ends the numbered one
			continue
		}
		if m := stepHeading.FindStringSubmatch(line); m != nil {
			k, _ := strconv.Atoi(m[1])
			if cur == 0 {
				return nil, fmt.Errorf("line %d: step %d outside a numbered section", i+1, k)
			}
			if s.steps[cur][k] {
				return nil, fmt.Errorf("line %d: step %d repeated in section %d", i+1, k, cur)
			}
			s.steps[cur][k] = true
		}
	}
	return s, nil
}

// anchor is GitHub's anchor for a heading: lower case, punctuation other
// than '-' and '_' dropped, spaces turned into '-'.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 0x7f && isLetter(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isLetter(r rune) bool { return strings.ToUpper(string(r)) != strings.ToLower(string(r)) }

// ref is one resolved reference: a section, and a step in it when step > 0.
type ref struct{ section, step int }

func (r ref) String() string {
	if r.step > 0 {
		return fmt.Sprintf("§%d step %d", r.section, r.step)
	}
	return fmt.Sprintf("§%d", r.section)
}

// citation is one "docs/protocol.md …" occurrence in a file.
type citation struct {
	pos  string // file:line
	text string // as written, comment markers of wrapped lines removed
	refs []ref
	frag string // the #anchor of a link form, if any
}

var (
	// wrap joins a line to the next across comment markers ("//", "#",
	// " * "), so that a citation broken over two comment lines reads as one.
	wrap = regexp.MustCompile(`[ \t]*\n[ \t]*(?://+|#+(?:\s|$)|\*\s)?[ \t]*`)
	// item is one cited part: "§3", "§§2–3", "§5–§7", "6" (after a comma),
	// each optionally with "step K" or "steps K–L".
	itemRE = `§{0,2}\d+(?:\s*[–-]\s*§?\d+)?(?:\s+steps?\s+\d+(?:\s*[–-]\s*\d+)?)?`
	// citeRE: the path, then a list of items joined by ",", "and" or ";".
	citeRE = regexp.MustCompile(`(?:docs/)?protocol\.md(#[\w-]+)?(?:\s*(` + itemRE + `(?:\s*(?:,|;|and)\s*` + itemRE + `)*))?`)
	// bareRE: a "§N" not introduced by the file name, such as protocol.md's
	// references to itself or "(§6)" after an earlier citation in a comment.
	// Dotted numbers (§5.5.2) and "RFC 5054 §2" belong to other documents.
	bareRE   = regexp.MustCompile(`§{1,2}\d+(?:\.\d+)*(?:\s*[–-]\s*§?\d+)?(?:\s+steps?\s+\d+(?:\s*[–-]\s*\d+)?)?`)
	otherDoc = regexp.MustCompile(`(?:RFC\s*\d+|Section)\s*$`)
	itemOnly = regexp.MustCompile(itemRE)
	partRE   = regexp.MustCompile(`^§{0,2}(\d+)(?:\s*[–-]\s*§?(\d+))?(?:\s+steps?\s+(\d+)(?:\s*[–-]\s*(\d+))?)?$`)
)

// citations finds every citation of the specification in text.
func citations(name, text string) ([]citation, error) {
	// Keep line numbers: map each offset of the joined text back to a line.
	var out []citation
	joined, lines := joinWrapped(text)
	for _, m := range citeRE.FindAllStringSubmatchIndex(joined, -1) {
		c := citation{pos: fmt.Sprintf("%s:%d", name, lines(m[0])), text: joined[m[0]:m[1]]}
		if m[2] >= 0 {
			c.frag = joined[m[2]+1 : m[3]]
		}
		if m[4] >= 0 {
			for _, part := range itemOnly.FindAllString(joined[m[4]:m[5]], -1) {
				refs, err := expand(part)
				if err != nil {
					return nil, fmt.Errorf("%s: %q: %v", c.pos, c.text, err)
				}
				c.refs = append(c.refs, refs...)
			}
		}
		out = append(out, c)
	}
	spans := citeRE.FindAllStringIndex(joined, -1)
	for _, m := range bareRE.FindAllStringIndex(joined, -1) {
		inside := false
		for _, sp := range spans {
			inside = inside || m[0] >= sp[0] && m[0] < sp[1]
		}
		text := joined[m[0]:m[1]]
		// bareRE only takes a '.' inside a dotted number.
		if inside || strings.Contains(text, ".") || otherDoc.MatchString(joined[max(0, m[0]-16):m[0]]) {
			continue
		}
		c := citation{pos: fmt.Sprintf("%s:%d", name, lines(m[0])), text: text}
		refs, err := expand(text)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %v", c.pos, c.text, err)
		}
		c.refs = refs
		out = append(out, c)
	}
	return out, nil
}

// joinWrapped removes the line breaks (with the comment markers after them)
// from text and returns a function from an offset in the result to the
// 1-based line of the original.
func joinWrapped(text string) (string, func(int) int) {
	var b strings.Builder
	var lineAt []int // line of each byte of the result
	line, prev := 1, 0
	for _, m := range wrap.FindAllStringIndex(text, -1) {
		b.WriteString(text[prev:m[0]])
		for range m[0] - prev {
			lineAt = append(lineAt, line)
		}
		b.WriteByte(' ')
		lineAt = append(lineAt, line)
		line++
		prev = m[1]
	}
	b.WriteString(text[prev:])
	for range len(text) - prev {
		lineAt = append(lineAt, line)
	}
	return b.String(), func(off int) int { return lineAt[off] }
}

// expand turns one cited part into references: a range of sections, or one
// section with a step or a range of steps.
func expand(part string) ([]ref, error) {
	m := partRE.FindStringSubmatch(strings.TrimSpace(part))
	if m == nil {
		return nil, fmt.Errorf("cannot read %q", part)
	}
	from, _ := strconv.Atoi(m[1])
	to := from
	if m[2] != "" {
		to, _ = strconv.Atoi(m[2])
	}
	if to < from {
		return nil, fmt.Errorf("backwards range in %q", part)
	}
	if m[3] == "" {
		var out []ref
		for n := from; n <= to; n++ {
			out = append(out, ref{section: n})
		}
		return out, nil
	}
	if to != from {
		return nil, fmt.Errorf("steps of a range of sections in %q", part)
	}
	k1, _ := strconv.Atoi(m[3])
	k2 := k1
	if m[4] != "" {
		k2, _ = strconv.Atoi(m[4])
	}
	if k2 < k1 {
		return nil, fmt.Errorf("backwards step range in %q", part)
	}
	out := []ref{{section: from}}
	for k := k1; k <= k2; k++ {
		out = append(out, ref{section: from, step: k})
	}
	return out, nil
}

// unresolved returns the problems of c against s: sections, steps and
// anchors that do not exist.
func unresolved(s *spec, c citation) []string {
	var out []string
	for _, r := range c.refs {
		steps, ok := s.steps[r.section]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: %q cites %v: no heading \"## %d.\" in docs/%s", c.pos, c.text, r, r.section, specFile))
		case r.step > 0 && !steps[r.step]:
			out = append(out, fmt.Sprintf("%s: %q cites %v: section %d has no \"### Step %d.\"", c.pos, c.text, r, r.section, r.step))
		}
	}
	if c.frag != "" && !s.anchors[c.frag] {
		out = append(out, fmt.Sprintf("%s: %q: no heading with anchor #%s in docs/%s", c.pos, c.text, c.frag, specFile))
	}
	return out
}

// repoFiles returns the text files of the repository (relative paths),
// without .git, node_modules, and binaries.
func repoFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (n == ".git" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil || !info.Mode().IsRegular() || info.Size() > 4<<20 {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.IndexByte(b[:min(len(b), 8000)], 0) >= 0 {
			return nil // binary
		}
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	require.NoError(t, err)
	return files
}

// TestCitationsResolve: every "docs/protocol.md §N", "§N step K", "§§N–M",
// "§N, §M" and "§N and §M" in any file of the repository names a section
// (and step) that protocol.md has, and no file points at the old external
// specification any more. "protocol.md §N" (as docs/ writes it) and a bare
// "§N" (protocol.md's references to itself, "(§6)" continuing a citation in
// a comment) are checked too; RFC sections and dotted numbers are not ours.
func TestCitationsResolve(t *testing.T) {
	b, err := os.ReadFile(specFile)
	require.NoError(t, err)
	s, err := parseSpec(string(b))
	require.NoError(t, err)
	for n := 1; n <= 9; n++ {
		require.Contains(t, s.steps, n, "protocol.md must keep sections 1–9: the code cites them")
	}

	files := repoFiles(t, "..")
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	old := strings.ToUpper("protocol") + ".md" // not spelled out, or this file would match
	total, refs := 0, 0
	for _, name := range names {
		if name == "docs/docs_test.go" {
			continue // its test table cites missing sections on purpose
		}
		text := files[name]
		assert.NotContains(t, text, old, "%s cites the external specification; cite docs/protocol.md", name)
		cs, err := citations(name, text)
		if !assert.NoError(t, err) {
			continue
		}
		for _, c := range cs {
			total++
			refs += len(c.refs)
			for _, p := range unresolved(s, c) {
				t.Error(p)
			}
		}
	}
	// The tree cites the specification about a hundred times; far fewer
	// means the scan stopped finding them.
	assert.Greater(t, total, 80, "citations found")
	t.Logf("%d citations, %d section or step references, in %d files", total, refs, len(files))
}

// TestCitationForms checks the reader and the resolver on every form the
// tree uses, including citations that must fail.
func TestCitationForms(t *testing.T) {
	s, err := parseSpec("# T\n\n## 1. A\n\n## 2. B\n\n### Step 1. x\n\n### Step 2. y\n\n```\n## 9. in a fence\n```\n\n## 3. C\n\n## Sources\n")
	require.NoError(t, err)
	cases := []struct {
		src     string
		want    []ref
		missing int // unresolved references
	}{
		{"// see (docs/protocol.md §1).", []ref{{1, 0}}, 0},
		{"// (docs/protocol.md §2 step 2)", []ref{{2, 0}, {2, 2}}, 0},
		{"// (docs/protocol.md §2 steps 1–2)", []ref{{2, 0}, {2, 1}, {2, 2}}, 0},
		{"// docs/protocol.md §§1–3, 2", []ref{{1, 0}, {2, 0}, {3, 0}, {2, 0}}, 0},
		{"// docs/protocol.md §1–§2.", []ref{{1, 0}, {2, 0}}, 0},
		{"// docs/protocol.md §1, §3 and §2", []ref{{1, 0}, {3, 0}, {2, 0}}, 0},
		{"// docs/protocol.md §3's rule", []ref{{3, 0}}, 0},
		{"// wrapped (docs/protocol.md §2\n// step 1) here", []ref{{2, 0}, {2, 1}}, 0},
		{"# transcript (docs/protocol.md §1,\n# §2); more", []ref{{1, 0}, {2, 0}}, 0},
		{"see docs/protocol.md for everything", nil, 0},
		{"[x](docs/protocol.md#2-b)", nil, 0},
		// Must fail: a missing section, a missing step, a section that
		// exists only inside a code fence, an unknown anchor.
		{"// docs/protocol.md §4", []ref{{4, 0}}, 1},
		{"// docs/protocol.md §1 step 1", []ref{{1, 0}, {1, 1}}, 1},
		{"// docs/protocol.md §2 steps 2–3", []ref{{2, 0}, {2, 2}, {2, 3}}, 1},
		{"// docs/protocol.md §9", []ref{{9, 0}}, 1},
		{"// docs/protocol.md §§2–4", []ref{{2, 0}, {3, 0}, {4, 0}}, 1},
		{"[x](docs/protocol.md#9-in-a-fence)", nil, 1},
		{"// protocol.md §3", []ref{{3, 0}}, 0},
		// Bare references: to protocol.md itself, unless another document's.
		{"// as in §2 step 1, say", []ref{{2, 0}, {2, 1}}, 0},
		{"// (§4)", []ref{{4, 0}}, 1},
		{"// Specification R2, §5.5.2, via", nil, 0},
		{"// RFC 5054 §4 and RFC 3526 §9", nil, 0},
	}
	for _, tc := range cases {
		cs, err := citations("f", tc.src)
		require.NoError(t, err, tc.src)
		var refs []ref
		missing := 0
		for _, c := range cs {
			refs = append(refs, c.refs...)
			missing += len(unresolved(s, c))
		}
		assert.Equal(t, tc.want, refs, tc.src)
		assert.Equal(t, tc.missing, missing, tc.src)
	}

	_, err = parseSpec("## 1. A\n## 3. C\n")
	assert.ErrorContains(t, err, "section 3 follows section 1")
	_, err = parseSpec("### Step 1. x\n")
	assert.ErrorContains(t, err, "outside a numbered section")
	_, err = expand("§3–§2")
	assert.Error(t, err)
}

// TestSpecFileLine: positions point at the line the citation starts on.
func TestSpecFileLine(t *testing.T) {
	cs, err := citations("x.go", "a\nb\n// c (docs/protocol.md\n// §2 step 1)\nd docs/protocol.md §1\n")
	require.NoError(t, err)
	require.Len(t, cs, 2)
	assert.Equal(t, "x.go:3", cs[0].pos)
	assert.Equal(t, []ref{{2, 0}, {2, 1}}, cs[0].refs)
	assert.Equal(t, "x.go:5", cs[1].pos)
}

var (
	backticked = regexp.MustCompile("`([^`\n]+)`")
	hexValue   = regexp.MustCompile(`^[0-9a-f]{8,}(?:…[0-9a-f]*)?$`)
	b64Value   = regexp.MustCompile(`^[A-Za-z0-9+/]{20,}={1,2}$`)
)

// TestWorkedExamplesExist: every hex value (8 digits or more, possibly cut
// with "…") and every padded base64 value that protocol.md quotes, in
// backquotes or in a code block, occurs in the test data it names (the
// vector files of testvectors, hkdf and srp), so a worked example cannot
// drift from the vectors the tests run. The two wrong k values the text
// quotes as mistakes are not test data: they are computed here.
func TestWorkedExamplesExist(t *testing.T) {
	b, err := os.ReadFile(specFile)
	require.NoError(t, err)
	var values []string
	fence := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
			continue
		}
		if fence {
			values = append(values, strings.Fields(line)...)
			continue
		}
		for _, m := range backticked.FindAllStringSubmatch(line, -1) {
			values = append(values, m[1])
		}
	}

	var corpus, raw strings.Builder // lower-cased for hex; as is for base64
	for _, dir := range []string{"../testvectors/testdata", "../hkdf/testdata", "../srp/testdata"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.json"))
		require.NoError(t, err)
		require.NotEmpty(t, files, dir)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			corpus.WriteString(strings.ToLower(string(b)))
			corpus.WriteByte('\n')
			raw.Write(b)
		}
	}
	// The mistakes of protocol.md §1: k without N's sign byte, and with g
	// padded to N's width.
	N := regexp.MustCompile(`"n": "([0-9a-f]{768})"`).FindStringSubmatch(corpus.String())
	require.NotNil(t, N, "N in cognito-common.json")
	for _, msg := range []string{N[1] + "02", "00" + N[1] + strings.Repeat("00", 383) + "02"} {
		bin, err := hex.DecodeString(msg)
		require.NoError(t, err)
		sum := sha256.Sum256(bin)
		corpus.WriteString(hex.EncodeToString(sum[:]) + "\n")
	}
	text := corpus.String()

	checked := 0
	for _, v := range values {
		switch {
		case hexValue.MatchString(v):
			prefix, suffix, _ := strings.Cut(v, "…")
			re := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[0-9a-f]*` + regexp.QuoteMeta(suffix))
			assert.True(t, re.MatchString(text), "protocol.md quotes %s, which no vector file holds", v)
		case b64Value.MatchString(v):
			assert.Contains(t, raw.String(), v, "protocol.md quotes %s, which no vector file holds", v)
		default:
			continue
		}
		checked++
	}
	assert.Greater(t, checked, 30, "values checked")
	t.Logf("%d quoted values found in the vector files", checked)
}
