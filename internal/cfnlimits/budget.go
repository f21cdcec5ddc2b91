package cfnlimits

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

// Within tells whether c fits room in every quantity.
func (c Cost) Within(room Cost) bool {
	return c.Resources <= room.Resources && c.Parameters <= room.Parameters &&
		c.Outputs <= room.Outputs && c.Bytes <= room.Bytes
}
