"""The ``har`` command line (see :mod:`har_cli.cli`)."""
