"""``check-integration``: an integration definition's use of this component, checked.

For each step of the definition whose component key is this component's: the action
exists (aliases resolved), each input is one the action declares, given in a form
(``value``, ``configVar``, ``reference``, ``template``, ``complex``) that suits it,
the required inputs are there, and a rawRequest query parses and validates against
the schema. Every reference into such a step's results
(``stepName.results.data.data.<field>...``) must follow a path the step's operation
selects. Findings name the flow, the step, the input and the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLSchema, OperationDefinitionNode, parse, validate
from graphql.error import GraphQLError

from ..component import yaml_source
from ..component.manifest import ActionSpec, InputSpec
from ..component.runner import Component
from ..names import camel
from ..schema import schema as load_schema

# The definition formats Prismatic reads: 7 is what it exports, 6 what prism writes for a
# new integration (../shared/reference, section 5).
DEFINITION_VERSIONS = (6, 7)
FORMS = {"value", "configVar", "reference", "template", "complex"}
# Which forms can carry a value of each input type.
SUITS = {
    "connection": {"configVar"},
    "boolean": {"value", "configVar", "reference", "template"},
    "integer": {"value", "configVar", "reference", "template"},
    "string": {"value", "configVar", "reference", "template"},
    "code": {"value", "configVar", "reference", "template"},
    "json": {"value", "configVar", "reference", "template", "complex"},
}


@dataclass(frozen=True)
class Finding:
    line: int
    flow: str
    step: str
    input: str
    problem: str

    def __str__(self) -> str:
        if not (self.flow or self.step):  # about the definition as a whole
            return f"line {self.line}: {self.problem}"
        where = f"flow {self.flow!r}, step {self.step!r}"
        if self.input:
            where += f", input {self.input!r}"
        return f"line {self.line}: {where}: {self.problem}"


@dataclass(frozen=True)
class _Step:
    flow: str
    name: str
    node: Any


def check_integration(component: Component, text: str) -> list[Finding]:
    """Every finding for the definition in ``text``; an empty list when it is sound."""
    try:
        definition = yaml_source.load(text)
    except yaml_source.YamlError as exc:
        return [Finding(exc.line or 0, "", "", "", str(exc))]
    if not isinstance(definition, dict) or not isinstance(definition.get("flows"), list):
        return [Finding(1, "", "", "", "expected a mapping with flows, as Prismatic exports it")]
    schema = load_schema()
    findings: list[Finding] = _version_problems(definition)
    steps = list(_steps(definition["flows"]))
    ours = {}
    for step in steps:
        action = _our_action(component, step)
        if action is not None:
            findings += _check_step(component, schema, step, action)
        if isinstance(action, ActionSpec):
            ours[(step.flow, camel(step.name))] = (step, action)
    for step in steps:
        findings += _check_references(component, schema, step, ours)
    return sorted(findings, key=lambda f: f.line)


def _version_problems(definition: dict[Any, Any]) -> list[Finding]:
    supported = ", ".join(map(str, DEFINITION_VERSIONS))
    version = definition.get("definitionVersion")
    if "definitionVersion" not in definition:
        problem = f"definitionVersion is missing (supported: {supported})"
    elif isinstance(version, bool) or version not in DEFINITION_VERSIONS:
        problem = f"definitionVersion {version!r} is not supported (supported: {supported})"
    else:
        return []
    line = (
        definition.line_of("definitionVersion")
        if isinstance(definition, yaml_source.Mapping)
        else 1
    )
    return [Finding(line, "", "", "", problem)]


def _steps(flows: list[Any]) -> Iterator[_Step]:
    for flow in flows:
        if not isinstance(flow, dict):
            continue
        name = str(flow.get("name", ""))
        stack = list(flow.get("steps") or [])
        while stack:
            node = stack.pop(0)
            if not isinstance(node, dict):
                continue
            yield _Step(name, str(node.get("name", "")), node)
            stack.extend(node.get("steps") or [])  # a loop's steps
            for branch in node.get("branches") or []:
                if isinstance(branch, dict):
                    stack.extend(branch.get("steps") or [])


def _our_action(component: Component, step: _Step) -> ActionSpec | bool | None:
    action = step.node.get("action")
    if not isinstance(action, dict):
        return None
    key = (action.get("component") or {}).get("key")
    if key != component.spec.key:
        return None
    return component.spec.action(str(action.get("key"))) or False


def _check_step(
    component: Component, schema: GraphQLSchema, step: _Step, action: ActionSpec | bool
) -> list[Finding]:
    node = step.node

    def found(input_key: str, problem: str, line: int | None = None) -> Finding:
        inputs = node.get("inputs")
        at = line or (inputs.line_of(input_key) if isinstance(inputs, yaml_source.Mapping) else 0)
        return Finding(at or node.line, step.flow, step.name, input_key, problem)

    if not isinstance(action, ActionSpec):
        key = node["action"].get("key")
        return [found("", f"no action {key!r} in component {component.spec.key!r}", node.line)]
    inputs = node.get("inputs") or {}
    out = []
    for key, given in inputs.items():
        spec = action.input(str(key))
        if spec is None:
            known = ", ".join(i.key for i in action.inputs)
            out.append(found(str(key), f"{action.key} has no such input (inputs: {known})"))
            continue
        out += [found(spec.key, p) for p in _form_problems(spec, given)]
        if action.key == "rawRequest" and spec.key == "query" and _form(given) == "value":
            out += [found(spec.key, p) for p in _query_problems(schema, given.get("value"))]
    for spec in action.inputs:
        if spec.required and not spec.has_default and spec.key not in inputs:
            out.append(found(spec.key, "is required but not given", node.line))
    return out


def _form(given: Any) -> str | None:
    return given.get("type") if isinstance(given, dict) else None


def _form_problems(spec: InputSpec, given: Any) -> list[str]:
    form = _form(given)
    if form is None:
        return ["expected {type, value}"]
    if form not in FORMS:
        return [f"type {form!r} is not one of {', '.join(sorted(FORMS))}"]
    if form not in SUITS[spec.type]:
        suits = ", ".join(sorted(SUITS[spec.type]))
        return [f"a {spec.type} input cannot be given as {form} (use {suits})"]
    value = given.get("value")
    if form == "value" and spec.type == "boolean" and str(value).lower() not in ("true", "false"):
        return [f"expected true or false, got {value!r}"]
    if form == "value" and spec.type == "integer":
        try:
            int(str(value))
        except ValueError:
            return [f"expected an integer, got {value!r}"]
    return []


def _query_problems(schema: GraphQLSchema, query: Any) -> list[str]:
    if not isinstance(query, str):
        return ["the query must be text"]
    try:
        document = parse(query)
    except GraphQLError as exc:
        return [f"the query does not parse: {exc.message}"]
    return [f"the query is not valid: {e.message}" for e in validate(schema, document)]


def _check_references(
    component: Component, schema: GraphQLSchema, step: _Step, ours: dict[Any, Any]
) -> list[Finding]:
    inputs = step.node.get("inputs")
    if not isinstance(inputs, dict):
        return []
    out = []
    for key, given in inputs.items():
        for reference in _references(given):
            target, _, rest = reference.partition(".")
            if (step.flow, target) not in ours or not rest.startswith("results"):
                continue
            source, action = ours[(step.flow, target)]
            problem = _path_problem(component, schema, source, action, rest.split(".")[1:])
            if problem:
                line = inputs.line_of(key) if isinstance(inputs, yaml_source.Mapping) else 0
                out.append(Finding(line, step.flow, step.name, str(key), f"{reference}: {problem}"))
    return out


def _references(given: Any) -> Iterator[str]:
    """The reference paths in an input, a complex one's nested entries included."""
    if isinstance(given, list):
        for item in given:
            yield from _references(item)
    elif isinstance(given, dict):
        if given.get("type") == "reference" and isinstance(given.get("value"), str):
            yield given["value"]
        elif given.get("type") == "complex":
            yield from _references(given.get("value"))


def _path_problem(
    component: Component, schema: GraphQLSchema, source: _Step, action: ActionSpec, path: list[str]
) -> str:
    if path[:2] != ["data", "data"]:
        return "a step's results are {data: {status, data}}: read results.data.data.<field>"
    query = component.query(action)
    if action.key == "rawRequest":
        given = (source.node.get("inputs") or {}).get("query")
        if given is None or _form(given) != "value":
            return ""  # a query from a config variable or a reference cannot be followed
        query = str(given.get("value"))
    try:
        document = parse(query)
    except GraphQLError:
        return ""  # reported on the step itself
    selected = _selection_tree(document)
    for depth, name in enumerate(path[2:]):
        if name.isdigit() and depth > 0:
            continue  # an index into a list
        if name not in selected:
            options = ", ".join(sorted(selected)) or "no fields"
            return f"the operation selects no {name!r} there (it selects {options})"
        selected = selected[name]
    return ""


def _selection_tree(document: Any) -> dict[str, Any]:
    """Response key -> the keys under it, for the document's operation."""

    def tree(selection_set: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                name = node.alias.value if node.alias else node.name.value
                out[name] = tree(node.selection_set)
        return out

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            return tree(definition.selection_set)
    return {}
