package cfnlimits_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"go-lambda-cdk/internal/cfnlimits"
)

func TestBudgetFits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget cfnlimits.Budget
		per    cfnlimits.Cost
		want   int
		by     cfnlimits.Quantity
	}{
		{name: "resources bind", per: cfnlimits.Cost{Resources: 14, Parameters: 1, Bytes: 4000},
			want: budget(cfnlimits.MaxResources) / 14, by: cfnlimits.Resources},
		{name: "bytes bind", per: cfnlimits.Cost{Resources: 1, Bytes: 40_000},
			want: budget(cfnlimits.MaxTemplateBytes) / 40_000, by: cfnlimits.Bytes},
		{name: "parameters bind after the overhead", budget: cfnlimits.Budget{Overhead: cfnlimits.Cost{Parameters: 10}}, per: cfnlimits.Cost{Resources: 1, Parameters: 2},
			want: (budget(cfnlimits.MaxParameters) - 10) / 2, by: cfnlimits.Parameters},
		{name: "outputs bind", per: cfnlimits.Cost{Outputs: 3},
			want: budget(cfnlimits.MaxOutputs) / 3, by: cfnlimits.Outputs},
		{name: "a margin of 1", budget: cfnlimits.Budget{Margin: 1}, per: cfnlimits.Cost{Resources: 10},
			want: cfnlimits.MaxResources / 10, by: cfnlimits.Resources},
		{name: "an overhead over the budget", budget: cfnlimits.Budget{Overhead: cfnlimits.Cost{Resources: cfnlimits.MaxResources}}, per: cfnlimits.Cost{Resources: 1},
			want: 0, by: cfnlimits.Resources},
		{name: "nothing counted", per: cfnlimits.Cost{}, want: math.MaxInt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, by := tc.budget.Fits(tc.per)
			if n != tc.want || by != tc.by {
				t.Errorf("Fits = %d by %q, want %d by %q", n, by, tc.want, tc.by)
			}
			if n > 0 && n < math.MaxInt {
				capacity := tc.budget.Capacity()
				if total := tc.per.Times(n); !within(total, capacity) || within(tc.per.Times(n+1), capacity) {
					t.Errorf("%d functions (%v) should fit %v and one more should not", n, total, capacity)
				}
			}
		})
	}
}

func within(c, capacity cfnlimits.Cost) bool {
	return c.Resources <= capacity.Resources && c.Parameters <= capacity.Parameters && c.Outputs <= capacity.Outputs && c.Bytes <= capacity.Bytes
}

// TestBudgetPack packs random functions and checks what any packing must
// hold: the groups cover the functions in order, each fits, and none could
// take the next group's first function.
func TestBudgetPack(t *testing.T) {
	b := cfnlimits.Budget{Overhead: cfnlimits.Cost{Parameters: 8, Resources: 2, Bytes: 3000}}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 50, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			items := make([]cfnlimits.Item, n)
			for i := range items {
				items[i] = cfnlimits.Item{Name: fmt.Sprintf("fn%03d", i), Cost: cfnlimits.Cost{
					Resources: 8 + rng.IntN(10), Parameters: rng.IntN(3), Outputs: rng.IntN(2), Bytes: 3000 + rng.IntN(9000)}}
			}
			groups, err := b.Pack(items)
			if err != nil {
				t.Fatal(err)
			}
			next := 0
			for i, g := range groups {
				if g.First != next || g.End <= g.First {
					t.Fatalf("group %d is items[%d:%d], want it to start at %d and hold one", i, g.First, g.End, next)
				}
				var sum cfnlimits.Cost
				for _, it := range items[g.First:g.End] {
					sum = sum.Plus(it.Cost)
				}
				if sum.Plus(b.Overhead) != g.Cost || !within(sum, b.Capacity()) {
					t.Errorf("group %d costs %v (reported %v), over the room %v", i, sum, g.Cost, b.Capacity())
				}
				if i+1 < len(groups) && within(sum.Plus(items[g.End].Cost), b.Capacity()) {
					t.Errorf("group %d could have held %s too", i, items[g.End].Name)
				}
				next = g.End
			}
			if next != n {
				t.Errorf("groups end at %d, want all %d items", next, n)
			}
		})
	}
}

func TestBudgetPackRefusesAFunctionTooBig(t *testing.T) {
	b := cfnlimits.Budget{}
	items := []cfnlimits.Item{{Name: "small", Cost: cfnlimits.Cost{Resources: 5}}, {Name: "huge", Cost: cfnlimits.Cost{Resources: budget(cfnlimits.MaxResources) + 1}}}
	_, err := b.Pack(items)
	if err == nil {
		t.Fatal("no error for a function over a nested stack's room")
	}
	for _, want := range []string{"function huge", fmt.Sprintf("%d resources", budget(cfnlimits.MaxResources)+1), "80 %", fmt.Sprintf("%d resources", cfnlimits.MaxResources)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to name %q", err, want)
		}
	}
}
