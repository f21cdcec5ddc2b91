# moto's server with four fixes to its change sets that bring it closer to
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

# 3. moto finds a change set by name alone, across stacks (every CDK deploy
# names its change set cdk-deploy-change-set), and answers a missing one
# with an internal error (delete) or "Stack with id ... does not exist"
# (describe). CloudFormation looks a name up in the given stack, deletes a
# missing one without complaint, and describes it as ChangeSetNotFound,
# which `cdk deploy` waits for after deleting its previous change set.
from moto.cloudformation import exceptions, responses  # noqa: E402
from moto.core.responses import EmptyResult  # noqa: E402


class ChangeSetNotFound(exceptions.CloudFormationError):
    code = "ChangeSetNotFound"

    def __init__(self, name):
        super().__init__(f"ChangeSet [{name}] does not exist")


def _find_change_set(backend, name, stack):
    if name in backend.change_sets:
        return name
    found = None
    for key, cs in backend.change_sets.items():
        if cs.change_set_name == name and (not stack or stack in (cs.stack.name, cs.stack.stack_id)):
            found = key
    return found


def _describe_change_set(self):
    name = self._get_param("ChangeSetName")
    key = _find_change_set(self.cloudformation_backend, name, self._get_param("StackName"))
    if key is None:
        raise ChangeSetNotFound(name)
    return responses.ActionResult(self.cloudformation_backend.change_sets[key])


def _delete_change_set(self):
    key = _find_change_set(self.cloudformation_backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
    if key is not None:
        del self.cloudformation_backend.change_sets[key]
    return EmptyResult()


def _execute_change_set(self):
    name = self._get_param("ChangeSetName")
    key = _find_change_set(self.cloudformation_backend, name, self._get_param("StackName"))
    if key is None:
        raise ChangeSetNotFound(name)
    self.cloudformation_backend.execute_change_set(change_set_name=key, stack_name=self._get_param("StackName"))
    return EmptyResult()


responses.CloudFormationResponse.describe_change_set = _describe_change_set
responses.CloudFormationResponse.delete_change_set = _delete_change_set
responses.CloudFormationResponse.execute_change_set = _execute_change_set

# 4. A stack parameter of type AWS::SSM::Parameter::Value<...> (CDK's
# BootstrapVersion) is stored with its resolved value, and an update then
# looks that value up as a parameter name and crashes. CloudFormation keeps
# the name; here a value that names no parameter is taken as resolved.
_parse_ssm_parameter = parsing.ResourceMap.parse_ssm_parameter


def _parse_ssm_parameter_or_resolved(self, value, value_type):
    try:
        return _parse_ssm_parameter(self, value, value_type)
    except AttributeError:  # get_parameter returned None: no such name
        return value.split(",") if value_type.find("List") > 0 else value


parsing.ResourceMap.parse_ssm_parameter = _parse_ssm_parameter_or_resolved

from moto.server import main  # noqa: E402

main(sys.argv[1:])
