package layout

import (
	"fmt"
	"time"
)

// MinProcessorBytesPerSecond is the throughput the processor is assumed to
// reach at least when it streams an upload from S3 and hashes it: 10 MiB/s.
// Lambda's S3 reads are usually several times faster, and the local
// benchmark (docs/benchmarks.md, "Processor peak memory") hashes near
// 1 GiB/s; the margin covers a small memory size's CPU share and a slow
// network path.
const MinProcessorBytesPerSecond = 10 << 20

// ProcessorOverhead is the part of the processor's timeout kept for
// everything but reading the upload: cold start, client set-up and the
// writes of the result and its index entry.
const ProcessorOverhead = 5 * time.Second

// MaxProcessableBytes is the largest upload a processor with this timeout
// can read at MinProcessorBytesPerSecond; 0 when the timeout does not
// exceed ProcessorOverhead.
func MaxProcessableBytes(timeout time.Duration) int64 {
	if timeout <= ProcessorOverhead {
		return 0
	}
	return int64((timeout - ProcessorOverhead).Seconds() * MinProcessorBytesPerSecond)
}

// CheckUploadFitsProcessor returns an error when an upload of
// maxUploadBytes could not be processed within the processor's timeout at
// MinProcessorBytesPerSecond, naming both settings and what would fit.
// The stack's validation applies it to api.maxUploadBytes and
// functions.processor.timeoutSeconds.
func CheckUploadFitsProcessor(maxUploadBytes int64, timeout time.Duration) error {
	if limit := MaxProcessableBytes(timeout); maxUploadBytes > limit {
		need := ProcessorOverhead + time.Duration(float64(maxUploadBytes)/MinProcessorBytesPerSecond*float64(time.Second))
		return fmt.Errorf("an upload of %d bytes needs a processor timeout of at least %d s at %d MiB/s plus %s, but it is %d s; "+
			"allowed at this timeout: at most %d bytes",
			maxUploadBytes, int64(need.Seconds()+0.999), MinProcessorBytesPerSecond>>20, ProcessorOverhead, int64(timeout.Seconds()), limit)
	}
	return nil
}
