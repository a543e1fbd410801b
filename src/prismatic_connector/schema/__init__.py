"""The SDL of the subset of Prismatic's GraphQL API that this project uses."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphql import GraphQLSchema

SDL_NAME = "prismatic.graphql"


def sdl() -> str:
    return resources.files(__package__).joinpath(SDL_NAME).read_text(encoding="utf-8")


@cache
def schema() -> GraphQLSchema:
    from graphql import build_schema

    return build_schema(sdl())
