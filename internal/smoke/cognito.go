package smoke

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// CognitoAPI is the part of the Cognito user pools API Cognito uses;
// *cognitoidentityprovider.Client satisfies it. The caller needs
// cognito-idp:AdminCreateUser, AdminSetUserPassword, AdminInitiateAuth and
// AdminDeleteUser on the pool.
type CognitoAPI interface {
	AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, opts ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminSetUserPassword(ctx context.Context, in *cip.AdminSetUserPasswordInput, opts ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminInitiateAuth(ctx context.Context, in *cip.AdminInitiateAuthInput, opts ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error)
	AdminDeleteUser(ctx context.Context, in *cip.AdminDeleteUserInput, opts ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error)
}

var _ CognitoAPI = (*cip.Client)(nil)

// Cognito is the Identity of a deployed stack's user pool. A user is
// created by the administrator API, as the README's walkthrough does, with
// no invitation mail (MessageAction SUPPRESS), an address under
// example.com (reserved, RFC 2606, so it reaches nobody) and a random
// permanent password; it signs in with ADMIN_USER_PASSWORD_AUTH, the flow
// the stack's app client allows to callers with IAM credentials (the
// front end's SRP needs no change). See
// https://docs.aws.amazon.com/cognito/latest/developerguide/how-to-create-user-accounts.html
// and https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminInitiateAuth.html.
type Cognito struct {
	api              CognitoAPI
	poolID, clientID string

	mu        sync.Mutex
	passwords map[string]string
}

var _ Identity = (*Cognito)(nil)

// NewCognito returns the Identity of the pool poolID signing in through the
// app client clientID (the stack's UserPoolId and UserPoolClientId
// outputs).
func NewCognito(api CognitoAPI, poolID, clientID string) (*Cognito, error) {
	if poolID == "" || clientID == "" {
		return nil, fmt.Errorf("cognito: user pool id %q and app client id %q must both be set", poolID, clientID)
	}
	return &Cognito{api: api, poolID: poolID, clientID: clientID, passwords: map[string]string{}}, nil
}

// CreateUser creates a confirmed user "smoke-<random>@example.com" with a
// verified email and a permanent password.
func (c *Cognito) CreateUser(ctx context.Context) (User, error) {
	name, err := randomName("smoke-")
	if err != nil {
		return User{}, err
	}
	name += "@example.com"
	password, err := randomName("Smoke-1-") // upper, lower, digit and symbol, as the pool's policy wants
	if err != nil {
		return User{}, err
	}
	if _, err := c.api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:    aws.String(c.poolID),
		Username:      aws.String(name),
		MessageAction: ciptypes.MessageActionTypeSuppress,
		UserAttributes: []ciptypes.AttributeType{
			{Name: aws.String("email"), Value: aws.String(name)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	}); err != nil {
		return User{}, fmt.Errorf("create user %s in pool %s: %w", name, c.poolID, err)
	}
	u := User{Name: name}
	if _, err := c.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(c.poolID), Username: aws.String(name), Password: aws.String(password), Permanent: true,
	}); err != nil {
		return u, fmt.Errorf("set the password of user %s: %w", name, err)
	}
	c.mu.Lock()
	c.passwords[name] = password
	c.mu.Unlock()
	return u, nil
}

// Token signs u in and returns its ID token, the token the API's Cognito
// user pools authorizer accepts.
func (c *Cognito) Token(ctx context.Context, u User) (string, error) {
	c.mu.Lock()
	password, ok := c.passwords[u.Name]
	c.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("user %s was not created by this run", u.Name)
	}
	out, err := c.api.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId: aws.String(c.poolID), ClientId: aws.String(c.clientID),
		AuthFlow:       ciptypes.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": u.Name, "PASSWORD": password},
	})
	switch {
	case err != nil:
		return "", fmt.Errorf("sign in user %s with app client %s (ADMIN_USER_PASSWORD_AUTH): %w", u.Name, c.clientID, err)
	case out.ChallengeName != "":
		return "", fmt.Errorf("sign in user %s: Cognito asks for challenge %s", u.Name, out.ChallengeName)
	case out.AuthenticationResult == nil || aws.ToString(out.AuthenticationResult.IdToken) == "":
		return "", fmt.Errorf("sign in user %s: Cognito returned no ID token", u.Name)
	}
	return aws.ToString(out.AuthenticationResult.IdToken), nil
}

// DeleteUser deletes u; a user already gone is not an error.
func (c *Cognito) DeleteUser(ctx context.Context, u User) error {
	_, err := c.api.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(c.poolID), Username: aws.String(u.Name)})
	if errors.As(err, new(*ciptypes.UserNotFoundException)) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("delete user %s from pool %s: %w", u.Name, c.poolID, err)
	}
	c.mu.Lock()
	delete(c.passwords, u.Name)
	c.mu.Unlock()
	return nil
}

// randomName is prefix followed by 128 random bits in hex.
func randomName(prefix string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b[:]), nil
}
