"""The per-process caches (a version's spec, forms and validators; the calendar) stay bounded and keep what is used."""
from engine.kept import Kept


def test_the_least_recently_used_is_dropped_and_a_hit_is_not_rebuilt() -> None:
    built: list[str] = []

    def build(key: str) -> str:
        built.append(key)
        return key.upper()

    kept: Kept[str, str] = Kept(2)
    assert kept.get("a", lambda: build("a")) == "A"
    assert kept.get("b", lambda: build("b")) == "B"
    assert kept.get("a", lambda: build("a")) == "A"  # a hit: used last now
    kept.get("c", lambda: build("c"))  # past the size: "b", the least recently used, goes
    assert len(kept) == 2 and kept.find("b") is None and kept.find("a") == "A"
    assert built == ["a", "b", "c"]
