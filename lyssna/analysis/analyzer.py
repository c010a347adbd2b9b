"""The analyser the ingest pipeline calls: language, sentiment and why, for one post at a time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lyssna.analysis.adaptation import WorkspaceAdaptation
from lyssna.analysis.language import detect_words, norwegian_variant
from lyssna.analysis.lexicon import load_lexicons
from lyssna.analysis.sentiment import (
    CLASSES,
    LEX_SCALE,
    RULE_WEIGHT,
    Features,
    LinearModel,
    default_model,
    extract,
    softmax,
)
from lyssna.analysis.text import Token, tokenize
from lyssna.analysis.vocabulary import vocabulary
from lyssna.core.records import Reason, Sentiment, TextAnalysis

PIN_WEIGHT = 4.0  # logits added to a pinned term's sentiment: it beats any lexicon word
MIN_LANG_CONFIDENCE = 0.5  # below this the lexicons of all languages are used together
MAX_REASONS = 5
_RECENT_LIMIT = 20_000  # verdicts kept for repeated texts (cleared when full)
_RULES = {"NEG": "negation", "EXCL": "!", "QUES": "?", "SHOUT": "CAPITALS", "ELONG": "elongation"}


@dataclass(frozen=True, slots=True)
class PinnedTerm:
    """A word or phrase whose presence weights the verdict towards `sentiment`.

    Its own words are ignored by the lexicon and the model, so a product called "Nöjd-Kaos"
    does not count as chaos.
    """

    term: str
    sentiment: Sentiment
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class _Pin:
    words: tuple[str, ...]
    sentiment: Sentiment
    lang: str | None
    term: str


class Analyzer:
    """Language and sentiment for posts. Cheap to copy into worker processes (pickles by recipe)."""

    def __init__(
        self,
        pinned: Sequence[PinnedTerm] = (),
        adaptation: WorkspaceAdaptation | None = None,
        accurate: bool = False,
    ) -> None:
        self._pinned_terms = tuple(pinned)
        self._adaptation = adaptation
        self._accurate = accurate
        self._known = vocabulary()
        self._model: LinearModel = default_model()
        self._extra = adaptation.weights if adaptation else None
        self._pins = tuple(
            _Pin(
                tuple(t.text for t in tokenize(p.term, self._known)),
                p.sentiment,
                _normalise_lang(p.lang)[0] if p.lang else None,
                p.term,
            )
            for p in pinned
        )
        self._recent: dict[tuple[str, str | None], TextAnalysis] = {}
        self._rescorer = None
        if accurate:
            from lyssna.analysis.accurate import EmbeddingRescorer

            self._rescorer = EmbeddingRescorer.load()

    def __reduce__(self) -> tuple[Any, ...]:
        return (Analyzer, (self._pinned_terms, self._adaptation, self._accurate))

    @property
    def accurate(self) -> bool:
        return self._accurate

    def analyse(self, text: str, lang: str | None = None) -> TextAnalysis:
        return self.analyse_many([text], [lang])[0]

    def analyse_many(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None = None,
        *,
        explain: bool = True,
    ) -> list[TextAnalysis]:
        """Language and sentiment of each text; with `explain=False` the reasons are left out
        (`explanation` is None): ingest stores verdicts fast and the reasons are worked out when
        a person looks (lyssna.explanations), which costs as much as the verdict itself."""
        if langs is not None and len(langs) != len(texts):
            raise ValueError("texts and langs must have the same length")
        explain = explain or self._rescorer is not None  # the accurate path weighs the reasons
        if explain:
            fast = [
                self._fast(text, langs[i] if langs is not None else None, True)
                for i, text in enumerate(texts)
            ]
            if self._rescorer is None:
                return [result for result, _ in fast]
            return self._rescorer.rescore(texts, fast)
        # Copies (reposts, copy-paste campaigns, the same text in a batch) are analysed once.
        seen = self._recent
        if len(seen) > _RECENT_LIMIT:
            seen.clear()
        results = []
        for i, text in enumerate(texts):
            given = langs[i] if langs is not None else None
            key = (text, given)
            result = seen.get(key)
            if result is None:
                result = seen[key] = self._fast(text, given, False)[0]
            results.append(result)
        return results

    def _fast(
        self, text: str, given: str | None, explain: bool = True
    ) -> tuple[TextAnalysis, list[float]]:
        """The fast-path result, and its logits (for the accurate path to combine with)."""
        tokens = tokenize(text, self._known)
        words = [t.text for t in tokens if t.kind == "word" and not t.hashtag]
        if given:
            lang, variant = _normalise_lang(given)
            if lang == "no" and variant is None:
                variant = norwegian_variant(words)
            conf = 1.0
        else:
            lang, variant, conf = detect_words(words)
        masked, pin_logits, pin_reasons = self._apply_pins(tokens, lang)
        feats = extract(tokens, lang, masked, sure=conf >= MIN_LANG_CONFIDENCE)
        logits = self._model.logits(feats, self._extra)
        if self._pins:
            logits = [a + b for a, b in zip(logits, pin_logits, strict=True)]
        probs = softmax(logits)
        best = probs.index(max(probs))
        explanation: tuple[Reason, ...] | None = None
        if explain:
            reasons = pin_reasons + self._explain(feats)
            reasons.sort(key=lambda r: -abs(r.weight))
            explanation = tuple(reasons[:MAX_REASONS])
        result = TextAnalysis(
            lang=lang,
            lang_confidence=conf,
            sentiment=CLASSES[best],
            sentiment_score=round(probs[2] - probs[0], 4),
            lang_variant=variant,
            explanation=explanation,
        )
        return result, logits

    def _apply_pins(
        self, tokens: list[Token], lang: str
    ) -> tuple[set[int], list[float], list[Reason]]:
        masked: set[int] = set()
        logits = [0.0, 0.0, 0.0]
        reasons: list[Reason] = []
        if not self._pins:
            return masked, logits, reasons
        texts = [t.text for t in tokens]
        for pin in self._pins:
            if not pin.words or (pin.lang and pin.lang != lang):
                continue
            size = len(pin.words)
            hits = [
                i for i in range(len(texts) - size + 1) if tuple(texts[i : i + size]) == pin.words
            ]
            if not hits:
                continue
            for i in hits:
                masked.update(range(i, i + size))
            k = CLASSES.index(pin.sentiment)
            logits[k] += PIN_WEIGHT
            sign = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[pin.sentiment]
            reasons.append(
                Reason(
                    "pinned", f"{pin.term} ({pin.sentiment})", sign * PIN_WEIGHT or PIN_WEIGHT / 10
                )
            )
        return masked, logits, reasons

    def _explain(self, feats: Features) -> list[Reason]:
        """Each feature's push on positive-vs-negative, grouped by the word or rule behind it."""
        margins = self._model.margins_for(feats.lang)
        extra = self._extra or {}

        def margin(feature: str | None, value: float = 1.0) -> float:
            if feature is None:
                return 0.0
            m = margins.get(feature, 0.0) * value
            if extra:
                learned = extra.get(feature)
                if learned:
                    m += (learned[2] - learned[0]) * value
            return float(m)

        sparse = feats.sparse
        # A word's stem and ending features count for the word (split when words share them).
        shares = Counter(p for ps in feats.parts.values() for p in ps)

        def word_margin(feature: str) -> float:
            m = margin(feature, sparse.get(feature, 0.0))
            for part in feats.parts.get(feature, ()):
                m += margin(part) / shares[part]
            return m

        # per unit of lexicon polarity; a negative cue uses the (negative) LEXNEG margin
        rule = RULE_WEIGHT * LEX_SCALE
        lexpos, lexneg = margin("LEXPOS", LEX_SCALE) + rule, margin("LEXNEG", LEX_SCALE) - rule
        emopos, emoneg = margin("EMOPOS", LEX_SCALE) + rule, margin("EMONEG", LEX_SCALE) - rule
        reasons: list[Reason] = []
        seen: set[str] = set()
        for cue in feats.cues:
            is_emoji = cue.kind in ("emoji", "emoticon")
            scale = (
                (emopos if cue.value > 0 else emoneg)
                if is_emoji
                else (lexpos if cue.value > 0 else lexneg)
            )
            weight = abs(cue.value) * scale
            if cue.feature and cue.feature not in seen:
                weight += word_margin(cue.feature)
                seen.add(cue.feature)
            reasons.append(Reason(cue.kind, cue.text, round(weight, 3)))
        # The negator's own word weight and the negation flag are one thing to a reader.
        negators = (load_lexicons().get(feats.lang) or load_lexicons()["*"]).negators
        negation = sum(
            margin(f, v) for f, v in sparse.items() if f[2:] in negators and f[:2] == "w:"
        )
        for f, v in sparse.items():
            if f in seen or f in ("LEXPOS", "LEXNEG", "EMOPOS", "EMONEG", "LEN"):
                continue
            if f[:2] in ("s:", "x:"):  # counted with their words
                continue
            if f[:2] == "w:" and f[2:] in negators:
                continue
            w = (word_margin(f) if f[:2] == "w:" else margin(f, v)) + (
                negation if f == "NEG" else 0.0
            )
            if abs(w) < 0.05:
                continue
            if f in _RULES:
                reasons.append(Reason("rule", _RULES[f], round(w, 3)))
            elif f.startswith("w:!"):
                reasons.append(Reason("negation", "¬" + f[3:], round(w, 3)))
            elif f.startswith("w:"):
                reasons.append(Reason("word", f[2:], round(w, 3)))
            elif f.startswith(("b:", "p:")):
                reasons.append(Reason("phrase", f[2:], round(w, 3)))
            elif f.startswith("e:"):
                reasons.append(Reason("emoji", f[2:], round(w, 3)))
        return [r for r in reasons if abs(r.weight) >= 0.05]


def _normalise_lang(lang: str) -> tuple[str, str | None]:
    """Record languages as ISO 639-1: "nb"/"nn"/"nob"/"nno" become "no" with a variant."""
    low = lang.strip().lower().replace("_", "-").split("-")[0]
    if low in ("nb", "nob"):
        return "no", "nb"
    if low in ("nn", "nno"):
        return "no", "nn"
    aliases = {"swe": "sv", "nor": "no", "dan": "da", "fin": "fi", "eng": "en"}
    return aliases.get(low, low or "und"), None


def load_analyzer(
    *,
    pinned: Sequence[PinnedTerm] = (),
    adaptation: WorkspaceAdaptation | None = None,
    accurate: bool = False,
) -> Analyzer:
    """An analyser for one workspace; model files load once per process and are shared."""
    return Analyzer(pinned, adaptation, accurate)
