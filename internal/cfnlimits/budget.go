package cfnlimits

import (
	"fmt"
	"math"
)

// Budget is the room a nested stack has for functions: CloudFormation's
// per-template quotas times the margin, less what the template holds
// whatever its functions (its Overhead).
type Budget struct {
	// Margin is the share of each quota the template may fill. Default
	// (0): DefaultMargin.
	Margin float64
	// Overhead is what the nested stack holds besides its functions: the
	// parameters through which it receives the shared resources (bucket,
	// API, queue, topic, key), the CDK's metadata, the template's JSON
	// frame. Default: none.
	Overhead Cost
}

// Limit is CloudFormation's quota in each quantity Cost counts.
var Limit = Cost{Resources: MaxResources, Parameters: MaxParameters, Outputs: MaxOutputs, Bytes: MaxTemplateBytes}

func (b Budget) margin() float64 { return Checker{Margin: b.Margin}.margin() }

// Capacity is what functions may add: each quota times the margin, less
// Overhead.
func (b Budget) Capacity() Cost {
	m := b.margin()
	return Cost{
		Resources:  allowed(Limit.Resources, m),
		Parameters: allowed(Limit.Parameters, m),
		Outputs:    allowed(Limit.Outputs, m),
		Bytes:      allowed(Limit.Bytes, m),
	}.Minus(b.Overhead)
}

// Fits is how many functions that each cost per fit in one nested stack,
// and the quantity that bounds it. A quantity per does not use bounds
// nothing; when per uses none at all, Fits is math.MaxInt.
func (b Budget) Fits(per Cost) (int, Quantity) {
	capacity := b.Capacity()
	n, by := math.MaxInt, Quantity("")
	for _, q := range []struct {
		q         Quantity
		room, one int
	}{
		{Resources, capacity.Resources, per.Resources},
		{Parameters, capacity.Parameters, per.Parameters},
		{Outputs, capacity.Outputs, per.Outputs},
		{Bytes, capacity.Bytes, per.Bytes},
	} {
		if q.one <= 0 {
			continue
		}
		if k := max(q.room, 0) / q.one; k < n {
			n, by = k, q.q
		}
	}
	return n, by
}

// Item is one function to place in a nested stack.
type Item struct {
	// Name names the function in errors.
	Name string
	// Cost is what the function adds to the template that holds it.
	Cost Cost
}

// Group is a run of consecutive items that share a nested stack.
type Group struct {
	// First and End delimit the items: items[First:End].
	First, End int
	// Cost is the template's: the items' costs plus Overhead.
	Cost Cost
}

// Pack splits items, in their order, into the fewest consecutive groups
// that each fit Capacity. Keeping the order means adding a function at the
// end changes only the last group's template. An item that does not fit
// an empty nested stack is an error naming it, its cost and the budget.
func (b Budget) Pack(items []Item) ([]Group, error) {
	capacity := b.Capacity()
	fits := func(c Cost) bool {
		return c.Resources <= capacity.Resources && c.Parameters <= capacity.Parameters &&
			c.Outputs <= capacity.Outputs && c.Bytes <= capacity.Bytes
	}
	var groups []Group
	var cur Cost
	first := 0
	for i, it := range items {
		if !fits(it.Cost) {
			return nil, fmt.Errorf("function %s alone needs %s, more than a nested stack's room of %s (%s of CloudFormation's limits of %s, less %s shared)",
				it.Name, it.Cost, capacity, percent(b.margin()), Limit, b.Overhead)
		}
		if next := cur.Plus(it.Cost); fits(next) {
			cur = next
			continue
		}
		groups = append(groups, Group{First: first, End: i, Cost: cur.Plus(b.Overhead)})
		first, cur = i, it.Cost
	}
	if len(items) > first {
		groups = append(groups, Group{First: first, End: len(items), Cost: cur.Plus(b.Overhead)})
	}
	return groups, nil
}
