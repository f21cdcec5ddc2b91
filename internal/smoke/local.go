package smoke

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go-lambda-cdk/internal/local/auth"
)

// localTokenTTL is the lifetime of a local token: a run takes seconds.
const localTokenTTL = 15 * time.Minute

// Local is the Identity of `make local`: its user pool is the local token
// issuer (package auth), which signs an ID token for any sub and keeps no
// users. A user here is a sub "smoke-<random>" this Identity hands out and
// signs tokens for until it is deleted.
type Local struct {
	issuer *auth.Issuer
	now    func() time.Time

	mu    sync.Mutex
	users map[string]bool
}

var _ Identity = (*Local)(nil)

// NewLocal returns the Identity of the local run whose issuer is issuer
// (auth.LoadOrCreate of local.IssuerDir of its state folder); now is the
// tokens' clock, time.Now when nil.
func NewLocal(issuer *auth.Issuer, now func() time.Time) *Local {
	if now == nil {
		now = time.Now
	}
	return &Local{issuer: issuer, now: now, users: map[string]bool{}}
}

// CreateUser hands out a new sub.
func (l *Local) CreateUser(context.Context) (User, error) {
	name, err := randomName("smoke-")
	if err != nil {
		return User{}, err
	}
	l.mu.Lock()
	l.users[name] = true
	l.mu.Unlock()
	return User{Name: name}, nil
}

// Token signs an ID token for u's sub.
func (l *Local) Token(_ context.Context, u User) (string, error) {
	l.mu.Lock()
	ok := l.users[u.Name]
	l.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("local user %s does not exist", u.Name)
	}
	return l.issuer.Token(u.Name, localTokenTTL, l.now())
}

// DeleteUser forgets u: no token is signed for it any more.
func (l *Local) DeleteUser(_ context.Context, u User) error {
	l.mu.Lock()
	delete(l.users, u.Name)
	l.mu.Unlock()
	return nil
}

// Users lists the users not deleted, sorted.
func (l *Local) Users() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for u := range l.users {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}
