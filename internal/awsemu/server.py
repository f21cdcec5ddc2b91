# moto's server with two fixes to its change sets that bring it closer to
# CloudFormation, run by awsemu.Launch as `python -c <this file> ARGS`.
#
# 1. moto 5.2 creates the resources a change set adds in template order and
# ignores DependsOn (its CreateStack path honours it). CDK writes an API
# Gateway deployment before the methods it depends on, so executing the
# change set of a REST API fails with "The REST API doesn't contain any
# methods". Here the added resources are ordered by DependsOn first, as
# CloudFormation does.
import sys

from moto.cloudformation import parsing

_build_resource_diff = parsing.ResourceMap.build_resource_diff


def _ordered_resource_diff(self, other_template, parameters=None):
    diff = _build_resource_diff(self, other_template, parameters)
    resources = other_template.get("Resources", {})
    order = []
    seen = set()

    def visit(name):
        if name in seen or name not in resources:
            return
        seen.add(name)
        deps = resources[name].get("DependsOn", [])
        for dep in [deps] if isinstance(deps, str) else deps:
            visit(dep)
        order.append(name)

    for name in resources:
        visit(name)
    position = {name: i for i, name in enumerate(order)}
    diff["Add"].sort(key=lambda name: position.get(name, len(position)))
    return diff


parsing.ResourceMap.build_resource_diff = _ordered_resource_diff

# 2. Executing a change set leaves the stack's outputs as they were before
# (none for a new stack): moto builds them only in CreateStack and
# UpdateStack. Here they are rebuilt from the change set's template.
from moto.cloudformation import models  # noqa: E402

_apply = models.ChangeSet.apply


def _apply_with_outputs(self):
    _apply(self)
    self.stack.template = self.template
    self.stack._parse_template()
    self.stack.output_map = self.stack._create_output_map()


models.ChangeSet.apply = _apply_with_outputs

from moto.server import main  # noqa: E402

main(sys.argv[1:])
