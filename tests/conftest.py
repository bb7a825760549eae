"""Shared pytest configuration."""


def pytest_configure(config):
    # Tests marked `libbug` show a library bug found while writing the tests: they fail until the
    # library is fixed (run `pytest -m libbug` to list them, `-m "not libbug"` to leave them out).
    config.addinivalue_line(
        "markers", "libbug: shows a known library bug; fails until the library is fixed"
    )
