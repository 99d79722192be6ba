"""The production deployment: docker-compose.yml, the Dockerfile and deploy/.

No Docker engine is needed: the compose file is validated against the Compose Specification's JSON schema
(``tests/project/data/compose-spec.json``, vendored from compose-spec/compose-spec
``schema/compose-spec.json`` at commit 00655e2222608fa6eaecdf12ac5195889ca2244a), after the same ``${VAR}``
interpolation docker compose does, and every command a service runs is resolved against the real
command-line interfaces.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
import shlex
import threading
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from bootstrap.platform import platform_topics
from bootstrap.settings import CONFIG_FILE_VARIABLE, Settings, load_settings
from tests.commands import CommandError, console_script, resolve
from warehouse.base import parse_url

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = Path(__file__).parent / "data" / "compose-spec.json"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
SITE_SETTINGS = ROOT / "deploy" / "site" / "settings.env.example"
USERS_XML = ROOT / "deploy" / "clickhouse" / "users.d" / "dossier-audit.xml"
DAGSTER_YAML = ROOT / "deploy" / "dagster" / "dagster.yaml"

#: What an operator must put in .env; everything else has a default.
SECRETS = {
    "CLICKHOUSE_WRITER_PASSWORD": "writer-secret",
    "CLICKHOUSE_REPORTS_PASSWORD": "reports-secret",
    "DOSSIER_AUDIT_PSEUDONYM_KEY": "k" * 32,
    "CLICKHOUSE_CASES_PASSWORD": "cases-secret",
    "CONSOLE_SESSION_SECRET": "s" * 32,
    "CONSOLE_TRUSTED_PROXY": "172.30.0.1",
}
WORKERS = ("sink", "detect")
SETTINGS_ENV = {f"DOSSIER_AUDIT_{name.upper()}" for name in Settings.model_fields}


# -- compose interpolation (the subset of the Compose Specification's rules the file uses) ------------------
_VARIABLE = re.compile(r"\$(?:(?P<dollar>\$)|\{(?P<braced>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?$", re.DOTALL)


def interpolate_text(text: str, env: dict[str, str], missing: set[str]) -> str:
    def sub(match: re.Match[str]) -> str:
        if match.group("dollar"):
            return "$"
        if match.group("bare"):
            return env.get(match.group("bare"), "")
        braced = _BRACED.match(match.group("braced"))
        assert braced, f"unsupported interpolation {match.group(0)!r}"
        name, op, arg = braced.group("name"), braced.group("op"), braced.group("arg") or ""
        value = env.get(name)
        if op is None:
            return value or ""
        if op == ":-":
            return value or arg
        if op == "-":
            return arg if value is None else value
        if op in (":?", "?"):
            if value is None or (op == ":?" and not value):
                missing.add(name)
                return ""
            return value
        if op == ":+":
            return arg if value else ""
        return "" if value is None else arg  # "+"

    return _VARIABLE.sub(sub, text)


def interpolate(node: Any, env: dict[str, str], missing: set[str] | None = None) -> Any:
    """``node`` with every string interpolated as ``docker compose`` does (``$$`` → ``$``)."""
    missing = set() if missing is None else missing
    if isinstance(node, str):
        return interpolate_text(node, env, missing)
    if isinstance(node, list):
        return [interpolate(item, env, missing) for item in node]
    if isinstance(node, dict):
        return {key: interpolate(value, env, missing) for key, value in node.items()}
    return node


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def compose(raw: dict[str, Any]) -> dict[str, Any]:
    missing: set[str] = set()
    data: dict[str, Any] = interpolate(raw, SECRETS, missing)
    assert not missing
    return data


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(data)
    return data


def schema_errors(schema: dict[str, Any], document: Any) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


# -- the Dockerfile -----------------------------------------------------------------------------------------
def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    buffer = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not buffer and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        buffer += line
        word, _, rest = buffer.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        buffer = ""
    return out


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arguments
    return value


def image_entrypoint() -> list[str]:
    return exec_form(next(args for word, args in final_stage() if word == "ENTRYPOINT"))


def image_cmd() -> list[str]:
    return exec_form(next(args for word, args in final_stage() if word == "CMD"))


def platform_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services running the platform image (the ones built from the Dockerfile)."""
    return {name: svc for name, svc in compose["services"].items() if "build" in svc}


def service_argv(service: dict[str, Any]) -> list[str]:
    entrypoint = service.get("entrypoint", image_entrypoint())
    command = service.get("command", image_cmd() if "entrypoint" not in service else [])
    assert isinstance(entrypoint, list) and isinstance(command, list), "use the exec (list) form"
    return [*entrypoint, *command]


# -- tests --------------------------------------------------------------------------------------------------
def test_compose_file_is_valid_by_the_compose_specification(raw, compose, schema):
    assert schema_errors(schema, compose) == []
    assert schema_errors(schema, raw) == []
    # The validator is live: a typo'd key and a mistyped value are both caught.
    broken = json.loads(json.dumps(compose))
    broken["services"]["sink"]["helthcheck"] = broken["services"]["sink"].pop("healthcheck")
    broken["services"]["detect"]["depends_on"]["kafka"]["condition"] = "service_ready"
    errors = schema_errors(schema, broken)
    assert any("helthcheck" in e for e in errors) and any("service_ready" in e for e in errors)


def test_only_the_secrets_must_be_set(raw):
    missing: set[str] = set()
    interpolate(raw, {}, missing)
    assert missing == set(SECRETS)
    names = {line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")}  # fmt: skip
    assert names == set(SECRETS), "deploy/env.example sets exactly the required secrets"


def test_every_platform_command_exists_in_the_cli(compose):
    services = platform_services(compose)
    assert {"init", "sink", "detect", "dagster-webserver", "dagster-daemon", "cli"} <= set(services)
    problems: list[str] = []
    for name, service in services.items():
        argv = service_argv(service)
        try:
            check_command(argv)
        except CommandError as exc:
            problems.append(f"service {name!r} runs {shlex.join(argv)!r}: {exc}")
    assert not problems, "\n".join(problems)


def check_command(argv: list[str]) -> None:
    program, args = argv[0], argv[1:]
    if program == "dossier-audit":
        resolve(args)
    elif program == "dagster-daemon":
        root = console_script(program)
        assert root is not None, "dagster is a dependency: dagster-daemon must be installed"
        resolve(args, root=root, program=program)
    elif program == "dagster-webserver":
        check_webserver(args)
    else:
        raise CommandError(f"unexpected program {program!r}")


#: dagster-webserver's options (dagster_webserver/cli.py), for when the package is not installed here: it is
#: installed in the image (see test_dockerfile_*), not in the development environment.
WEBSERVER_VALUE_OPTIONS = {"-h", "--host", "-p", "--port", "-m", "--module-name", "-w", "--workspace",
                           "-f", "--python-file", "-d", "--working-directory", "-l", "--path-prefix",
                           "--log-level", "--code-server-log-level", "--instance-ref"}  # fmt: skip


def check_webserver(args: list[str]) -> None:
    root = console_script("dagster-webserver")
    if root is not None:
        resolve(args, root=root, program="dagster-webserver")
        return
    rest = list(args)
    while rest:
        option = rest.pop(0)
        if option not in WEBSERVER_VALUE_OPTIONS or not rest:
            raise CommandError(f"dagster-webserver: unknown option or missing value at {option!r}")
        rest.pop(0)


def test_dagster_services_load_the_code_location_the_daemon_accepts(compose):
    from dagster import Definitions

    for name in ("dagster-webserver", "dagster-daemon"):
        args = service_argv(compose["services"][name])
        module = args[args.index("-m") + 1]
        assert module == "pipelines.definitions", name
    import pipelines.definitions

    assert isinstance(pipelines.definitions.defs, Definitions)
    Definitions.validate_loadable(pipelines.definitions.defs)


def test_health_check_commands_exist(compose):
    copied = [args for word, args in final_stage() if word == "COPY" and "deploy/healthcheck.py" in args]
    assert copied and copied[0].endswith("/usr/local/bin/dossier-audit-healthcheck"), copied
    for name, service in compose["services"].items():
        test = service.get("healthcheck", {}).get("test")
        if not test or name not in platform_services(compose):
            continue
        assert test[0] == "CMD", f"{name}: platform health checks use the exec form"
        if test[1] == "dagster-daemon":
            check_command(test[1:])
        else:
            assert test[1] == "dossier-audit-healthcheck", name
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\S*", test[2]), test


def test_workers_scale_and_publish_nothing_fixed(compose):
    for name, service in compose["services"].items():
        assert "container_name" not in service, f"{name}: a container_name forbids --scale and clashes"
    for name in WORKERS:
        service = compose["services"][name]
        assert "ports" not in service and "hostname" not in service, f"{name} must scale: no fixed port"
        argv = service_argv(service)
        port = argv[argv.index("--metrics-port") + 1]
        assert service["healthcheck"]["test"][2] == f"http://127.0.0.1:{port}/metrics"
        # Metrics bind to loopback unless told otherwise: a Prometheus in the network needs every interface.
        assert argv[argv.index("--metrics-host") + 1] == "0.0.0.0", name
        assert service["restart"] == "unless-stopped"
        volumes = [v for v in service.get("volumes", []) if not str(v).endswith(":ro")]
        assert not volumes, f"{name}: replicas must not share a writable volume"


#: The worker → the .env variable holding its replica count.
REPLICAS = {"sink": "SINK_REPLICAS", "detect": "DETECT_REPLICAS"}


def test_the_workers_replica_counts_come_from_env_default_one(raw, schema):
    """Scale was given only as ``up --scale``, which lasts until the next ``up``: the guide's upgrade,
    calendar and replay runbooks (``up -d``) dropped every worker back to one replica (review). The count is
    in the compose file, from .env (1 unset): ``scale``, which docker compose reads as ``deploy.replicas``
    (it refuses the two set to different numbers, so only ``scale`` is set)."""
    for name, variable in REPLICAS.items():
        service = raw["services"][name]
        assert "replicas" not in service.get("deploy", {}), name
        assert interpolate(service["scale"], SECRETS) == "1", name
        assert interpolate(service["scale"], {**SECRETS, variable: "4"}) == "4", name
        assert schema_errors(schema, interpolate(raw, {**SECRETS, variable: "4"})) == []
        assert re.search(rf"^# {variable}=1$", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M), variable
    others = {name for name, service in raw["services"].items() if "scale" in service or "deploy" in service}
    assert others == set(REPLICAS)


def test_every_service_has_a_health_check_or_is_one_shot(compose):
    services = compose["services"]
    one_shot = {name for name, svc in services.items() if svc.get("restart") == "no"}
    assert one_shot == {"topics", "init", "cli"}
    for name, service in services.items():
        if name in one_shot:
            assert "healthcheck" not in service, name
        else:
            assert service.get("healthcheck", {}).get("test"), f"{name} needs a health check"
            assert not service["healthcheck"].get("disable"), name
        for dep, spec in service.get("depends_on", {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            condition = spec["condition"]
            if dep in one_shot:
                assert condition == "service_completed_successfully", f"{name} → {dep}"
            elif condition == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep} to be healthy"


def test_the_operators_guide_describes_every_service_and_their_start_order(raw):
    """The guide's table left out the console, and said Dagster waited for both one-shots (review)."""
    guide = (ROOT / "docs" / "operators-guide.md").read_text(encoding="utf-8")
    table = guide.split("| service | image | role | health |", 1)[1].split("\n\n", 1)[0]
    rows = set(re.findall(r"^\| `([a-z-]+)` \|", table, re.M))
    assert rows == set(raw["services"]), rows ^ set(raw["services"])
    waits = {name: set(svc.get("depends_on", {})) for name, svc in raw["services"].items()}
    assert {name for name, deps in waits.items() if {"topics", "init"} <= deps} == {"sink", "detect"}
    assert {name for name, deps in waits.items() if "init" in deps and "topics" not in deps} >= {
        "dagster-webserver",
        "dagster-daemon",
        "console",
    }
    assert "the workers start only after both one-shots succeeded, Dagster and the console after `init`" in (
        " ".join(guide.split())
    )


def test_environment_names_are_settings_and_defaults_agree(compose):
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    used = set(re.findall(r"\bDOSSIER_AUDIT_[A-Z0-9_]+", text))
    used |= set(re.findall(r"\bDOSSIER_AUDIT_[A-Z0-9_]+", ENV_EXAMPLE.read_text(encoding="utf-8")))
    used |= set(re.findall(r"\bDOSSIER_AUDIT_[A-Z0-9_]+", SITE_SETTINGS.read_text(encoding="utf-8")))
    used |= {n for word, args in dockerfile_instructions() if word == "ENV"
             for n in re.findall(r"\bDOSSIER_AUDIT_[A-Z0-9_]+", args)}  # fmt: skip
    for service in compose["services"].values():
        used |= {key for key in service.get("environment", {}) if key.startswith("DOSSIER_AUDIT_")}
    unknown = used - SETTINGS_ENV - {CONFIG_FILE_VARIABLE}  # the settings file's name, not a setting
    assert not unknown, f"not settings of bootstrap.settings.Settings: {sorted(unknown)}"
    defaults = Settings()
    for name, default in re.findall(r"\$\{(DOSSIER_AUDIT_[A-Z0-9_]+):-([^}]*)\}", text):
        field = name.removeprefix("DOSSIER_AUDIT_").lower()
        if default == "" and getattr(defaults, field) is None:  # an unset secret of .env, passed empty
            assert getattr(load_settings(**{field: ""}), field) is None, f"{name}: empty is not unset"
            continue
        assert default == str(getattr(defaults, field)), f"{name}: compose default {default!r}"
    # The configuration comes through: every platform container sees the warehouse, Kafka and the settings
    # file; those that read applicants, the key.
    for name, service in platform_services(compose).items():
        env = service["environment"]
        assert {"DOSSIER_AUDIT_WAREHOUSE", "DOSSIER_AUDIT_BOOTSTRAP_SERVERS"} <= set(env), name
        assert env["DOSSIER_AUDIT_CONFIG"] == "/config/settings.env", name
        assert any(str(v).endswith(":/config:ro") for v in service["volumes"]), name
        if name in KEYED:
            assert env["DOSSIER_AUDIT_PSEUDONYM_KEY"] == SECRETS["DOSSIER_AUDIT_PSEUDONYM_KEY"], name


#: The services that read applicants or events holding them: the workers, the cli (ingest, load). Not init,
#: Dagster (its jobs read the warehouse, pseudonymised already) or the console.
KEYED = {*WORKERS, "cli"}


def test_each_secret_reaches_only_the_services_that_need_it(compose, raw):
    """Every platform container had the whole .env in its environment (env_file): the console, the one
    service facing the inspectors' network, held the writer's password and the pseudonymisation key, which
    with the warehouse's pseudonyms re-identifies applicants (deploy review). No service takes .env whole;
    each secret is in the environment of the services that use it."""
    assert not any("env_file" in service for service in raw["services"].values())
    assert "env_file" not in raw["x-platform"]
    writer, key = SECRETS["CLICKHOUSE_WRITER_PASSWORD"], SECRETS["DOSSIER_AUDIT_PSEUDONYM_KEY"]
    for name, service in platform_services(compose).items():
        held = json.dumps(service.get("environment", {}))
        assert (key in held) == (name in KEYED), name
        assert (writer in held) == (name != "console"), name
    console = json.dumps(compose["services"]["console"])
    assert writer not in console and key not in console


def test_the_shipped_settings_file_reads_and_leaves_compose_s_own_values_to_it(tmp_path):
    """deploy/site/settings.env.example, every commented setting written in, is a settings file the
    platform reads; it names no secret (those are in .env) and none of the values compose passes itself (the
    topics'). The operator's copy, settings.env, is not tracked: a `git pull` never meets its edits."""
    assert "/deploy/site/settings.env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    from bootstrap.settings import load_settings

    text = SITE_SETTINGS.read_text(encoding="utf-8")
    assert not [line for line in text.splitlines() if line and not line.startswith("#")]  # comments only
    written = tmp_path / "settings.env"
    written.write_text(re.sub(r"^# (DOSSIER_AUDIT_[A-Z0-9_]+=)", r"\1", text, flags=re.M), encoding="utf-8")
    names = set(re.findall(r"^(DOSSIER_AUDIT_[A-Z0-9_]+)=", written.read_text("utf-8"), re.M))
    assert len(names) >= 25 and names <= SETTINGS_ENV
    load_settings(written)
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    passed = set(raw["x-platform-env"]) | set(raw["x-pseudonym-env"])
    assert not names & (passed | set(SECRETS)), names & (passed | set(SECRETS))


def test_workers_and_init_use_the_configured_warehouse_and_broker(compose):
    services = compose["services"]
    url = services["init"]["environment"]["DOSSIER_AUDIT_WAREHOUSE"]
    parsed = parse_url(url)
    expected = ("clickhouse", "writer", SECRETS["CLICKHOUSE_WRITER_PASSWORD"], "clickhouse", "dossier_audit")
    assert (parsed.scheme, parsed.user, parsed.password, parsed.host, parsed.database) == expected
    assert services["clickhouse"]["environment"]["CLICKHOUSE_DB"] == parsed.database
    for name in ("init", *WORKERS):
        # The URL from the environment (each command falls back to DOSSIER_AUDIT_WAREHOUSE), not argv.
        assert services[name]["environment"]["DOSSIER_AUDIT_WAREHOUSE"] == url, name
        assert "--warehouse" not in service_argv(services[name]), name
    for name in WORKERS:
        argv = service_argv(services[name])
        assert argv[argv.index("--bootstrap-servers") + 1] == "kafka:9092"
    # The detector judges with the catalogue snapshot `init` stored, read from the configured warehouse.
    assert "--stored-catalogue" in service_argv(services["detect"])
    assert "INTERNAL://kafka:9092" in services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]


def test_no_secret_is_on_a_command_line(compose):
    """A process's command line is in ``ps`` for every user of its host (and in ``docker top``): passwords,
    keys and URLs holding them come to the services through their environment only."""
    for name, service in compose["services"].items():
        argv = [*service.get("entrypoint", []), *service.get("command", [])]
        argv += service.get("healthcheck", {}).get("test", [])
        for secret in SECRETS.values():
            if secret != SECRETS["CONSOLE_TRUSTED_PROXY"]:  # an address, not a secret
                assert not any(secret in str(arg) for arg in argv), (name, secret)


def test_topics_are_the_platform_topics(raw):
    def created(env: dict[str, str]) -> list[tuple[str, int]]:
        script = interpolate(raw["services"]["topics"]["command"][0], env)
        return [(n, int(p)) for n, p in re.findall(r'^\s*create "([^"]+)" "?(\d+)"?\s*$', script, re.M)]

    for env in ({}, {"DOSSIER_AUDIT_PARTITIONS": "12", "DOSSIER_AUDIT_TOPIC_EVENTS": "ev"}):
        settings = Settings(**{k.removeprefix("DOSSIER_AUDIT_").lower(): v for k, v in env.items()})
        expected = [(spec.name, spec.partitions) for spec in platform_topics(settings)]
        assert created({**SECRETS, **env}) == expected


def test_dockerfile_builds_a_non_root_image_of_the_console_script():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    scripts = pyproject["project"]["scripts"]
    assert image_entrypoint() == ["dossier-audit"] and "dossier-audit" in scripts
    instructions = dockerfile_instructions()
    args = {
        a.split("=", 1)[0].split()[0]: a.split("=", 1)[1] for w, a in instructions if w == "ARG" and "=" in a
    }
    stage = final_stage()
    assert stage[0][1].replace("${PYTHON_IMAGE}", args["PYTHON_IMAGE"]) == "python:3.11-slim"
    users = [a for w, a in stage if w == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must not run as root"
    copied = " ".join(a for w, a in instructions if w == "COPY")
    for package in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        name = package.rstrip("*")
        assert f"{name}/ {name}/" in copied, f"the image must install package {name!r}"
    runs = " ".join(a for w, a in instructions if w == "RUN")
    assert "dagster-webserver" in runs, "the webserver is installed in the image"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and ".venv/" in ignored


def _glob_match(relative: str, pattern: str) -> bool:
    """setuptools' package-data globbing: ``*`` does not cross ``/``."""
    parts, wanted = relative.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(
        fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted, strict=True)
    )


def test_the_image_install_carries_every_data_file():
    """The image installs the package (not editable): a data file outside package-data would be missing."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = pyproject["tool"]["setuptools"]
    package_data: dict[str, list[str]] = setuptools["package-data"]
    missing = []
    for include in setuptools["packages"]["find"]["include"]:
        top = ROOT / include.rstrip("*")
        for path in sorted(top.rglob("*")):
            if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            package = next(d for d in path.parents if (d / "__init__.py").exists())
            dotted = ".".join(package.relative_to(ROOT).parts)
            relative = path.relative_to(package).as_posix()
            patterns = [*package_data.get("*", []), *package_data.get(dotted, [])]
            if not any(_glob_match(relative, pattern) for pattern in patterns):
                missing.append(path.relative_to(ROOT).as_posix())
    assert not missing, f"not in [tool.setuptools.package-data], so not in the image: {missing}"
    copied = " ".join(a for w, a in dockerfile_instructions() if w == "COPY")
    assert "pyproject.toml" in copied and "README.md" in copied


STATUS_SQL = ROOT / "warehouse" / "sql" / "status_tables.sql"


def test_clickhouse_users_writer_and_read_only_reports(compose):
    root = ET.parse(USERS_XML).getroot()
    assert root.tag == "clickhouse"
    users = root.find("users")
    assert users is not None
    env = compose["services"]["clickhouse"]["environment"]
    for name in ("writer", "reports"):
        user = users.find(name)
        assert user is not None, name
        password = user.find("password")
        assert password is not None and not (password.text or "").strip(), f"{name}: no password in the file"
        assert password.get("from_env") in env, f"{name}: the server gets its password from the environment"
    reports = users.find("reports")
    assert reports is not None
    profile = root.find(f"profiles/{reports.findtext('profile')}")
    # 2, not 1: the client sends max_query_size with every query, which readonly = 1 refuses (code 164).
    assert profile is not None and profile.findtext("readonly") == "2"
    database = compose["services"]["clickhouse"]["environment"]["CLICKHOUSE_DB"]
    assert reports.find("allow_databases") is None  # ClickHouse refuses it beside `grants`
    granted = [q.text or "" for q in reports.iter("query")]
    # The status command's row counts read system.parts, which a current server's config.xml
    # (select_from_system_db_requires_grant) refuses to a user not granted it (review).
    assert "GRANT SELECT ON system.parts" in granted and "system.parts" in STATUS_SQL.read_text("utf-8")
    granted.remove("GRANT SELECT ON system.parts")
    assert all(re.fullmatch(rf"GRANT SELECT ON {database}\.\w+", q) for q in granted), granted
    tables = set()
    for sql in sorted((ROOT / "warehouse" / "migrations").glob("*.sql")):
        tables |= set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", sql.read_text(encoding="utf-8")))
    # Every table of the platform, but never the accounts' hashes nor the trail of who read what.
    assert {q.rsplit(".", 1)[1] for q in granted} == tables - {"console_users", "page_reads"}
    assert {"events", "violations", "case_events"} <= tables
    mounts = compose["services"]["clickhouse"]["volumes"]
    assert f"./{USERS_XML.relative_to(ROOT)}:/etc/clickhouse-server/users.d/dossier-audit.xml:ro" in mounts


def test_dagster_instance_config_loads(tmp_path):
    from dagster import DagsterInstance
    from dagster._core.run_coordinator import QueuedRunCoordinator

    (tmp_path / "dagster.yaml").write_text(DAGSTER_YAML.read_text(encoding="utf-8"), encoding="utf-8")
    instance = DagsterInstance.from_config(str(tmp_path))
    try:
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        assert instance.run_monitoring_enabled
        # The default launcher cannot check a started run's process: only a maximum run time fails a run
        # whose process died, before two such runs fill the queue's places for good.
        assert not instance.run_launcher.supports_check_run_worker_health
        queue = instance.run_coordinator.get_run_queue_config()
        assert queue.max_concurrent_runs == 2 and 0 < instance.run_monitoring_max_runtime_seconds <= 6 * 3600
        # One run per week at a time (review of 2026-12-04: two runs of a week mixed their staged files).
        (limit,) = queue.tag_concurrency_limits
        assert limit["key"] == "dagster/partition" and limit["limit"] == 1
        assert limit["value"] == {"applyLimitPerUniqueValue": True}
    finally:
        instance.dispose()


def test_make_dagster_gives_its_instance_one_run_at_a_time(tmp_path):
    """Review of 2026-12-04: `make dagster` started Dagster on a bare DAGSTER_HOME, without the deployment's
    one-run-per-week limit; on the embedded warehouse two runs at once also find its directory locked."""
    import subprocess

    from dagster import DagsterInstance
    from dagster._core.run_coordinator import QueuedRunCoordinator

    home = tmp_path / "home"
    dry = subprocess.run(["make", "-n", "dagster", f"DAGSTER_HOME={home}", "STAMP="], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    copy = next(line for line in dry.splitlines() if "dagster-local.yaml" in line)
    home.mkdir()
    subprocess.run(["sh", "-c", copy], cwd=ROOT, check=True)  # the recipe's own line
    (home / "dagster.yaml").write_text("# the machine's own: kept\n", encoding="utf-8")
    subprocess.run(["sh", "-c", copy], cwd=ROOT, check=True)
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == "# the machine's own: kept\n"
    (home / "dagster.yaml").unlink()
    subprocess.run(["sh", "-c", copy], cwd=ROOT, check=True)
    instance = DagsterInstance.from_config(str(home))
    try:
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 1
    finally:
        instance.dispose()


# -- the health-check probe ---------------------------------------------------------------------------------
def load_probe() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "deploy" / "healthcheck.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def http_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/metrics" else 503)
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_health_probe_passes_on_2xx_and_fails_otherwise(http_server, capsys):
    probe = load_probe()
    assert probe.main([f"{http_server}/metrics"]) == 0
    assert probe.main([f"{http_server}/other"]) == 1
    assert "HTTP 503" in capsys.readouterr().err
    closed = http_server.rsplit(":", 1)[0] + ":1/metrics"
    assert probe.main([closed, "1"]) == 1
    assert probe.main([]) == 2 and probe.main(["http://x", "soon"]) == 2


def test_the_console_reads_as_reports_and_writes_cases_only(compose):
    """The console (issue 16): read-only `reports` for its reads, `cases` (insert into the console tables
    only) for its writes, a Secure cookie behind the TLS proxy, loopback port, health on /healthz."""
    console = compose["services"]["console"]
    env = console["environment"]
    assert env["DOSSIER_AUDIT_WAREHOUSE"].startswith("clickhouse://reports:reports-secret@clickhouse:9000/")
    assert "writer-secret" not in json.dumps(console)
    cases_url = env["DOSSIER_AUDIT_CONSOLE_CASES_WAREHOUSE"]
    assert cases_url.startswith("clickhouse://cases:cases-secret@clickhouse:9000/")
    assert env["DOSSIER_AUDIT_CONSOLE_SECURE_COOKIE"] == "true"
    # X-Forwarded-For is believed from the proxy's address only (never `*`): uvicorn's own reading is off.
    assert "FORWARDED_ALLOW_IPS" not in env
    assert env["DOSSIER_AUDIT_CONSOLE_TRUSTED_PROXIES"] == SECRETS["CONSOLE_TRUSTED_PROXY"]
    assert env["DOSSIER_AUDIT_CONSOLE_SESSION_SECRET"] == SECRETS["CONSOLE_SESSION_SECRET"]
    assert all(str(p).startswith("127.0.0.1:") for p in console["ports"])
    assert console["healthcheck"]["test"][2] == "http://127.0.0.1:8080/healthz"
    users = ET.parse(USERS_XML).getroot().find("users")
    assert users is not None
    cases = users.find("cases")
    assert cases is not None and cases.find("password").get("from_env") == "CLICKHOUSE_CASES_PASSWORD"
    grants = [q.text for q in cases.iter("query")]
    assert grants == [
        "GRANT INSERT, SELECT ON dossier_audit.case_events",
        "GRANT INSERT, SELECT ON dossier_audit.page_reads",
        "GRANT INSERT, SELECT ON dossier_audit.console_users",
        "GRANT SELECT ON dossier_audit.schema_migrations",
    ]
    assert "CLICKHOUSE_CASES_PASSWORD" in compose["services"]["clickhouse"]["environment"]


def test_the_detector_evicts_ended_dossiers_reading_them_back_as_reports(compose):
    """Without a history warehouse a detector evicts nothing and its memory grows for ever (review): the
    compose detector reads evicted dossiers back as the read-only `reports` user, whose grants cover what
    it reads (the stored events)."""
    env = compose["services"]["detect"]["environment"]
    history = env["DOSSIER_AUDIT_DETECTOR_HISTORY"]
    assert history.startswith("clickhouse://reports:reports-secret@clickhouse:9000/dossier_audit")
    sink = compose["services"]["sink"]["environment"]
    assert env["DOSSIER_AUDIT_WAREHOUSE"] == sink["DOSSIER_AUDIT_WAREHOUSE"]  # the rest as every worker's
    sql = (ROOT / "warehouse" / "sql" / "evicted_dossier_rows.sql").read_text("utf-8")
    read = set(re.findall(r"\bFROM (\w+)", sql))
    reports = ET.parse(USERS_XML).getroot().find("users/reports")
    assert reports is not None
    granted = {q.text for q in reports.iter("query")}
    assert read and all(f"GRANT SELECT ON dossier_audit.{table}" in granted for table in read), read
