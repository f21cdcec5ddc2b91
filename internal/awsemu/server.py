# moto's server with four fixes to its change sets, three to its resources
# and one to nested stacks that bring it closer to CloudFormation, run by awsemu.Launch as `python -c <this file> ARGS`.
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


# 5. moto's CloudFormation knows AWS::Lambda::Version but not
# AWS::Lambda::Alias (its Lambda API has aliases), and a version's
# Fn::GetAtt Version is unset. Every trigger of the app invokes a function's
# live alias, so without these a stack's permissions, integrations and
# schedule targets would point at nothing. The alias is created, updated
# and deleted through moto's Lambda API; Ref is its ARN, as in
# CloudFormation. Routing and provisioned concurrency are not modelled.
from moto.awslambda import models as lambda_models  # noqa: E402
from moto.core.common_models import CloudFormationModel  # noqa: E402


def _version_attribute(self, attribute_name):
    if attribute_name == "Version":
        return str(self.version)
    raise NotImplementedError(attribute_name)


lambda_models.LambdaVersion.get_cfn_attribute = _version_attribute


class LambdaAliasModel(CloudFormationModel):
    __module__ = "moto.awslambda.models"  # moto names a model's service by its module

    def __init__(self, alias, function_name):
        self.alias = alias
        self.function_name = function_name

    @staticmethod
    def cloudformation_type():
        return "AWS::Lambda::Alias"

    @property
    def physical_resource_id(self):
        return self.alias.arn

    def get_cfn_attribute(self, attribute_name):
        if attribute_name in ("AliasArn", "Arn"):
            return self.alias.arn
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = lambda_models.lambda_backends[account_id][region_name]
        fn = backend.get_function(p["FunctionName"])
        alias = backend.create_alias(
            name=p["Name"], function_name=fn.function_name, function_version=str(p["FunctionVersion"]),
            description=p.get("Description", ""), routing_config=p.get("RoutingConfig"),
        )
        return cls(alias, fn.function_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        p = cloudformation_json["Properties"]
        backend = lambda_models.lambda_backends[account_id][region_name]
        alias = backend.update_alias(
            name=p["Name"], function_name=original_resource.function_name, function_version=str(p["FunctionVersion"]),
            description=p.get("Description", ""), routing_config=p.get("RoutingConfig"),
        )
        return cls(alias, original_resource.function_name)

    def delete(self, account_id, region_name):
        backend = lambda_models.lambda_backends[account_id][region_name]
        try:
            backend.delete_alias(self.alias.name, self.function_name)
        except Exception:  # the function is gone already
            pass

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass


# 6. A KMS key's CloudFormation Tags ({Key, Value}) reach moto's KMS
# tagging, which wants TagKey and TagValue, and crash the stack's resource
# listing. Here they are renamed first.
from moto.kms import models as kms_models  # noqa: E402

_create_key = kms_models.Key.create_from_cloudformation_json.__func__


def _create_key_with_cfn_tags(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json.get("Properties", {})
    props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props.get("Tags", [])]
    return _create_key(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


kms_models.Key.create_from_cloudformation_json = classmethod(_create_key_with_cfn_tags)


# 7. moto's CloudFormation skips AWS::CloudWatch::Alarm although its
# CloudWatch API has alarms; so a Fn::GetAtt of an alarm's Arn fails the
# stack, and nothing could check the alarms' actions. Here an alarm is put
# through that API, named by its AlarmName or after the stack and logical
# ID as CloudFormation does; Ref is the name.
from moto.cloudwatch import models as cloudwatch_models  # noqa: E402
from moto.moto_api._internal import mock_random  # noqa: E402


class AlarmModel(CloudFormationModel):
    __module__ = "moto.cloudwatch.models"

    def __init__(self, alarm):
        self.alarm = alarm

    @staticmethod
    def cloudformation_type():
        return "AWS::CloudWatch::Alarm"

    @property
    def physical_resource_id(self):
        return self.alarm.name

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "Arn":
            return self.alarm.alarm_arn
        raise NotImplementedError(attribute_name)

    @staticmethod
    def _put(resource_name, cloudformation_json, account_id, region_name, name=None):
        p = cloudformation_json["Properties"]
        backend = cloudwatch_models.cloudwatch_backends[account_id][region_name]
        name = p.get("AlarmName") or name or f"{resource_name}-{mock_random.get_random_hex(12).upper()}"
        return backend.put_metric_alarm(
            name=name, namespace=p.get("Namespace"), metric_name=p.get("MetricName"),
            comparison_operator=p["ComparisonOperator"], evaluation_periods=p["EvaluationPeriods"],
            datapoints_to_alarm=p.get("DatapointsToAlarm"), period=p.get("Period"), threshold=p.get("Threshold"),
            statistic=p.get("Statistic"), extended_statistic=p.get("ExtendedStatistic"),
            description=p.get("AlarmDescription"), dimensions=p.get("Dimensions", []),
            alarm_actions=p.get("AlarmActions", []), ok_actions=p.get("OKActions", []),
            insufficient_data_actions=p.get("InsufficientDataActions", []), unit=p.get("Unit"),
            actions_enabled=p.get("ActionsEnabled", True), treat_missing_data=p.get("TreatMissingData"),
            tags=p.get("Tags", []),
        )

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        return cls(cls._put(resource_name, cloudformation_json, account_id, region_name))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        backend = cloudwatch_models.cloudwatch_backends[account_id][region_name]
        name = cloudformation_json["Properties"].get("AlarmName") or original_resource.alarm.name
        if name != original_resource.alarm.name:
            backend.delete_alarms([original_resource.alarm.name])
        return cls(cls._put(new_resource_name, cloudformation_json, account_id, region_name, name))

    def delete(self, account_id, region_name):
        cloudwatch_models.cloudwatch_backends[account_id][region_name].delete_alarms([self.alarm.name])

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass


# 8. Nested stacks (AWS::CloudFormation::Stack). What CloudFormation does,
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stack.html
# and https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-nested-stacks.html:
# the parent fetches TemplateURL from S3 and creates the child with the
# Parameters property (strings; a list is passed comma-joined); Ref of the
# resource is the child's stack ID (ARN), and the child's DescribeStacks
# shows ParentId and RootId; Fn::GetAtt Child.Outputs.Name is the child's
# output
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getatt.html),
# an unknown output is a template error; updating the parent updates a
# modified child in place (same stack ID, UPDATE_COMPLETE), and a child
# whose template and resolved parameters did not change is left alone
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-updates.html);
# deleting the parent deletes its children.
#
# moto 5.2 creates the child and deletes it with the parent, but its Stack
# has no get_cfn_attribute, so a Fn::GetAtt of a child's output fails the
# request with an internal error (AttributeError) while executing a change
# set, leaving the parent in REVIEW_IN_PROGRESS beside orphaned children (the
# SDK's retry of that 500 then "succeeds" with nothing more created), and in
# an Outputs section the output silently vanishes; Ref is the child's name
# and DescribeStacks has no ParentId; a missing TemplateURL object is an
# internal error (which SDKs retry); and a modified child is deleted and
# created anew under another name and ID.
# Here: the template is fetched with a ValidationError naming the URL;
# parameters are passed as strings; Ref is the stack ID; ParentId and RootId
# are set; Outputs.Name resolves (an unknown one is CloudFormation's "does
# not support attribute type" error, and the parent's outputs that read a
# child's are built with the stack, so it fails the request rather than
# vanishing); an update calls the child's own Stack.update (LastUpdatedTime is
# set, as on any updated stack); and after the parent's resources are
# updated, a child whose resolved Parameters differ from the ones it runs
# with (a sibling's output or a parent resource changed) is updated too.
import threading  # noqa: E402

from moto.cloudformation import utils as cfn_utils  # noqa: E402
from moto.core.utils import utcnow  # noqa: E402
from moto.utilities.utils import get_partition  # noqa: E402


def _nested_template(url, account_id, region_name):
    try:
        return cfn_utils.get_stack_from_s3_url(url, account_id=account_id, partition=get_partition(region_name))
    except Exception as e:  # no such bucket or key, or a malformed URL
        raise exceptions.ValidationError(
            message=f"TemplateURL must reference a valid S3 object to which you have access: {url}: {e}"
        )


def _nested_parameters(properties):
    params = {}
    for key, value in (properties.get("Parameters") or {}).items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list):
            value = ",".join(str(v) for v in value)
        params[key] = str(value)
    return params


# The parent and root of a child being created, set on it before its own
# resources (and grandchildren) are created.
_lineage = threading.local()


def _create_nested(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json["Properties"]
    backend = models.cloudformation_backends[account_id][region_name]
    body = _nested_template(props["TemplateURL"], account_id, region_name)
    parent = backend.stacks.get(kwargs.get("StackId"))
    tags = dict(parent.tags) if parent is not None else {}
    tags.update({t["Key"]: t["Value"] for t in props.get("Tags", [])})
    if parent is not None:
        pending = getattr(_lineage, "pending", {})
        pending[resource_name] = (parent.stack_id, getattr(parent, "root_id", None) or parent.stack_id)
        _lineage.pending = pending
    return backend.create_stack(
        name=resource_name, template=body, parameters=_nested_parameters(props),
        notification_arns=props.get("NotificationARNs"), tags=tags,
    )


def _update_nested(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    props = cloudformation_json["Properties"]
    body = _nested_template(props["TemplateURL"], account_id, region_name)
    original_resource.update(body, parameters=_nested_parameters(props))
    return original_resource


def _nested_attribute(self, attribute_name):
    if attribute_name.startswith("Outputs."):
        key = attribute_name[len("Outputs."):]
        if key in self.output_map.outputs:
            output = self.output_map[key]
            if output is not None:
                return output.value
        raise parsing.UnformattedGetAttTemplateException()
    raise NotImplementedError(attribute_name)


def _reads_nested_output(value, resources):
    if isinstance(value, dict):
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att and (resources.get(att[0]) or {}).get("Type") == "AWS::CloudFormation::Stack":
            return True
        return any(_reads_nested_output(v, resources) for v in value.values())
    if isinstance(value, list):
        return any(_reads_nested_output(v, resources) for v in value)
    return False


def _resolve_outputs(stack):
    """Builds now the outputs that read a nested stack's, so that an unknown
    one fails the request instead of vanishing; moto builds the others
    lazily, as before."""
    resources = stack.template_dict.get("Resources") or {}
    for key, output in (stack.template_dict.get("Outputs") or {}).items():
        if _reads_nested_output(output.get("Value"), resources):
            stack.output_map[key]


_create_resources = models.Stack.create_resources


def _create_resources_nested(self):
    pending = getattr(_lineage, "pending", {})
    if self.name in pending:
        self.parent_id, self.root_id = pending.pop(self.name)
    _create_resources(self)
    _resolve_outputs(self)


_stack_update = models.Stack.update


def _stack_update_timed(self, *args, **kwargs):
    _stack_update(self, *args, **kwargs)
    self.last_updated_time = utcnow()


_update_resources = parsing.ResourceMap.update


def _update_resources_and_nested(self, template, parameters=None):
    _update_resources(self, template, parameters)
    for _ in range(len(self._resource_json_map) + 1):  # until no child changes
        changed = False
        for name, resource_json in self._resource_json_map.items():
            child = self._parsed_resources.get(name)
            if resource_json.get("Type") != "AWS::CloudFormation::Stack" or not isinstance(child, models.Stack):
                continue
            props = parsing.clean_json(resource_json.get("Properties", {}), self)
            if _nested_parameters(props) != child.parameters:
                _update_nested(None, child, name, {"Properties": props}, self._account_id, self._region_name)
                changed = True
        if not changed:
            break


models.Stack.create_from_cloudformation_json = classmethod(_create_nested)
models.Stack.update_from_cloudformation_json = classmethod(_update_nested)
models.Stack.get_cfn_attribute = _nested_attribute
models.Stack.physical_resource_id = property(lambda self: self.stack_id)
models.Stack.create_resources = _create_resources_nested
models.Stack.update = _stack_update_timed
parsing.ResourceMap.update = _update_resources_and_nested


def _apply_with_nested_outputs(self):
    _apply_with_outputs(self)
    if self.change_set_type == "UPDATE":
        self.stack.last_updated_time = utcnow()
    _resolve_outputs(self.stack)


models.ChangeSet.apply = _apply_with_nested_outputs

from moto.server import main  # noqa: E402

main(sys.argv[1:])
