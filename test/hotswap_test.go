package test

import (
	"testing"

	"go-lambda-cdk/internal/hotswap"
	"go-lambda-cdk/stacks"
)

// TestHotswapMovesTheStacksLiveAlias: the alias a hotswap moves is the one
// the stack creates and every trigger invokes.
func TestHotswapMovesTheStacksLiveAlias(t *testing.T) {
	if hotswap.LiveAlias != stacks.LiveAlias {
		t.Errorf("hotswap moves alias %q, the stack's triggers invoke %q", hotswap.LiveAlias, stacks.LiveAlias)
	}
}
