package auth

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)

// testIssuer is one key for the whole package: RSA generation is slow.
var testIssuer = sync.OnceValue(func() *Issuer {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return New(k)
})

// sign builds a token with any header and claims, signed by i.
func sign(t testing.TB, i *Issuer, h header, claims map[string]any) string {
	t.Helper()
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(claims)
	s := b64(hb) + "." + b64(cb)
	sum := sha256.Sum256([]byte(s))
	sig, err := rsa.SignPKCS1v15(rand.Reader, i.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return s + "." + b64(sig)
}

func validClaims() map[string]any {
	return map[string]any{"sub": "alice", "aud": ClientID, "iss": IssuerURL, "token_use": "id",
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
}

func TestTokenRoundTrip(t *testing.T) {
	i := testIssuer()
	tok, err := i.Token("alice", 0, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, presented := range []string{tok, "Bearer " + tok, "bearer " + tok} {
		claims, err := i.Verify(presented, now.Add(59*time.Minute))
		if err != nil {
			t.Fatalf("Verify(%.20s...) = %v", presented, err)
		}
		if claims["sub"] != "alice" || claims["aud"] != ClientID || claims["token_use"] != "id" || claims["exp"] != "Wed Nov 25 08:00:00 UTC 2026" {
			t.Errorf("claims %v", claims)
		}
	}
	for _, sub := range []string{"", "_anonymous", "../bob", "a b"} {
		if _, err := i.Token(sub, 0, now); err == nil {
			t.Errorf("Token(%q) made a token the API would refuse", sub)
		}
	}
	if _, err := i.Token("alice", 25*time.Hour, now); err == nil {
		t.Error("Token with a 25 h lifetime")
	}
}

func TestVerifyRefuses(t *testing.T) {
	i := testIssuer()
	other := New(mustKey(t))
	with := func(k string, v any) map[string]any {
		c := validClaims()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	good := header{Alg: "RS256", Kid: i.KeyID()}
	valid := sign(t, i, good, validClaims())
	for _, tc := range []struct {
		name, token string
	}{
		{"empty", ""},
		{"Bearer only", "Bearer "},
		{"two parts", "a.b"},
		{"expired", sign(t, i, good, with("exp", now.Unix()))},
		{"no exp", sign(t, i, good, with("exp", nil))},
		{"exp a string", sign(t, i, good, with("exp", "tomorrow"))},
		{"issued in the future", sign(t, i, good, with("iat", now.Add(time.Hour).Unix()))},
		{"wrong audience", sign(t, i, good, with("aud", "another-client"))},
		{"audience list", sign(t, i, good, with("aud", []string{ClientID}))},
		{"wrong issuer", sign(t, i, good, with("iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x"))},
		{"access token", sign(t, i, good, with("token_use", "access"))},
		{"no sub", sign(t, i, good, with("sub", nil))},
		{"signed by another key", sign(t, other, header{Alg: "RS256", Kid: i.KeyID()}, validClaims())},
		{"another kid", sign(t, i, header{Alg: "RS256", Kid: "x"}, validClaims())},
		{"alg none", strings.Join(append([]string{b64([]byte(`{"alg":"none","kid":"` + i.KeyID() + `"}`))}, strings.Split(valid, ".")[1], ""), ".")},
		{"alg HS256", sign(t, i, header{Alg: "HS256", Kid: i.KeyID()}, validClaims())},
		{"claims swapped", strings.Split(valid, ".")[0] + "." + b64([]byte(`{"sub":"bob"}`)) + "." + strings.Split(valid, ".")[2]},
		{"too long", valid + strings.Repeat("A", MaxTokenBytes)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if claims, err := i.Verify(tc.token, now); err == nil || !errors.Is(err, ErrInvalid) {
				t.Errorf("Verify = %v, %v; want ErrInvalid", claims, err)
			}
		})
	}
	if _, err := i.Verify(valid, now); err != nil {
		t.Errorf("the valid token itself: %v", err)
	}
}

func mustKey(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestLoadOrCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "issuer")
	a, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v; want mode 0600", st, err)
	}
	b, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := a.Token("bob", time.Minute, now)
	if _, err := b.Verify(tok, now); err != nil || a.KeyID() != b.KeyID() {
		t.Errorf("the reloaded issuer refuses the first one's token: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("issuer folder holds %d files, want only the key", len(entries))
	}
	if err := os.WriteFile(filepath.Join(dir, KeyFile), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir); err == nil || !strings.Contains(err.Error(), KeyFile) {
		t.Errorf("a broken key file gave %v, want an error naming it", err)
	}
}

// FuzzVerify feeds arbitrary tokens, and mutations of a valid one, to
// Verify: it must never panic, and accept only a token whose signature,
// issuer, audience, use and times are right.
func FuzzVerify(f *testing.F) {
	i := testIssuer()
	valid := sign(f, i, header{Alg: "RS256", Kid: i.KeyID()}, validClaims())
	for _, seed := range []string{valid, "Bearer " + valid, "", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", valid + "x", strings.Replace(valid, ".", "..", 1)} {
		f.Add(seed, 0)
	}
	f.Fuzz(func(t *testing.T, token string, flip int) {
		if flip > 0 && len(token) > 0 { // flip one byte
			b := []byte(token)
			b[flip%len(b)] ^= 0x01
			token = string(b)
		}
		claims, err := i.Verify(token, now)
		if err != nil {
			if claims != nil || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify = %v, %v", claims, err)
			}
			return
		}
		if claims["sub"] == "" || claims["aud"] != ClientID || claims["iss"] != IssuerURL || claims["token_use"] != "id" {
			t.Fatalf("accepted %q with claims %v", token, claims)
		}
		core := token
		if len(core) >= 7 && strings.EqualFold(core[:7], "Bearer ") {
			core = core[7:]
		}
		if strings.TrimSpace(core) != valid {
			t.Fatalf("accepted a token other than the one signed: %q", token)
		}
	})
}
