"""Refusals the data layer raises for the caller's mistakes. The API turns each into its one
problem+json answer; the command line prints both messages."""

from __future__ import annotations


class Refused(Exception):
    status = 422

    def __init__(self, message_ja: str, message_en: str, *, status: int | None = None):
        super().__init__(message_en)
        self.message_ja, self.message_en = message_ja, message_en
        if status is not None:
            self.status = status
