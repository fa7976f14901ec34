"""CI runs exactly the test command that README.md gives."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    assert len(commands) == 2, "README's first screen gives exactly two set-up commands"
    demo, tests = commands
    assert "examples/demo.py" in demo
    assert "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_ci_also_runs_the_slow_tests_the_readme_command_leaves_out():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert '-m "not slow"' in re.findall(r"```bash\n(.*?)\n```", readme, re.S)[1]
    assert "python -m pytest -q -n 2 -m slow" in ci
    assert "`python -m pytest -q -n 2 -m slow`" in readme, "README says what else CI runs"
