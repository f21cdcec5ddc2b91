package local

import (
	"bytes"
	"testing"
)

func TestLineWriter(t *testing.T) {
	var out bytes.Buffer
	sw := &syncWriter{w: &out}
	api, proc := newLineWriter(sw, "api"), newLineWriter(sw, "processor")
	api.Write([]byte(`{"level":"INFO","msg":"one"}` + "\n" + `{"msg":`))
	proc.Write([]byte("START\n"))
	api.Write([]byte(`"two"}` + "\n"))
	proc.Write([]byte("no newline"))
	proc.Flush()
	want := "api | {\"level\":\"INFO\",\"msg\":\"one\"}\n" +
		"processor | START\n" +
		"api | {\"msg\":\"two\"}\n" +
		"processor | no newline\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
