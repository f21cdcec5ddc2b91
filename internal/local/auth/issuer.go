// Package auth stands in for a Cognito user pool in the local run: an issuer
// whose RS256 key pair lives in the local state folder, which mints ID
// tokens for any sub (`go run ./bin/local token -sub alice`), and the check
// API Gateway's Cognito user pools authorizer makes on them: signature,
// expiry, issuer, audience (the app client id) and token use.
//
// It is for development only. It verifies tokens of its own key, never a
// real pool's.
package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Identity of the local user pool in the tokens.
const (
	// IssuerURL is the iss claim; Cognito's is
	// https://cognito-idp.<region>.amazonaws.com/<pool id>.
	IssuerURL = "http://127.0.0.1/go-lambda-cdk-local-pool"
	// ClientID is the aud claim: the local app client's id.
	ClientID = "local-app-client"
	// DefaultTTL is a token's lifetime unless asked otherwise; Cognito's
	// ID tokens default to one hour too.
	DefaultTTL = time.Hour
	// MaxTTL is the longest lifetime Token grants, as Cognito's 1 day.
	MaxTTL = 24 * time.Hour
)

// KeyFile is the private key's file name in the issuer's folder.
const KeyFile = "issuer-key.pem"

// Issuer signs and verifies the local pool's tokens.
type Issuer struct {
	key   *rsa.PrivateKey
	keyID string
}

// LoadOrCreate reads the issuer's key from dir/KeyFile, or creates a new
// 2048-bit RSA key there (mode 0600, written through a temporary file, so
// a failed write leaves nothing half-written) when there is none.
func LoadOrCreate(dir string) (*Issuer, error) {
	path := filepath.Join(dir, KeyFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return create(dir, path)
	}
	if err != nil {
		return nil, fmt.Errorf("local issuer: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("local issuer: %s holds no PEM \"PRIVATE KEY\"; delete it to make a new key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("local issuer: %s: %w; delete it to make a new key", path, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("local issuer: %s is not an RSA key; delete it to make a new key", path)
	}
	return New(rk), nil
}

func create(dir, path string) (*Issuer, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("local issuer: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("local issuer: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("local issuer: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".issuer-key-*")
	if err != nil {
		return nil, fmt.Errorf("local issuer: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("local issuer: write key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("local issuer: write key: %w", err)
	}
	// Link, not rename: when two processes create the key at once, the
	// first wins and the second reads it.
	if err := os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
		return LoadOrCreate(dir)
	} else if err != nil {
		return nil, fmt.Errorf("local issuer: %w", err)
	}
	return New(k), nil
}

// New returns an Issuer over key.
func New(key *rsa.PrivateKey) *Issuer {
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	sum := sha256.Sum256(der)
	return &Issuer{key: key, keyID: base64.RawURLEncoding.EncodeToString(sum[:12])}
}

// KeyID is the kid of the tokens: derived from the public key.
func (i *Issuer) KeyID() string { return i.keyID }
