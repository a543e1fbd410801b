from __future__ import annotations

import prismatic_connector


def test_public_api_is_pinned() -> None:
    assert sorted(prismatic_connector.__all__) == [
        "Component",
        "ConfigurationError",
        "Connection",
        "ConnectorError",
        "ControlError",
        "CredentialError",
        "GraphQLError",
        "InputError",
        "LogLine",
        "ManifestError",
        "OutcomeUnknownError",
        "PaginationError",
        "PayloadError",
        "ReplayReport",
        "Retry",
        "RolloutReport",
        "Step",
        "StepContext",
        "Timeout",
        "TransportError",
        "__version__",
        "invoke",
        "load_component",
        "logs",
        "paginate",
        "replay",
        "rollout",
    ]
    for name in prismatic_connector.__all__:
        assert hasattr(prismatic_connector, name)


def test_package_is_typed() -> None:
    from importlib import resources

    assert resources.files("prismatic_connector").joinpath("py.typed").is_file()
