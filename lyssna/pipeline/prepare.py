"""The CPU-bound half of ingest: normalise, analyse, match. Pure; runs in worker processes.

Storing is the other half (lyssna.pipeline.ingest, lyssna.storage.mentions), done by one writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from lyssna.core.errors import RecordError
from lyssna.core.records import IncomingMention, TextAnalysis
from lyssna.pipeline.normalise import normalise
from lyssna.pipeline.readers import RawRecord
from lyssna.query import MatchDocument, TopicMatcher, parse
from lyssna.query.tokens import search_terms_of
from lyssna.storage.mentions import StorableMention, storable
from lyssna.storage.quarantine import QuarantinedRecord


class Analyzer(Protocol):
    """The analysis seam: language and sentiment for a batch of texts (lyssna.analysis)."""

    def analyse_many(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None = None,
        *,
        explain: bool = True,
    ) -> list[TextAnalysis]: ...


@dataclass(slots=True)
class PreparedBatch:
    mentions: list[StorableMention] = field(default_factory=list)
    quarantined: list[QuarantinedRecord] = field(default_factory=list)


class Preparer:
    """Holds what preparing needs (analyser, compiled topics); one per process.

    `dialect` is the target database's ("sqlite" or "postgresql"): values are converted to the
    driver's form here, so the single writer has as little to do as possible.
    """

    def __init__(self, topics: Sequence[tuple[int, str]], analyzer: Analyzer, dialect: str) -> None:
        self.matcher: TopicMatcher[int] = TopicMatcher({tid: parse(q) for tid, q in topics})
        self.analyzer = analyzer
        self.dialect = dialect

    def prepare(
        self, records: Sequence[RawRecord], *, default_channel: str, source: str | None
    ) -> PreparedBatch:
        batch = PreparedBatch()
        accepted: list[tuple[IncomingMention, str | None]] = []
        raw_json: list[str | None] = []
        for record in records:
            if record.data is None:
                batch.quarantined.append(_quarantined(record, record.error or "unreadable"))
                continue
            try:
                accepted.append(
                    normalise(record.data, default_channel=default_channel, source=source)
                )
                raw_json.append(record.source_text if record.source_is_json else None)
            except RecordError as exc:
                batch.quarantined.append(_quarantined(record, str(exc)))
        if not accepted:
            return batch
        # The reasons behind each verdict are worked out when someone looks at the mention
        # (lyssna.explanations): they would cost as much as the verdict itself here.
        analyses = self.analyzer.analyse_many(
            [m.text for m, _ in accepted], [m.lang for m, _ in accepted], explain=False
        )
        for (mention, variant), analysis, raw in zip(accepted, analyses, raw_json, strict=True):
            if variant and analysis.lang == "no" and analysis.lang_variant != variant:
                analysis = _with_variant(analysis, variant)
            doc = MatchDocument.build(
                mention.text,
                lang=analysis.lang,
                lang_variant=analysis.lang_variant,
                channel=mention.channel,
                author=mention.author.handle if mention.author else None,
                host=mention.host,
                sentiment=analysis.sentiment,
            )
            batch.mentions.append(
                storable(
                    mention,
                    analysis,
                    search_terms_of(doc.words),
                    self.matcher.match(doc),
                    self.dialect,
                    raw,
                )
            )
        return batch


def _with_variant(analysis: TextAnalysis, variant: str) -> TextAnalysis:
    return TextAnalysis(
        lang=analysis.lang,
        lang_confidence=analysis.lang_confidence,
        sentiment=analysis.sentiment,
        sentiment_score=analysis.sentiment_score,
        lang_variant=variant,
        explanation=analysis.explanation,
    )


def _quarantined(record: RawRecord, reason: str) -> QuarantinedRecord:
    return QuarantinedRecord(record.origin, record.line, reason, record.source_text[:100_000])
