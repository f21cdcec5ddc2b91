// Command bench-handlers measures the three functions under the Lambda Runtime
// Interface Emulator: cold start (emulator start to first response), warm
// invoke latency (p50, p99 over sequential invokes) and the processor's peak
// memory on a large object. It prints a Markdown section "## Handlers" and
// puts it into docs/benchmarks.md (-o) in place of the old one.
//
// It also measures the nightly report on a day of up to 100,000 results
// ("## Report at scale"): wall time and peak memory of the report bootstrap.
//
//	go run ./bin/bench-handlers [-warm 500] [-cold 5] [-big-mib 200] [-report-scale 100000] [-sections handlers,report-scale] [-o docs/benchmarks.md]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"go-lambda-cdk/internal/cli"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/benchdoc"
	"go-lambda-cdk/internal/e2e"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/processor"
	"go-lambda-cdk/internal/report"
	"go-lambda-cdk/internal/rie"
	"go-lambda-cdk/internal/s3local"
)

func main() { cli.Main("bench-handlers", run) }

const heading = "## Handlers"

type options struct {
	warm, cold, bigMiB, reportResults int
	write                             string
	// scale is the largest number of results in one day for the report
	// section; s3Latency is added to each S3 request in half of its runs.
	scale     int
	s3Latency time.Duration
	sections  string // comma-separated: handlers, report-scale
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&o.warm, "warm", 500, "sequential warm invokes per function")
	fs.IntVar(&o.cold, "cold", 5, "cold starts per function (the median is reported)")
	fs.IntVar(&o.bigMiB, "big-mib", 200, "size of the large object for the processor's memory, in MiB")
	fs.IntVar(&o.reportResults, "report-results", 20, "results in the bucket when the report runs")
	fs.IntVar(&o.scale, "report-scale", 100000, "results in one day for the \""+scaleHeading+"\" section (runs at 1,000, 10,000, ... up to it)")
	fs.DurationVar(&o.s3Latency, "s3-latency", 15*time.Millisecond, "latency added to every S3 request in half of the report-scale runs")
	fs.StringVar(&o.sections, "sections", "handlers,report-scale", "comma-separated sections to measure: handlers, report-scale")
	fs.StringVar(&o.write, "o", benchdoc.DefaultPath, "Markdown `file` whose \""+heading+"\" section is replaced (or appended); \"\" only prints it")
	if err := cli.Parse(fs, args, stderr); err != nil {
		return err
	}
	sections := map[string]bool{}
	for _, s := range strings.Split(o.sections, ",") {
		sections[strings.TrimSpace(s)] = true
	}
	known := sections["handlers"] || sections["report-scale"]
	if fs.NArg() > 0 || o.warm < 1 || o.cold < 1 || o.bigMiB < 1 || o.reportResults < 0 || o.scale < 1 || o.s3Latency <= 0 || !known {
		return cli.UsageError{Err: fmt.Errorf("usage: bench [-warm N>0] [-cold N>0] [-big-mib N>0] [-report-results N>=0] [-report-scale N>0] [-s3-latency D>0] [-sections handlers,report-scale] [-o FILE]")}
	}
	out, err := measure(ctx, o, sections, stderr)
	if err != nil {
		return err
	}
	for _, sec := range out {
		fmt.Fprint(stdout, sec.text)
		if o.write != "" {
			if err := benchdoc.ReplaceSection(o.write, sec.heading, sec.text); err != nil {
				return err
			}
		}
	}
	return nil
}

// section is one measured "## " section of docs/benchmarks.md.
type section struct{ heading, text string }

type bench struct {
	o     options
	load  string // load average at the start
	log   io.Writer
	boots map[string]string
	srv   *s3local.Server
	env   []string
}

func measure(ctx context.Context, o options, which map[string]bool, log io.Writer) ([]section, error) {
	tmp, err := os.MkdirTemp("", "bench-handlers-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintln(log, "bench: building bootstraps")
	b := &bench{o: o, log: log, load: benchdoc.LoadAverage()}
	if b.boots, err = e2e.Build(ctx, filepath.Join(tmp, "dist")); err != nil {
		return nil, err
	}
	var out []section
	if which["handlers"] {
		text, err := b.handlers(ctx, tmp)
		if err != nil {
			return nil, err
		}
		out = append(out, section{heading, text})
	}
	if which["report-scale"] {
		// In memory: a hundred thousand small objects list much faster
		// there than as files.
		if b.srv, err = s3local.Start(s3local.Options{Buckets: []string{e2e.Bucket}}); err != nil {
			return nil, err
		}
		defer b.srv.Close()
		b.env = e2e.Env(b.srv)
		text, err := b.reportScale(ctx)
		if err != nil {
			return nil, fmt.Errorf("report at scale: %w", err)
		}
		out = append(out, section{scaleHeading, text})
	}
	return out, nil
}

// handlers measures the "## Handlers" section.
func (b *bench) handlers(ctx context.Context, tmp string) (string, error) {
	var err error
	// On disk, so the large object does not sit in this process's memory.
	if b.srv, err = s3local.Start(s3local.Options{Dir: filepath.Join(tmp, "s3"), Buckets: []string{e2e.Bucket}}); err != nil {
		return "", err
	}
	defer b.srv.Close()
	b.env = e2e.Env(b.srv)

	payloads, err := b.prepare(ctx)
	if err != nil {
		return "", err
	}
	var rows []string
	for _, p := range payloads {
		row, err := b.latency(ctx, p)
		if err != nil {
			return "", fmt.Errorf("%s: %w", p.fn, err)
		}
		rows = append(rows, row)
	}
	mem, err := b.memory(ctx)
	if err != nil {
		return "", fmt.Errorf("processor memory: %w", err)
	}
	return b.markdown(rows, mem), nil
}

type payload struct {
	fn, what string
	body     []byte
}

// prepare stores what the invocations read (one small upload, some results)
// and returns one payload per function.
func (b *bench) prepare(ctx context.Context) ([]payload, error) {
	c := b.srv.Client()
	small := layout.Upload{Owner: layout.AnonymousOwner, ID: layout.NewUploadID(), Filename: "small.bin"}.Key()
	smallETag, err := putPattern(ctx, c, small, 1<<10)
	if err != nil {
		return nil, err
	}
	for i := range b.o.reportResults {
		u := layout.Upload{Owner: layout.AnonymousOwner, ID: layout.NewUploadID(), Filename: "f.png"}
		res := processor.Result{ID: u.ID, Owner: u.Owner, Key: u.Key(), Size: int64(1000 + i), ContentType: "image/png", EventTime: time.Now()}
		if err := processor.WriteResult(ctx, c, e2e.Bucket, res); err != nil {
			return nil, err
		}
	}
	apiBody, err := e2e.APIPayload("POST", "/uploads", "", `{"filename":"photo.png","contentType":"image/png","size":123456}`)
	if err != nil {
		return nil, err
	}
	s3Body, err := e2e.S3Payload(small, 1<<10, smallETag, time.Now())
	if err != nil {
		return nil, err
	}
	schedBody, err := e2e.SchedulePayload(time.Now().Add(report.Day)) // reports today
	if err != nil {
		return nil, err
	}
	return []payload{
		{"api", "POST /uploads (presign)", apiBody},
		{"processor", "S3 put of a 1 KiB object (GET with If-Match, hash, PUT index entry and result)", s3Body},
		{"report", fmt.Sprintf("scheduled event, %d results (LIST, %d GETs, PUT)", b.o.reportResults, b.o.reportResults), schedBody},
	}, nil
}

func (b *bench) start(ctx context.Context, fn string) (*rie.Emulator, error) {
	return e2e.Start(ctx, b.boots[fn], fn, b.env, nil)
}

func (b *bench) invoke(ctx context.Context, e *rie.Emulator, body []byte) error {
	r, err := e.Invoke(ctx, body)
	if err != nil {
		return err
	}
	if r.StatusCode != 200 || r.ErrorType != "" {
		return fmt.Errorf("invoke: %d %s %s", r.StatusCode, r.ErrorType, r.Body)
	}
	return nil
}

// latency measures cold starts and warm invokes of one function.
func (b *bench) latency(ctx context.Context, p payload) (string, error) {
	fmt.Fprintf(b.log, "bench: %s: %d cold starts, %d warm invokes\n", p.fn, b.o.cold, b.o.warm)
	var cold []time.Duration
	for range b.o.cold {
		t0 := time.Now()
		e, err := b.start(ctx, p.fn)
		if err != nil {
			return "", err
		}
		err = b.invoke(ctx, e, p.body)
		cold = append(cold, time.Since(t0))
		e.Close()
		if err != nil {
			return "", err
		}
	}
	e, err := b.start(ctx, p.fn)
	if err != nil {
		return "", err
	}
	defer e.Close()
	if err := b.invoke(ctx, e, p.body); err != nil {
		return "", err
	}
	warm := make([]time.Duration, 0, b.o.warm)
	for range b.o.warm {
		t0 := time.Now()
		if err := b.invoke(ctx, e, p.body); err != nil {
			return "", err
		}
		warm = append(warm, time.Since(t0))
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s |", p.fn, p.what,
		ms(quantile(cold, 0.5)), ms(quantile(warm, 0.5)), ms(quantile(warm, 0.99))), nil
}

// memory invokes one processor process on objects of growing size and reads
// its peak resident set (VmHWM) after each.
func (b *bench) memory(ctx context.Context) ([]string, error) {
	e, err := b.start(ctx, "processor")
	if err != nil {
		return nil, err
	}
	defer e.Close()
	var rows []string
	for _, size := range []int64{1 << 10, int64(b.o.bigMiB) << 20 / 10, int64(b.o.bigMiB) << 20} {
		fmt.Fprintf(b.log, "bench: processor on %s\n", mib(size))
		key := layout.Upload{Owner: layout.AnonymousOwner, ID: layout.NewUploadID(), Filename: "big.bin"}.Key()
		eTag, err := putPattern(ctx, b.srv.Client(), key, size)
		if err != nil {
			return nil, err
		}
		body, err := e2e.S3Payload(key, size, eTag, time.Now())
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		if err := b.invoke(ctx, e, body); err != nil {
			return nil, err
		}
		took := time.Since(t0)
		pids := e.FunctionPIDs()
		if len(pids) != 1 {
			return nil, fmt.Errorf("want one function process, found %v", pids)
		}
		hwm, rss, err := procMemory(pids[0])
		if err != nil {
			return nil, err
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", mib(size), ms(took), mib(hwm), mib(rss)))
	}
	return rows, nil
}

// procMemory reads VmHWM and VmRSS of pid, in bytes.
func procMemory(pid int) (hwm, rss int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, value, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch name {
		case "VmHWM":
			hwm = kb << 10
		case "VmRSS":
			rss = kb << 10
		}
	}
	if hwm == 0 {
		return 0, 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
	}
	return hwm, rss, nil
}

// putPattern stores size bytes of a repeating pattern at key, streamed,
// and returns its ETag.
func putPattern(ctx context.Context, c *s3.Client, key string, size int64) (string, error) {
	out, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(e2e.Bucket), Key: aws.String(key),
		Body: &patternReader{size: size}, ContentLength: aws.Int64(size), ContentType: aws.String("application/octet-stream"),
	})
	if err != nil {
		return "", fmt.Errorf("put %s: %w", key, err)
	}
	return aws.ToString(out.ETag), nil
}

// patternReader is a seekable stream of size bytes that holds none of them.
type patternReader struct{ size, off int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > r.size-r.off {
		n = r.size - r.off
	}
	for i := range n {
		p[i] = byte((r.off + i) * 31 % 251)
	}
	r.off += n
	return int(n), nil
}

func (r *patternReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		r.off = offset
	case io.SeekCurrent:
		r.off += offset
	case io.SeekEnd:
		r.off = r.size + offset
	}
	return r.off, nil
}

func quantile(d []time.Duration, q float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*q+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func mib(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func (b *bench) markdown(latency, mem []string) string {
	rieVersion, _ := exec.Command("go", "list", "-m", "-f", "{{.Version}}", rie.Module).Output()
	var s strings.Builder
	fmt.Fprintf(&s, "%s\n\n", heading)
	fmt.Fprintf(&s, "Measured by `go run ./bin/bench-handlers` (part of `make bench`) on %s with %s, %d CPUs (%s/%s host), load average %s at the start. "+
		"Each function is the bootstrap `bundle.Build` makes for the host architecture, run under aws-lambda-rie %s (the version pinned in go.mod) on 127.0.0.1, "+
		"with s3local (gofakes3, objects on disk) as S3 on 127.0.0.1. The emulator does not limit memory or CPU the way Lambda does, so these numbers compare versions of this code on one machine; they are not Lambda's.\n\n",
		time.Now().UTC().Format(time.DateOnly), runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, b.load, strings.TrimSpace(string(rieVersion)))
	fmt.Fprintf(&s, "### Cold start and warm invoke latency\n\n")
	fmt.Fprintf(&s, "Cold start: from starting the emulator to the first response (emulator start, function process start and init, clients built once, first invocation), median of %d. "+
		"Warm: %d sequential invocations of one function process after its first, timed by the caller over HTTP, so the emulator's own overhead is included.\n\n", b.o.cold, b.o.warm)
	fmt.Fprintf(&s, "| function | invocation | cold start | warm p50 | warm p99 |\n|---|---|---:|---:|---:|\n")
	for _, r := range latency {
		s.WriteString(r + "\n")
	}
	fmt.Fprintf(&s, "\n### Processor peak memory\n\n")
	fmt.Fprintf(&s, "One processor process handles an S3 event for each object in turn. VmHWM (peak resident set since the process started) and VmRSS are read from `/proc/<pid>/status` of the bootstrap process after each invocation. "+
		"The object is streamed (SHA-256, byte count, content type from the first 512 bytes), so the peak must not grow with the object's size.\n\n")
	fmt.Fprintf(&s, "| object | invocation | VmHWM after | VmRSS after |\n|---:|---:|---:|---:|\n")
	for _, r := range mem {
		s.WriteString(r + "\n")
	}
	s.WriteString("\n")
	return s.String()
}
