"""formkit/toml_cache.py: formkit's own TOML data is parsed once per content, and read
back exactly as tomllib parses it; other files are parsed every time, as before."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from formkit import toml_cache
from tests.conftest import ROOT

OWN = sorted((ROOT / "formkit").rglob("*.toml"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("FORMKIT_NO_CACHE", raising=False)
    return tmp_path / "cache" / "formkit" / "toml"


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts tomllib's parses from here on."""
    calls: list[int] = []
    loads = tomllib.loads

    def counting(text: str, **options: object) -> object:
        calls.append(1)
        return loads(text)

    monkeypatch.setattr(toml_cache.tomllib, "loads", counting)
    return calls


def test_own_data_reads_back_as_tomllib_parses_it(cache: Path) -> None:
    assert len(OWN) >= 5
    for path in OWN:
        with open(path, "rb") as fh:
            expected = tomllib.load(fh)
        assert toml_cache.load(path) == expected  # parsed, kept
        assert toml_cache.load(path) == expected  # read back
    assert len(list(cache.glob("*.marshal"))) >= 5


def test_a_kept_file_is_not_parsed_again_and_a_changed_one_is(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(toml_cache, "_OWN", tmp_path)
    spec = tmp_path / "spec.toml"
    spec.write_text('id = "a"\n[units]\n"万元" = 1\n', "utf-8")
    parsed = _parsed(monkeypatch)
    assert toml_cache.load(spec) == {"id": "a", "units": {"万元": 1}}
    assert toml_cache.load(spec) == {"id": "a", "units": {"万元": 1}}
    assert len(parsed) == 1
    spec.write_text('id = "b"\n', "utf-8")
    assert toml_cache.load(spec) == {"id": "b"}
    assert len(parsed) == 2
    # a damaged cache file is parsed past, and kept again whole
    for kept in cache.glob("*.marshal"):
        kept.write_bytes(kept.read_bytes()[:5])
    assert toml_cache.load(spec) == {"id": "b"}
    assert toml_cache.load(spec) == {"id": "b"}
    assert len(parsed) == 3


def test_a_given_file_a_date_or_no_cache_folder_is_parsed_every_time(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = tmp_path / "reference.toml"  # outside formkit: a person's own file
    given.write_text("x = 1\n", "utf-8")
    parsed = _parsed(monkeypatch)
    assert toml_cache.load(given) == toml_cache.load(given) == {"x": 1}
    assert len(parsed) == 2 and not cache.exists()

    monkeypatch.setattr(toml_cache, "_OWN", tmp_path)
    dated = tmp_path / "dated.toml"
    dated.write_text("day = 2006-04-30\n", "utf-8")
    assert str(toml_cache.load(dated)["day"]) == "2006-04-30"
    assert not list(cache.glob("*.marshal"))  # marshal holds no date

    blocked = tmp_path / "blocked"
    blocked.write_text("")  # a file where the cache folder would be
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert toml_cache.load(given) == {"x": 1}

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("FORMKIT_NO_CACHE", "1")
    before = len(parsed)
    assert toml_cache.load(given) == {"x": 1}
    assert len(parsed) == before + 1
