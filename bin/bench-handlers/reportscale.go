package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"go-lambda-cdk/internal/e2e"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/objects"
	"go-lambda-cdk/internal/processor"
	"go-lambda-cdk/internal/report"
	"go-lambda-cdk/internal/rie"
	"go-lambda-cdk/internal/s3local"
)

const scaleHeading = "## Report at scale"

// reportTimeout is the report function's timeout in the stack
// (functions.report.timeoutSeconds).
const reportTimeout = 300 * time.Second

// scaleRow is one run of the report bootstrap on a day of n results.
type scaleRow struct {
	results  int
	latency  time.Duration // added to every S3 request
	took     time.Duration
	hwm, rss int64
	count    int
}

// reportScale fills one day's index with growing numbers of results, up to
// o.scale, and runs the report bootstrap under the emulator on it at each
// step, once straight against s3local and once through a proxy that adds
// o.s3Latency to every request, as S3's own latency would.
func (b *bench) reportScale(ctx context.Context) (string, error) {
	day := report.ReportedDay(time.Now()) // yesterday, 00:00 UTC
	steps := []int{}
	for n := 1000; n < b.o.scale; n *= 10 {
		steps = append(steps, n)
	}
	steps = append(steps, b.o.scale)
	proxy, err := latencyProxy(b.srv.URL(), b.o.s3Latency)
	if err != nil {
		return "", err
	}
	defer proxy.Close()
	var rows []scaleRow
	stored := 0
	for _, n := range steps {
		fmt.Fprintf(b.log, "bench: report: storing %d results in one day\n", n)
		t0 := time.Now()
		if err := b.storeResults(ctx, day, stored, n); err != nil {
			return "", err
		}
		fmt.Fprintf(b.log, "bench: report: stored in %s\n", time.Since(t0).Round(time.Millisecond))
		stored = n
		for _, latency := range []time.Duration{0, b.o.s3Latency} {
			endpoint := b.srv.URL()
			if latency > 0 {
				endpoint = proxy.url
			}
			row, err := b.runReport(ctx, day, endpoint)
			if err != nil {
				return "", err
			}
			row.results, row.latency = n, latency
			if row.count != n {
				return "", fmt.Errorf("report counted %d results of %d", row.count, n)
			}
			fmt.Fprintf(b.log, "bench: report: %d results, +%s per request: %s, VmHWM %s\n", n, latency, row.took.Round(time.Millisecond), mib(row.hwm))
			rows = append(rows, row)
		}
	}
	return b.scaleMarkdown(rows), nil
}

// storeResults writes the index entries from..to-1 of day, 32 at a time.
func (b *bench) storeResults(ctx context.Context, day time.Time, from, to int) error {
	c := b.srv.Client()
	types := []string{"image/png", "application/pdf", "text/plain; charset=utf-8", "audio/mpeg"}
	next := make(chan int)
	errs := make([]error, 32)
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := range next {
				u := layout.Upload{Owner: fmt.Sprintf("user-%d", i%97), ID: fmt.Sprintf("%032x", i), Filename: "f.bin"}
				res := processor.Result{ID: u.ID, Owner: u.Owner, Key: u.Key(), ETag: "0123456789abcdef0123456789abcdef",
					Size: int64(1000 + i%5000), SHA256: strings.Repeat("ab", 32), ContentType: types[i%len(types)],
					EventTime: day.Add(time.Duration(i%86400) * time.Second)}
				// The index entry only: it is all the report reads.
				if err := objects.PutJSON(ctx, c, e2e.Bucket, layout.DayIndexKey(res.EventTime, res.ID), res); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		})
	}
	for i := from; i < to; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// runReport starts a report emulator whose S3 endpoint is endpoint, fires
// the scheduled event of the day after day, and reads the function's peak
// memory.
func (b *bench) runReport(ctx context.Context, day time.Time, endpoint string) (scaleRow, error) {
	env := make([]string, 0, len(b.env))
	for _, kv := range b.env {
		if !strings.HasPrefix(kv, "AWS_ENDPOINT_URL_S3=") {
			env = append(env, kv)
		}
	}
	env = append(env, "AWS_ENDPOINT_URL_S3="+endpoint)
	e, err := rie.Start(ctx, rie.Options{
		Bootstrap: b.boots["report"], FunctionName: "report", Env: env, Timeout: reportTimeout, MemoryMB: 256,
	})
	if err != nil {
		return scaleRow{}, err
	}
	defer e.Close()
	body, err := e2e.SchedulePayload(day.Add(report.Day))
	if err != nil {
		return scaleRow{}, err
	}
	t0 := time.Now()
	if err := b.invoke(ctx, e, body); err != nil {
		return scaleRow{}, err
	}
	row := scaleRow{took: time.Since(t0)}
	pids := e.FunctionPIDs()
	if len(pids) != 1 {
		return scaleRow{}, fmt.Errorf("want one function process, found %v", pids)
	}
	if row.hwm, row.rss, err = procMemory(pids[0]); err != nil {
		return scaleRow{}, err
	}
	var rep report.Report
	if err := getReport(ctx, b.srv, day, &rep); err != nil {
		return scaleRow{}, err
	}
	row.count = rep.Count
	return row, nil
}

func (b *bench) scaleMarkdown(rows []scaleRow) string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s\n\n", scaleHeading)
	fmt.Fprintf(&s, "Measured by `go run ./bin/bench-handlers` (part of `make bench`) on %s with %s, %d CPUs, load average %s at the start. "+
		"One UTC day's index (`results/by-day/<day>/`) holds N results in s3local (gofakes3, in memory, on 127.0.0.1), written as the processor writes them. "+
		"The report bootstrap (host build) runs under the Runtime Interface Emulator with a 300 s timeout (the stack's) and 256 MB; one fresh emulator per run. "+
		"Wall time is from the scheduled event's invoke to the emulator's answer (list the day, GET every entry with %d in flight, PUT the report); "+
		"VmHWM is the function process's peak resident set, from `/proc/<pid>/status` after the run. "+
		"Rows with added latency send every S3 request through a local proxy that waits that long first, standing in for S3's own 10-20 ms per GET.\n\n",
		time.Now().UTC().Format(time.DateOnly), runtime.Version(), runtime.NumCPU(), b.load, report.DefaultConcurrency)
	fmt.Fprintf(&s, "| results in the day | added S3 latency | wall time | results/s | VmHWM after | VmRSS after |\n|---:|---:|---:|---:|---:|---:|\n")
	var worst float64
	for _, r := range rows {
		rate := float64(r.results) / r.took.Seconds()
		if r.latency > 0 && r.results == b.o.scale {
			worst = rate
		}
		fmt.Fprintf(&s, "| %s | %s | %s | %s | %s | %s |\n", thousands(r.results), r.latency, r.took.Round(10*time.Millisecond),
			thousands(int(rate)), mib(r.hwm), mib(r.rss))
	}
	fmt.Fprintf(&s, "\nThe largest daily volume the configured timeout (%s) supports is about %s results: the slowest rate measured at %s results (%s added per request), "+
		"times the timeout, less 10 %% for the listing's start and the report's PUT. "+
		"Here the rate is bound by CPU (the S3 server, the proxy, the emulator and the function share this machine's cores), not by the pool; "+
		"on Lambda the pool bounds it at %d GETs in flight / 10-20 ms per GET = 3,200-6,400 results/s, which would allow 0.9-1.9 million results in %s. "+
		"For more, raise report.DefaultConcurrency (the S3 client's idle connections follow it) or the timeout.\n\n",
		reportTimeout, thousands(int(worst*reportTimeout.Seconds()*0.9)), thousands(b.o.scale), b.o.s3Latency, report.DefaultConcurrency, reportTimeout)
	return s.String()
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// proxy is a reverse proxy to s3local that delays every request.
type proxy struct {
	url string
	srv *http.Server
}

func latencyProxy(target string, delay time.Duration) (*proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 256}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{url: "http://" + ln.Addr().String()}
	p.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *proxy) Close() { _ = p.srv.Close() }

// getReport reads the report of day from the server.
func getReport(ctx context.Context, srv *s3local.Server, day time.Time, rep *report.Report) error {
	return objects.GetJSON(ctx, srv.Client(), e2e.Bucket, layout.ReportKey(day), 1<<20, rep)
}
