package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go-lambda-cdk/internal/synthcache"
	"go-lambda-cdk/stacks"
)

// outdirEnv is the variable through which the CDK CLI names the output
// folder; without it aws-cdk-lib writes into a new temporary folder and
// nothing can be reused.
const outdirEnv = "CDK_OUTDIR"

// cache is the synth cache of one run (see internal/synthcache). Its
// methods print the one line that tells whether the run reused the output
// folder or synthesized, and why.
type cache struct {
	outdir string
	in     synthcache.Inputs
	// prior is the alternative of in (see synthcache.Inputs.Alternatives)
	// whose base key the folder's stamp has: the only inputs whose
	// assembly can serve this run, reused or patched; nil when none.
	prior *synthcache.Inputs
	// off says why nothing can be reused ("" when something can); a run
	// with the cache off still records its synth when it has a key.
	off string
	// reason says why the assembly is synthesized.
	reason string
}

// openCache computes the key of every input but the zips, from the context
// the CLI passed and this process, and finds the stamp's alternative.
func openCache(cdkContext map[string]any) *cache {
	c := &cache{outdir: os.Getenv(outdirEnv)}
	if c.outdir == "" {
		c.off = outdirEnv + " not set"
		return c
	}
	var err error
	if c.in, err = synthcache.Current(cdkContext); err == nil {
		_, err = c.in.BaseKey()
	}
	switch {
	case err != nil:
		c.off = err.Error()
		c.outdir = "" // no key: nothing to record
		return c
	case os.Getenv(synthcache.DisableEnv) == "off":
		c.off = synthcache.DisableEnv + "=off"
		return c
	}
	for _, in := range c.in.Alternatives() {
		if base, err := in.BaseKey(); err == nil && synthcache.MayReuse(c.outdir, base) {
			c.prior = &in
			break
		}
	}
	return c
}

// mayReuse tells whether the synth could still be skipped, depending on
// the zips.
func (c *cache) mayReuse() bool { return c.off == "" && c.prior != nil }

// reuse completes the key with the zips' digests and tells whether the
// output folder holds the assembly of that key; it then prints so, with
// the time since start.
func (c *cache) reuse(digests map[string]string, start time.Time, stderr io.Writer) bool {
	c.in.Assets = digests
	if c.off != "" {
		c.reason = c.off
		return false
	}
	in := c.in // without a prior, Reusable says why this run's own key is not served
	if c.prior != nil {
		c.prior.Assets = digests
		in = *c.prior
	}
	key, err := in.Key()
	if err != nil {
		c.reason = err.Error()
		return false
	}
	ok, reason := synthcache.Reusable(c.outdir, key)
	if !ok {
		c.reason = reason
		return false
	}
	fmt.Fprintf(stderr, "synth: reused %s in %s (key %.12s): nothing that determines it changed since its synth (%s=off synthesizes anyway)\n",
		c.outdir, round(time.Since(start)), key, synthcache.DisableEnv)
	return true
}

// patch rewrites the output folder for the new zips when only they
// changed since its synth (see synthcache.Patch), and prints so. When it
// cannot, reason says why, and the run synthesizes.
func (c *cache) patch(zips stacks.Assets, start time.Time, stderr io.Writer) bool {
	if !c.mayReuse() {
		return false
	}
	done, err := synthcache.Patch(c.outdir, *c.prior, zips)
	if errors.Is(err, synthcache.ErrNotOnlyZips) {
		return false // reuse's reason stands
	}
	if err != nil {
		c.reason = fmt.Sprintf("only the zips of %s changed, but the patch failed: %v", strings.Join(done.Functions, ", "), err)
		return false
	}
	fmt.Fprintf(stderr, "synth: patched %s in %s: only the zips of %s changed (%d asset hashes, %d version IDs, %d template hashes rewritten; %s=off synthesizes anyway)\n",
		c.outdir, round(time.Since(start)), strings.Join(done.Functions, ", "), done.Assets, done.Versions, done.Templates, synthcache.DisableEnv)
	return true
}

// forget removes the folder's stamp before the synth writes into it.
func (c *cache) forget() error {
	if c.outdir == "" {
		return nil
	}
	if err := synthcache.Forget(c.outdir); err != nil {
		return fmt.Errorf("synth cache: %w", err)
	}
	return nil
}

// synthesized records the synth that just succeeded and prints so, with
// timings.
func (c *cache) synthesized(stderr io.Writer, timings string) {
	where := c.outdir
	if where == "" {
		where = "the cloud assembly"
	} else if err := synthcache.Record(c.outdir, c.in); err != nil {
		fmt.Fprintf(stderr, "warning: %v (the next synth will not reuse it)\n", err)
	}
	fmt.Fprintf(stderr, "synth: synthesized %s %s (%s)\n", where, timings, c.reason)
}
