// Package deps holds no code: its test checks the module's package layout.
// The commands that need no CDK (the build step, the local run, the
// redrive, preflight, the scaffold, smoke and hotswap) must not link
// aws-cdk-go or jsii, which start a Node.js kernel and cost seconds of
// build and start-up; and stacks/ holds only packages that define
// constructs, so no package outside the CDK app imports from under it.
package deps
