"""Which calls of a campaign are assessed: per agent, up to N calls in which someone answered, recorded first."""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    attempt_id: int
    agent: str
    recorded: bool  # has a recording reference


def choose(candidates: Iterable[Candidate], per_agent: int, seed: str) -> dict[str, list[int]]:
    """Agent → the attempt ids sampled: at random (seeded by ``seed`` and the agent, so a sample can be drawn again
    and checked), calls with a recording before those without."""
    by_agent: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_agent[candidate.agent].append(candidate)
    sample = {}
    for agent in sorted(by_agent):
        rng = random.Random(f"{seed}:{agent}")
        pool = sorted(by_agent[agent], key=lambda c: c.attempt_id)
        recorded = [c.attempt_id for c in pool if c.recorded]
        others = [c.attempt_id for c in pool if not c.recorded]
        rng.shuffle(recorded)
        rng.shuffle(others)
        sample[agent] = sorted((recorded + others)[:per_agent])
    return sample
