package api

import (
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"go-lambda-cdk/internal/layout"
)

// owner returns the owner segment of the caller: the sub claim that API
// Gateway's Cognito user pools authorizer puts in
// requestContext.authorizer.claims. Without claims it is
// layout.AnonymousOwner when the API runs without authentication
// (AuthMode layout.AuthModeNone) and a 401 otherwise, so a method left
// without its authorizer by mistake serves nobody. A sub that cannot be a
// key segment (see layout.ValidOwner) is refused with 403.
func (h *Handler) owner(req *events.APIGatewayProxyRequest) (string, error) {
	sub, ok := Sub(req)
	switch {
	case !ok && h.cfg.AuthMode == layout.AuthModeCognito:
		return "", fail(http.StatusUnauthorized, "unauthorized", "the request carries no authenticated caller")
	case !ok:
		return layout.AnonymousOwner, nil
	case sub == layout.AnonymousOwner || !layout.ValidOwner(sub):
		return "", fail(http.StatusForbidden, "invalid_caller", "the caller's sub claim cannot own uploads")
	}
	return sub, nil
}

// Sub returns the sub claim of the request's authorizer claims and whether
// there is a non-empty one. API Gateway's Cognito user pools authorizer
// passes the token's claims as strings in requestContext.authorizer.claims.
func Sub(req *events.APIGatewayProxyRequest) (string, bool) {
	claims, _ := req.RequestContext.Authorizer["claims"].(map[string]any)
	sub, _ := claims["sub"].(string)
	return sub, sub != ""
}
