"""Packaging stays honest: bounded dependencies, Binder == pip, data files in the wheel."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
ENVIRONMENT = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))

#: Entries of environment.yml that are tooling, not the course's dependencies.
CONDA_TOOLING = {"python", "pip"}


def normalise(name: str) -> str:
    """PEP 503 normalisation: PyYAML == pyyaml, pytest_xdist == pytest-xdist."""
    return re.sub(r"[-_.]+", "-", name).lower()


def spec_key(spec: SpecifierSet) -> frozenset[tuple[str, str]]:
    return frozenset((s.operator, str(Version(s.version))) for s in spec)


def pip_requirements() -> dict[str, SpecifierSet]:
    reqs = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    return {normalise(r.name): r.specifier for r in reqs}


def conda_requirements() -> tuple[dict[str, SpecifierSet], dict[str, str]]:
    """(package -> specifier, tooling entry -> its raw spec) from environment.yml."""
    deps: dict[str, SpecifierSet] = {}
    tooling: dict[str, str] = {}
    for entry in ENVIRONMENT["dependencies"]:
        if isinstance(entry, dict):  # the `pip:` section: pip requirement syntax
            for line in entry.get("pip", []):
                req = Requirement(line)
                deps[normalise(req.name)] = req.specifier
            continue
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", entry)
        assert match, f"environment.yml: cannot read {entry!r}"
        name, spec = normalise(match.group(1)), match.group(2)
        if name in CONDA_TOOLING:
            tooling[name] = spec
            continue
        assert not spec.startswith("=") or spec.startswith("=="), (
            f"environment.yml: {entry!r} uses conda's '=' pin; use bounds like >=x,<y")
        deps[name] = SpecifierSet(spec)
    return deps, tooling


def all_pip_requirements() -> list[tuple[str, Requirement]]:
    project = PYPROJECT["project"]
    out = [("dependencies", Requirement(r)) for r in project["dependencies"]]
    for extra, reqs in project.get("optional-dependencies", {}).items():
        out += [(f"optional-dependencies.{extra}", Requirement(r)) for r in reqs]
    return out


def bound_problem(spec: SpecifierSet) -> str | None:
    ops = {s.operator for s in spec}
    if ops & {"==", "==="}:
        return "is pinned exactly (use a range >=x,<y)"
    if not ops & {">=", ">", "~="}:
        return "has no lower bound"
    if not ops & {"<", "<=", "~="}:
        return "has no upper bound"
    return None


# ----------------------------------------------------------------------------- bounds
@pytest.mark.parametrize("where, req", all_pip_requirements(), ids=lambda x: str(x))
def test_every_pip_dependency_is_bounded(where, req):
    problem = bound_problem(req.specifier)
    assert problem is None, f"pyproject.toml [{where}] {req} {problem}"


def test_every_conda_dependency_is_bounded():
    deps, _ = conda_requirements()
    problems = [f"{name}{spec} {bound_problem(spec)}" for name, spec in deps.items()
                if bound_problem(spec)]
    assert not problems, "environment.yml: " + "; ".join(problems)


def test_bound_checker_itself():
    assert bound_problem(SpecifierSet(">=4.1,<5")) is None
    assert "exactly" in bound_problem(SpecifierSet("==4.1.2"))
    assert "upper" in bound_problem(SpecifierSet(">=4.1"))
    assert "lower" in bound_problem(SpecifierSet("<5"))
    assert "lower" in bound_problem(SpecifierSet(""))


# ----------------------------------------------------------------------------- pip == Binder
def test_binder_environment_has_the_same_packages_as_pyproject():
    pip, (conda, _) = pip_requirements(), conda_requirements()
    assert set(conda) == set(pip), (
        "environment.yml and pyproject.toml [project.dependencies] list different packages: "
        f"only in pyproject: {sorted(set(pip) - set(conda))}, "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}")


def test_binder_environment_has_the_same_bounds_as_pyproject():
    pip, (conda, _) = pip_requirements(), conda_requirements()
    different = [f"{name}: pyproject {pip[name]} vs environment.yml {conda[name]}"
                 for name in sorted(set(pip) & set(conda))
                 if spec_key(pip[name]) != spec_key(conda[name])]
    assert not different, "bounds differ: " + "; ".join(different)


def test_binder_python_satisfies_requires_python():
    _, tooling = conda_requirements()
    assert "python" in tooling, "environment.yml must pin the Python version (python=3.11)"
    version = tooling["python"].lstrip("=")
    requires = SpecifierSet(PYPROJECT["project"]["requires-python"])
    assert Version(version) in requires, f"python={version} outside requires-python {requires}"
    assert bound_problem(requires) is None, f"requires-python {requires} must be a bounded range"


def test_binder_uses_conda_forge():
    assert ENVIRONMENT.get("channels") == ["conda-forge"]


def test_binder_reads_the_top_level_configuration():
    # repo2docker ignores top-level files as soon as binder/ or .binder/ exists.
    for folder in ("binder", ".binder"):
        assert not (ROOT / folder).exists() or (ROOT / folder / "environment.yml").exists(), (
            f"{folder}/ exists, so Binder would ignore the top-level environment.yml")
    post_build = ROOT / "postBuild"
    assert post_build.exists(), "postBuild installs kubesim on Binder (pip install --no-deps -e .)"
    assert post_build.stat().st_mode & 0o111, "postBuild must be executable"
    assert "--no-deps" in post_build.read_text(), "postBuild must not re-resolve dependencies"


# ----------------------------------------------------------------------------- wheel contents
WHEEL_FILES = textwrap.dedent("""
    import json, warnings
    warnings.simplefilter("ignore")
    from setuptools.dist import Distribution
    from setuptools.config.pyprojecttoml import apply_configuration
    dist = Distribution()
    dist.script_name = "setup.py"  # what a PEP 517 build sets; distutils needs a name
    apply_configuration(dist, "pyproject.toml")
    # Only [tool.setuptools.package-data] decides: stricter than include-package-data.
    dist.include_package_data = False
    build_py = dist.get_command_obj("build_py")
    build_py.ensure_finalized()
    files = [f"{package.replace('.', '/')}/{name}"
             for package, _src, _build, names in build_py.data_files for name in names]
    modules = [f"{package.replace('.', '/')}/{module}.py"
               for package, module, _path in build_py.find_all_modules()]
    print(json.dumps({"packages": dist.packages, "data": files, "modules": modules}))
""")


def wheel_contents(project: Path) -> dict:
    """What setuptools would put in the wheel for the project at ``project``."""
    result = subprocess.run([sys.executable, "-c", WHEEL_FILES], cwd=project,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def copy_project(dest: Path) -> Path:
    """Copy pyproject.toml, README.md and kubesim/ to ``dest`` (setuptools writes nothing here)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "pyproject.toml", dest)
    readme = ROOT / "README.md"
    (dest / "README.md").write_text(readme.read_text(encoding="utf-8") if readme.exists() else "x\n")
    shutil.copytree(ROOT / "kubesim", dest / "kubesim",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def test_schema_bundle_and_yaml_data_would_be_in_the_wheel(tmp_path):
    """With a schema and YAML files in place (added if not there yet), all are packaged."""
    project = copy_project(tmp_path / "project")
    schemas = project / "kubesim" / "api" / "schemas"
    schemas.mkdir(exist_ok=True)
    (schemas / "zz-test-pod.json").write_text("{}\n")
    (project / "kubesim" / "zz-test-top.yaml").write_text("a: 1\n")
    (project / "kubesim" / "api" / "zz-test-nested.yaml").write_text("a: 1\n")
    data = set(wheel_contents(project)["data"])
    for required in ("kubesim/api/schemas/zz-test-pod.json", "kubesim/zz-test-top.yaml",
                     "kubesim/api/zz-test-nested.yaml"):
        assert required in data, f"{required} would be missing from the wheel: {sorted(data)}"


def test_every_data_file_in_the_repository_is_packaged(tmp_path):
    kubesim = ROOT / "kubesim"
    expected = {p.relative_to(ROOT).as_posix() for p in (kubesim / "api" / "schemas").glob("*.json")}
    expected |= {p.relative_to(ROOT).as_posix() for p in kubesim.rglob("*.yaml")
                 if "__pycache__" not in p.parts}
    contents = wheel_contents(copy_project(tmp_path / "project"))
    missing = expected - set(contents["data"])
    assert not missing, f"would be missing from the wheel: {sorted(missing)}"
    modules = {p.relative_to(ROOT).as_posix() for p in kubesim.rglob("*.py")
               if "__pycache__" not in p.parts}
    missing_modules = modules - set(contents["modules"])
    assert not missing_modules, (
        f"modules outside any package (add an __init__.py): {sorted(missing_modules)}")


def test_every_package_directory_has_an_init():
    # [tool.setuptools.packages.find] namespaces = false: a directory of .py files without
    # __init__.py would silently be left out of the wheel.
    missing = sorted(str(d.relative_to(ROOT)) for d in (ROOT / "kubesim").rglob("*")
                     if d.is_dir() and "__pycache__" not in d.parts
                     and any(d.glob("*.py")) and not (d / "__init__.py").exists())
    assert not missing, f"add __init__.py to: {missing}"
