import pytest

from harvester import registry
from harvester.crawl import DEFAULT_REGISTRY


def test_shipped_registry_loads_and_every_seed_portal_is_there():
    sites = registry.load(DEFAULT_REGISTRY)
    ids = {s.id for s in sites}
    assert {"gx-bbwb", "gx-guigang", "gx-liuzhou-liunan", "hb-xianning-zwsjj", "qh-xining-jkq"} <= ids
    for site in sites:
        assert site.level in registry.LEVELS
        assert site.source, f"{site.id} must say where its address came from"


@pytest.mark.parametrize("given", ["广西壮族自治区", "广西", "桂", "45", "GX", "gx", "450000"])
def test_province_selection_by_any_name(given):
    sites = registry.select(registry.load(DEFAULT_REGISTRY), province=given)
    assert sites and {s.province for s in sites} == {"广西壮族自治区"}


def test_unknown_province_and_site_are_clear_errors():
    sites = registry.load(DEFAULT_REGISTRY)
    with pytest.raises(registry.RegistryError, match="unknown province"):
        registry.select(sites, province="火星")
    with pytest.raises(registry.RegistryError, match="unknown site"):
        registry.select(sites, site_ids=["nope"])


def test_malformed_registry_says_where(tmp_path):
    bad = tmp_path / "sites.toml"
    bad.write_text('[[sites]]\nid = "x"\nagency = "a"\nprovince = "p"\nlevel = "乡"\nhomepage = "http://x/"\n', encoding="utf-8")
    with pytest.raises(registry.RegistryError, match="level must be one of"):
        registry.load(bad)
    with pytest.raises(registry.RegistryError, match="not found"):
        registry.load(tmp_path / "missing.toml")
