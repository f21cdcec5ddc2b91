package main

import (
	"maps"
	"testing"
)

func TestParseBench(t *testing.T) {
	output := "goos: linux\nBenchmarkReload logs a line\nBenchmarkReload-2   \t      3\t 812345678 ns/op\t       410.5 max-ms\t       350.0 p50-ms\nPASS\n"
	tests := []struct {
		name, output, bench string
		want                Result
		wantErr             bool
	}{
		{"the result line, past a log line that starts with the name", output, "BenchmarkReload", Result{N: 3, Metrics: map[string]float64{"ns/op": 812345678, "max-ms": 410.5, "p50-ms": 350}}, false},
		{"another benchmark is not it", output, "BenchmarkRe", Result{}, true},
		{"no result line", "FAIL\n", "BenchmarkReload", Result{}, true},
		{"a value that is no number", "BenchmarkReload 3 x ns/op\n", "BenchmarkReload", Result{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBench(tt.output, tt.bench)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseBench error %v, want error %v", err, tt.wantErr)
			}
			if got.N != tt.want.N || !maps.Equal(got.Metrics, tt.want.Metrics) {
				t.Errorf("ParseBench = %+v, want %+v", got, tt.want)
			}
		})
	}
}
