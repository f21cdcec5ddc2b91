// Package metricstest reads the EMF lines a metrics.Recorder wrote, for the
// handlers' tests.
package metricstest

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Sums parses every line of data as an EMF document and returns the sum of
// each declared metric's values; it fails the test on a line that is not
// JSON or declares a metric without a numeric member.
func Sums(tb testing.TB, data []byte) map[string]float64 {
	tb.Helper()
	sums := map[string]float64{}
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var doc struct {
			AWS struct {
				CloudWatchMetrics []struct {
					Metrics []struct{ Name string } `json:"Metrics"`
				} `json:"CloudWatchMetrics"`
			} `json:"_aws"`
		}
		var root map[string]any
		if err := json.Unmarshal(line, &doc); err != nil {
			tb.Fatalf("metrics line is not JSON: %v\n%s", err, line)
		}
		_ = json.Unmarshal(line, &root)
		for _, mc := range doc.AWS.CloudWatchMetrics {
			for _, m := range mc.Metrics {
				v, ok := root[m.Name].(float64)
				if !ok {
					tb.Fatalf("metric %s has no numeric value: %s", m.Name, line)
				}
				sums[m.Name] += v
			}
		}
	}
	return sums
}
