package config

// Lifecycle of the upload bucket's objects (bucket.*).
const (
	MaxExpireDays = 3650
	// MinResultsExpireDays keeps the previous day's index for the daily
	// report.
	MinResultsExpireDays = 2
	// NoncurrentVersionExpireDays deletes overwritten or deleted versions
	// of a versioned bucket after this many days.
	NoncurrentVersionExpireDays = 30
	// AbortIncompleteMultipartDays aborts unfinished multipart uploads.
	AbortIncompleteMultipartDays = 1
)

func (b Bucket) validate(add func(string, string, ...any)) {
	if b.UploadsExpireDays < 1 || b.UploadsExpireDays > MaxExpireDays {
		add("bucket.uploadsExpireDays", "%d is out of range; allowed 1 to %d days", b.UploadsExpireDays, MaxExpireDays)
	}
	if b.ResultsExpireDays < MinResultsExpireDays || b.ResultsExpireDays > MaxExpireDays {
		add("bucket.resultsExpireDays", "%d is out of range; allowed %d to %d days (the daily report reads the previous day's index)", b.ResultsExpireDays, MinResultsExpireDays, MaxExpireDays)
	}
}
