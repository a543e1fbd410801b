"""The manifest, the operations and the schema, checked against each other.

Each finding names the action, the input or variable, and the problem. The
check is what ties ``component.yaml`` to ``queries/``: an input that binds to
nothing, a variable no input fills, a required input behind a nullable
variable, or a default the variable's type would refuse, are all caught here
rather than by a user at run time.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    type_from_ast,
    validate,
    validate_input_value,
    visit,
)

from ..component.manifest import ActionSpec, InputSpec
from ..component.runner import Component
from ..schema import schema as load_schema

# The GraphQL scalars each input type may bind to.
_COMPATIBLE = {
    "string": {"String", "ID", "UUID", "DateTime", "Date", "JSONString", "JSONOrString", "BigInt"},
    "code": {"String", "JSONString", "JSONOrString"},
    "boolean": {"Boolean"},
    "integer": {"Int", "BigInt"},
    "json": {"JSONString", "JSONOrString"},
}
MIN_ICON_PX = 400


# Optional variables a list action may declare without an input: paginate() fills them.
PAGING_VARIABLES = {"first": "Int", "after": "String"}


@dataclass(frozen=True)
class Finding:
    action: str
    subject: str
    problem: str

    def __str__(self) -> str:
        return (
            f"{self.action}: {self.subject}: {self.problem}"
            if self.subject
            else f"{self.action}: {self.problem}"
        )


def check_component(component: Component) -> list[Finding]:
    schema = load_schema()
    findings = list(_check_files(component))
    for action in component.actions:
        findings.extend(check_action(component, action, schema))
    return findings


def _check_files(component: Component) -> Iterator[Finding]:
    bundle = component.bundle
    keys = {a.key for a in component.actions}
    for path in sorted((bundle.root / "queries").glob("*.graphql")):
        if path.stem not in keys:
            yield Finding(path.stem, f"queries/{path.name}", "no action has this key")
    hook = component.spec.connection.hook
    path = bundle.connection_hook_path(hook)
    if not path.is_file():
        yield Finding("connection", f"hook {hook!r}", f"{path} is missing")
    yield from _check_icon(component)


def _check_icon(component: Component) -> Iterator[Finding]:
    path = component.bundle.asset(component.spec.icon)
    try:
        head = path.read_bytes()[:24]
    except OSError:
        yield Finding("component", f"icon {component.spec.icon}", "file is missing")
        return
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        yield Finding("component", f"icon {component.spec.icon}", "is not a PNG file")
        return
    width, height = struct.unpack(">II", head[16:24])
    if width != height or width < MIN_ICON_PX:
        yield Finding(
            "component",
            f"icon {component.spec.icon}",
            f"is {width}x{height}; it must be square and at least {MIN_ICON_PX} px wide",
        )


def check_action(component: Component, action: ActionSpec, schema: GraphQLSchema) -> list[Finding]:
    out: list[Finding] = []

    def found(subject: str, problem: str) -> None:
        out.append(Finding(action.key, subject, problem))

    parsed = _operation(component, action, schema, found)
    if parsed is None:
        return out
    document, operation = parsed
    variables: dict[str, tuple[GraphQLInputType, bool]] = {}
    for definition in operation.variable_definitions or ():
        var_type = type_from_ast(schema, definition.type)
        variables[definition.variable.name.value] = (var_type, definition.default_value is not None)  # type: ignore[assignment]
    if action.hook is not None:
        hook_path = component.bundle.action_hook_path(action.hook)
        if not hook_path.is_file():
            found(f"hook {action.hook!r}", f"{hook_path} is missing")
    for spec in action.value_inputs:
        if spec.hook:
            if spec.key in variables:
                found(f"input {spec.key!r}", "is consumed by the hook but also names a variable")
        elif spec.key not in variables:
            found(
                f"input {spec.key!r}",
                f"binds to no variable: the operation declares no ${spec.key}",
            )
        else:
            out.extend(_check_binding(action, spec, *variables[spec.key]))
    _check_unbound(action, variables, found)
    if action.key.startswith("list") and not _selects_page_info(schema, document):
        found("operation", "a list action must select pageInfo on its connection")
    return out


def _operation(
    component: Component,
    action: ActionSpec,
    schema: GraphQLSchema,
    found: Callable[[str, str], None],
) -> tuple[DocumentNode, OperationDefinitionNode] | None:
    """The action's document and its one operation, or None once a finding says why not."""
    subject = f"queries/{action.key}.graphql"
    path = component.bundle.query_path(action.key)
    try:
        document = parse(path.read_text(encoding="utf-8"))
    except OSError:
        found(subject, "is missing")
        return None
    except GraphQLError as exc:
        found(subject, f"does not parse: {exc.message}")
        return None
    for error in validate(schema, document):
        found(subject, f"invalid against the schema: {error.message}")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        found(subject, f"must hold exactly one operation, not {len(operations)}")
        return None
    operation = operations[0]
    scanned = component.operation(action)[1]
    if scanned.kind != operation.operation.value:
        found(
            subject,
            f"reads as a {scanned.kind} to the runner but parses as a "
            f"{operation.operation.value}: retries would be decided wrongly",
        )
    return document, operation


def _check_unbound(
    action: ActionSpec,
    variables: dict[str, tuple[GraphQLInputType, bool]],
    found: Callable[[str, str], None],
) -> None:
    """Every variable an input fills, but paging's (paginate fills them) and a hook's."""
    bound = {spec.key for spec in action.value_inputs if not spec.hook}
    if any(spec.hook for spec in action.value_inputs):
        return  # the hook supplies the variables (rawRequest)
    for name, (var_type, has_default) in variables.items():
        if name in bound:
            continue
        if action.key.startswith("list") and str(var_type) == PAGING_VARIABLES.get(name):
            continue  # filled by paginate(), page by page
        problem = "no input fills it"
        if isinstance(var_type, GraphQLNonNull) and not has_default:
            problem += ", and it is non-null"
        found(f"variable ${name}", problem)


def _check_binding(
    action: ActionSpec, spec: InputSpec, var_type: Any, has_default: bool
) -> Iterator[Finding]:
    subject = f"input {spec.key!r} -> ${spec.key}"
    non_null = isinstance(var_type, GraphQLNonNull)
    if spec.required and not non_null:
        yield Finding(
            action.key,
            subject,
            f"the input is required but the variable type {var_type} is nullable",
        )
    if non_null and not spec.required and not spec.has_default and not has_default:
        yield Finding(
            action.key,
            subject,
            f"the variable type {var_type} is non-null but the input is optional with no default",
        )
    named_type = get_named_type(var_type)
    named = named_type.name
    # A json input is JSON already, so it may also fill an input object (or a list of them).
    structured = spec.type == "json" and isinstance(named_type, GraphQLInputObjectType)
    if named not in _COMPATIBLE[spec.type] and not structured:
        yield Finding(action.key, subject, f"a {spec.type} input cannot fill a {named} variable")
    if spec.has_default:
        errors: list[str] = []

        def on_error(error: GraphQLError, path: Any) -> None:
            errors.append(error.message)

        validate_input_value(spec.default, var_type, on_error)
        for message in errors:
            yield Finding(
                action.key, subject, f"default {spec.default!r} does not fit {var_type}: {message}"
            )


def _selects_page_info(schema: GraphQLSchema, document: Any) -> bool:
    """Whether the outermost connection field in the operation selects pageInfo."""
    type_info = TypeInfo(schema)
    verdict: list[bool] = []

    class FirstConnection(Visitor):
        def enter_field(self, node: Any, *_: Any) -> Any:
            field_type = type_info.get_type()
            named = get_named_type(field_type) if field_type else None
            if (
                isinstance(named, GraphQLObjectType)
                and "pageInfo" in named.fields
                and named.name.endswith("Connection")
            ):
                selections = node.selection_set.selections if node.selection_set else []
                verdict.append(
                    any(getattr(s, "name", None) and s.name.value == "pageInfo" for s in selections)
                )
                return Visitor.BREAK
            return None

    visit(document, TypeInfoVisitor(type_info, FirstConnection()))
    return bool(verdict and verdict[0])
