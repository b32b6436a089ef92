"""Loaded by pytest before Django's settings (pyproject: `addopts = "-p tests.development_mode"`;
a conftest would come too late): the suite runs in development mode, with the development keys
and local hosts, whatever DEBUG the shell has. Tests of production settings run `manage.py` in
a process of their own with DEBUG=0."""

import os

from devtools import devenv

os.environ["DEBUG"] = "1"
# what `make test` does first, so that a bare `pytest` on a fresh clone works as well
devenv.prepare(devenv.var_dir())
