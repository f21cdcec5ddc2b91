# moto's server with three fixes to its change sets that bring it closer to
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

# 3. Deleting a change set that does not exist fails with an internal error
# (HTML, which the SDKs retry for most of a minute); CloudFormation succeeds
# as long as the stack exists, and `cdk diff` relies on that before it
# creates its own change set.
_delete_change_set = models.CloudFormationBackend.delete_change_set


def _delete_change_set_if_exists(self, change_set_name):
    known = change_set_name in self.change_sets or any(
        cs.change_set_name == change_set_name for cs in self.change_sets.values()
    )
    if known:
        _delete_change_set(self, change_set_name)


models.CloudFormationBackend.delete_change_set = _delete_change_set_if_exists

from moto.server import main  # noqa: E402

main(sys.argv[1:])
