"""The package's public names exist and are documented."""

import sci_hierarchy


def test_every_export_exists_and_is_documented():
    missing = [n for n in sci_hierarchy.__all__ if not getattr(sci_hierarchy, n, None)]
    assert not missing
    undocumented = [n for n in sci_hierarchy.__all__ if not getattr(sci_hierarchy, n).__doc__]
    assert not undocumented, undocumented
