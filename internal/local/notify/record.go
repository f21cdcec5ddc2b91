// Package notify turns objects created in the local bucket into S3 event
// notifications: it matches them against the template's notification
// configurations (event type, prefix and suffix), builds the S3 event record
// in AWS's exact shape, and invokes the target asynchronously, as Lambda
// does, with retries and a failure record under .local/failed/.
package notify

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"go-lambda-cdk/internal/local/template"
)

// Object is an object stored in the local bucket.
type Object struct {
	Bucket    string
	Key       string // as stored, not URL-encoded
	Size      int64
	ETag      string // without quotes
	VersionID string // "" when the bucket is not versioned
	// EventName is the S3 event without the "s3:" prefix, e.g. "ObjectCreated:Put".
	EventName string
	Time      time.Time
}

// Matches reports whether a notification configuration fires for o: same
// bucket, an event in the configuration ("s3:ObjectCreated:*" covers every
// ObjectCreated event), and a key with the configured prefix and suffix.
func Matches(n template.Notification, o Object) bool {
	if n.Bucket != o.Bucket || !strings.HasPrefix(o.Key, n.Prefix) || !strings.HasSuffix(o.Key, n.Suffix) {
		return false
	}
	if len(o.Key) < len(n.Prefix)+len(n.Suffix) {
		return false // prefix and suffix must not overlap
	}
	for _, e := range n.Events {
		e = strings.TrimPrefix(e, "s3:")
		if e == o.EventName {
			return true
		}
		if group, ok := strings.CutSuffix(e, ":*"); ok && strings.HasPrefix(o.EventName, group+":") {
			return true
		}
	}
	return false
}

// Event is an S3 event notification as Lambda receives it.
type Event struct {
	Records []Record `json:"Records"`
}

// Record is one S3 event record, field for field as S3 sends it (unlike
// events.S3EventRecord, it has no urlDecodedKey and keeps the time format).
type Record struct {
	EventVersion      string            `json:"eventVersion"`
	EventSource       string            `json:"eventSource"`
	AWSRegion         string            `json:"awsRegion"`
	EventTime         string            `json:"eventTime"`
	EventName         string            `json:"eventName"`
	UserIdentity      Identity          `json:"userIdentity"`
	RequestParameters RequestParameters `json:"requestParameters"`
	ResponseElements  map[string]string `json:"responseElements"`
	S3                Entity            `json:"s3"`
}

// Identity is a principal.
type Identity struct {
	PrincipalID string `json:"principalId"`
}

// RequestParameters holds the caller's address.
type RequestParameters struct {
	SourceIPAddress string `json:"sourceIPAddress"`
}

// Entity is the record's "s3" part.
type Entity struct {
	SchemaVersion   string       `json:"s3SchemaVersion"`
	ConfigurationID string       `json:"configurationId"`
	Bucket          BucketEntity `json:"bucket"`
	Object          ObjectEntity `json:"object"`
}

// BucketEntity names the bucket.
type BucketEntity struct {
	Name          string   `json:"name"`
	OwnerIdentity Identity `json:"ownerIdentity"`
	ARN           string   `json:"arn"`
}

// ObjectEntity describes the object; Key is URL-encoded.
type ObjectEntity struct {
	Key       string `json:"key"`
	Size      int64  `json:"size"`
	ETag      string `json:"eTag"`
	VersionID string `json:"versionId,omitempty"`
	Sequencer string `json:"sequencer"`
}

// Local principal and address the records carry.
const (
	localPrincipal = "AWS:AIDALOCALLOCALLOCAL"
	localOwner     = "A1LOCALOWNER"
	localSourceIP  = "127.0.0.1"
)

// NewRecord builds the record S3 sends for o. The key is URL-encoded the way
// S3 does it (a space becomes '+', '/' stays), eventTime has milliseconds,
// and sequencer is a hex string that grows with every call.
func NewRecord(o Object, region, configurationID, requestID string) Record {
	return Record{
		EventVersion:      "2.1",
		EventSource:       "aws:s3",
		AWSRegion:         region,
		EventTime:         o.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		EventName:         o.EventName,
		UserIdentity:      Identity{PrincipalID: localPrincipal},
		RequestParameters: RequestParameters{SourceIPAddress: localSourceIP},
		ResponseElements: map[string]string{
			"x-amz-request-id": requestID,
			"x-amz-id-2":       "local/" + requestID,
		},
		S3: Entity{
			SchemaVersion:   "1.0",
			ConfigurationID: configurationID,
			Bucket: BucketEntity{
				Name: o.Bucket, OwnerIdentity: Identity{PrincipalID: localOwner}, ARN: "arn:aws:s3:::" + o.Bucket,
			},
			Object: ObjectEntity{
				Key: EncodeKey(o.Key), Size: o.Size, ETag: o.ETag, VersionID: o.VersionID, Sequencer: nextSequencer(o.Time),
			},
		},
	}
}

// EncodeKey URL-encodes an object key as S3 event records carry it:
// form encoding of each path segment, so "uploads/x/my song é.mp3" becomes
// "uploads/x/my+song+%C3%A9.mp3". url.QueryUnescape (what
// events.S3Object.URLDecodedKey uses) undoes it.
func EncodeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.QueryEscape(p)
	}
	return strings.Join(parts, "/")
}

var sequencer struct {
	sync.Mutex
	last uint64
}

// nextSequencer returns an upper-case hex sequencer, larger than every one before.
func nextSequencer(t time.Time) string {
	sequencer.Lock()
	defer sequencer.Unlock()
	n := uint64(t.UnixNano())
	if n <= sequencer.last {
		n = sequencer.last + 1
	}
	sequencer.last = n
	return fmt.Sprintf("%016X", n)
}
