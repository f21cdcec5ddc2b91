package auth

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"go-lambda-cdk/internal/layout"
)

// MaxTokenBytes is the longest token Verify reads; API Gateway refuses
// request headers over 10 KB anyway.
const MaxTokenBytes = 8 << 10

// ErrInvalid is wrapped by every error of Verify.
var ErrInvalid = errors.New("invalid token")

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ,omitempty"`
}

// Token returns a signed ID token for sub, valid from now for ttl (default
// DefaultTTL when 0, at most MaxTTL), with the claims a Cognito ID token
// has: sub, aud, iss, token_use "id", auth_time, iat, exp, jti and
// cognito:username. sub must be a valid owner (layout.ValidOwner), so that
// the API accepts it.
func (i *Issuer) Token(sub string, ttl time.Duration, now time.Time) (string, error) {
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < 0 || ttl > MaxTTL {
		return "", fmt.Errorf("token lifetime %s: allowed 1s to %s", ttl, MaxTTL)
	}
	if sub == layout.AnonymousOwner || !layout.ValidOwner(sub) {
		return "", fmt.Errorf("sub %q: use 1 to %d ASCII letters, digits, '-', '_' or '.', starting with a letter or digit", sub, layout.MaxOwnerBytes)
	}
	h, _ := json.Marshal(header{Alg: "RS256", Kid: i.keyID})
	c, _ := json.Marshal(map[string]any{
		"sub": sub, "aud": ClientID, "iss": IssuerURL, "token_use": "id", "cognito:username": sub,
		"auth_time": now.Unix(), "iat": now.Unix(), "exp": now.Add(ttl).Unix(), "jti": uuid.NewString(),
	})
	signing := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, i.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return signing + "." + b64(sig), nil
}

// strict refuses encodings with non-zero padding bits, so a token has one
// spelling only.
var strict = base64.RawURLEncoding.Strict()

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Verify checks token as API Gateway's Cognito user pools authorizer does
// and returns its claims as the strings the authorizer passes in
// requestContext.authorizer.claims: an RS256 signature by this issuer's
// key (kid), exp after now, iat not after now, iss IssuerURL, aud ClientID
// and token_use "id". A "Bearer " prefix is allowed. Every failure wraps
// ErrInvalid.
func (i *Issuer) Verify(token string, now time.Time) (map[string]string, error) {
	claims, err := i.verify(token, now)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, err)
	}
	return claims, nil
}

func (i *Issuer) verify(token string, now time.Time) (map[string]string, error) {
	if len(token) > MaxTokenBytes {
		return nil, fmt.Errorf("longer than %d bytes", MaxTokenBytes)
	}
	if t, ok := cutPrefixFold(token, "Bearer "); ok {
		token = t
	}
	token = strings.TrimSpace(token)
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("not three dot-separated parts")
	}
	var h header
	if err := decodePart(parts[0], &h); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if h.Alg != "RS256" {
		return nil, fmt.Errorf("alg %q, want RS256", h.Alg)
	}
	if h.Kid != i.keyID {
		return nil, fmt.Errorf("kid %q is not the local issuer's key", h.Kid)
	}
	sig, err := strict.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("signature is not base64url")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&i.key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return nil, errors.New("bad signature")
	}
	var raw map[string]any
	if err := decodePart(parts[1], &raw); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	exp, ok1 := seconds(raw["exp"])
	iat, ok2 := seconds(raw["iat"])
	switch {
	case !ok1 || !ok2:
		return nil, errors.New("exp or iat missing or not a number")
	case !now.Before(time.Unix(exp, 0)):
		return nil, fmt.Errorf("expired at %s", time.Unix(exp, 0).UTC().Format(time.RFC3339))
	case now.Add(time.Minute).Before(time.Unix(iat, 0)):
		return nil, errors.New("issued in the future")
	case raw["iss"] != IssuerURL:
		return nil, fmt.Errorf("iss %v is not %s", raw["iss"], IssuerURL)
	case raw["aud"] != ClientID:
		return nil, fmt.Errorf("aud %v is not the app client %s", raw["aud"], ClientID)
	case raw["token_use"] != "id":
		return nil, fmt.Errorf("token_use %v, want id", raw["token_use"])
	}
	if sub, _ := raw["sub"].(string); sub == "" {
		return nil, errors.New("no sub")
	}
	claims := make(map[string]string, len(raw))
	for k, v := range raw {
		claims[k] = claimString(k, v)
	}
	return claims, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func decodePart(part string, v any) error {
	b, err := strict.DecodeString(part)
	if err != nil {
		return errors.New("not base64url")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errors.New("not a JSON object")
	}
	return nil
}

// seconds reads a NumericDate.
func seconds(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || f < 0 || f > 1<<40 {
		return 0, false
	}
	return int64(f), true
}

// claimString renders a claim as API Gateway does in
// requestContext.authorizer.claims: strings as they are, times as Java's
// Date.toString ("Wed Nov 25 07:00:00 UTC 2026"), other values as JSON.
func claimString(name string, v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		if name == "exp" || name == "iat" || name == "auth_time" {
			return time.Unix(int64(v), 0).UTC().Format("Mon Jan 02 15:04:05 MST 2006")
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
