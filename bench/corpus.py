"""Realistic-looking text for knowledge items: a fixed vocabulary drawn with a
Zipf-like distribution, so a few words are in most items and most words are rare.

Deterministic for a seed, so every database gets the same items and queries."""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate

STOPWORDS = ["the", "to", "and", "a", "of", "is", "in", "it", "for", "we"]
COMMON = (
    "deploy release build test server client database query index cache token login access "
    "error issue ticket review branch merge pipeline docker cluster network latency metric alert "
    "dashboard report budget meeting onboarding laptop password account invoice customer support "
    "contract design sprint backlog roadmap feature bug fix patch config secret vault backup restore "
    "monitor logging python java kotlin golang rust typescript react android iphone printer office "
    "holiday payroll expense travel policy security compliance audit training mentor workshop"
).split()
VOCABULARY_SIZE = 30_000
WORDS_PER_TEXT = (12, 40)
WORDS_PER_TITLE = (3, 8)
_ONSETS = "b c d f g h j k l m n p r t v w z br cl dr fl gr kr pl pr sk sp st tr".split()
_VOWELS = "a e i o u ai ea ou".split()
_CODAS = ["", "", "", "n", "r", "l", "m", "k", "x"]


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]  # by rank: words[0] is the most common
    cum_weights: list[float]

    def rank(self, word: str) -> int:
        return self.words.index(word) + 1


def vocabulary(seed: int = 7, size: int = VOCABULARY_SIZE, exponent: float = 1.0) -> Vocabulary:
    rng = random.Random(seed)
    words = list(STOPWORDS) + list(COMMON)
    seen = set(words)
    while len(words) < size:
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(rng.randint(2, 3))
        )
        if word not in seen:
            seen.add(word)
            words.append(word)
    weights = [1.0 / (rank ** exponent) for rank in range(1, size + 1)]
    return Vocabulary(words, list(accumulate(weights)))


def texts(vocab: Vocabulary, count: int, seed: int) -> list[tuple[str, str]]:
    """`count` (title, text) pairs."""
    rng = random.Random(seed)
    lo, hi = WORDS_PER_TEXT
    tlo, thi = WORDS_PER_TITLE
    lengths = [rng.randint(lo, hi) for _ in range(count)]
    title_lengths = [rng.randint(tlo, thi) for _ in range(count)]
    pool = rng.choices(vocab.words, cum_weights=vocab.cum_weights, k=sum(lengths) + sum(title_lengths))
    out, at = [], 0
    for length, title_length in zip(lengths, title_lengths):
        title = " ".join(pool[at : at + title_length]).capitalize()
        at += title_length
        text = " ".join(pool[at : at + length]).capitalize() + "."
        at += length
        out.append((title, text))
    return out


def question(vocab: Vocabulary, rng: random.Random) -> str:
    words = rng.choices(vocab.words[10:], cum_weights=None, k=rng.randint(4, 9))
    return "How do I " + " ".join(words) + "?"
