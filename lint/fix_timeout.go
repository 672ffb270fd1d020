package lint

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v4"
)

// fixTimeoutMissing inserts "timeout-minutes: N" (the rule's default
// option) as the first key after the job's runs-on, with the job's own
// indentation.
func fixTimeoutMissing(c *fixContext) *Fix {
	t := c.yaml()
	if t == nil {
		return nil
	}
	minutes := 30
	if o, ok := c.opts.(*TimeoutOptions); ok && o.Default > 0 {
		minutes = o.Default
	}
	_, _, job := t.keyAt(c.finding.Line, c.finding.Column)
	job = resolve(job)
	if job == nil || job.Kind != yaml.MappingNode {
		return nil
	}
	if k, _ := valueOf(job, "timeout-minutes"); k != nil {
		return nil
	}
	k, v := valueOf(job, "runs-on")
	if k == nil {
		return nil
	}
	n := strconv.Itoa(minutes)
	e, ok := t.insertEntryAfter(job, k, v, []string{"timeout-minutes: " + n}, "timeout-minutes: "+n)
	if !ok {
		return nil
	}
	return &Fix{Description: fmt.Sprintf("insert timeout-minutes: %d", minutes), Edits: []Edit{e}}
}
